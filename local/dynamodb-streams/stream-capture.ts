/**
 * A local DynamoDB stream. No emulator on the npm registry serves the DynamoDB Streams API
 * (dynalite has none; the others wrap Amazon's Java DynamoDB Local, a download), so this
 * captures the changes itself: an HTTP proxy in front of dynalite reads each written item
 * before and after the write, and stores one stream record per changed item in a Kinesis
 * stream on kinesalite, partitioned by the item's key. A shard of it is a shard of the
 * DynamoDB stream: records in write order per item key, with increasing sequence numbers.
 * The write is answered only once its records are stored, so a write the caller saw
 * succeed is never missing from the stream.
 */
import http from 'node:http';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { dynamoDBItemKey } from '../../lib/sources/dynamodb.js';
import { createKinesisStream } from '../services/kinesis-server.js';
import { listenOnLoopback } from '../services/listen-on-loopback.js';
import { readAll, reply, Upstream } from '../services/upstream.js';
import { type CapturedChange, capturedChange, type Item, StreamViewType } from './stream-record.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** The write calls whose changes are captured; every other call passes through untouched. */
const WRITE_OPERATIONS = [
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
] as const;
const LOCAL_REGION = 'us-east-1';
const LOCAL_ACCOUNT = '000000000000';
// Kinesis takes partition keys of at most 256 characters; a longer item key is hashed by kinesalite's rule anyway.
const MAX_PARTITION_KEY = 256;

/** Options of {@link startDynamoDbStreamCapture}. */
export interface DynamoDbStreamCaptureOptions {
  /** dynalite's endpoint, e.g. `startDynamoDbServer()`'s. */
  readonly upstream: string;
  /** A client of the kinesalite that stores the streams' records. */
  readonly kinesis: KinesisClient;
}

/** A table whose changes are captured. */
export interface CapturedTable {
  readonly tableName: string;
  /** The DynamoDB stream's ARN, as in the records' `eventSourceARN`. */
  readonly streamArn: string;
  readonly viewType: StreamViewType;
  /** The Kinesis stream on kinesalite that holds the records. */
  readonly shardStreamName: string;
  /** Per shard, the highest sequence number stored so far. */
  lastSequenceByShard(): ReadonlyMap<string, bigint>;
}

/** Options of {@link DynamoDbStreamCapture.enableStream}. */
export interface EnableStreamOptions {
  /** What each record carries. Default `NEW_AND_OLD_IMAGES`. */
  readonly viewType?: StreamViewType;
  /** Shards of the stream. Default 1. */
  readonly shards?: number;
}

/** A running capture: point DynamoDB clients at `endpoint` instead of dynalite. */
export interface DynamoDbStreamCapture {
  readonly endpoint: string;
  /** Starts capturing the changes of an existing table, as enabling its stream does. */
  enableStream(tableName: string, options?: EnableStreamOptions): Promise<CapturedTable>;
  /** Calls whose records could not be stored (the write happened; the caller was answered with an error). */
  readonly errors: () => number;
  close(): Promise<void>;
}

interface TableState extends CapturedTable {
  readonly keyNames: readonly string[];
  readonly lastSequence: Map<string, bigint>;
}

type Json = Record<string, unknown>;

/** Starts the capture proxy on 127.0.0.1. */
export async function startDynamoDbStreamCapture(
  options: DynamoDbStreamCaptureOptions,
): Promise<DynamoDbStreamCapture> {
  const tables = new Map<string, TableState>();
  let errors = 0;
  const upstream = new Upstream(options.upstream, () => errors++);
  // Writes to captured tables run one at a time, so that the item read after one write is
  // that write's result, and records of one item are stored in the order of its writes.
  let writes: Promise<unknown> = Promise.resolve();
  const server = http.createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').slice(TARGET_PREFIX.length);
    if (tables.size === 0 || !(WRITE_OPERATIONS as readonly string[]).includes(operation)) {
      upstream.passThrough(req, res);
      return;
    }
    const run = writes.then(() => captureWrite(req, res, operation));
    writes = run.catch(() => undefined);
    run.catch(() => {
      errors++;
      if (!res.headersSent)
        reply(res, 500, { 'content-type': 'application/x-amz-json-1.0' }, internalError());
    });
  });

  async function captureWrite(req: http.IncomingMessage, res: http.ServerResponse, operation: string) {
    const body = await readAll(req);
    const touched = touchedKeys(operation, JSON.parse(body.toString('utf8')) as Json, tables);
    if (touched.length === 0) {
      await upstream.sendAndReply(req, res, body);
      return;
    }
    const before = await readItems(options.upstream, touched);
    const answer = await upstream.send(req, body);
    if (answer.status === 200) {
      const after = await readItems(options.upstream, touched);
      await storeChanges(options.kinesis, touched, before, after);
    }
    reply(res, answer.status, answer.headers, answer.body);
  }

  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    errors: () => errors,
    async enableStream(tableName, enable = {}) {
      const keyNames = await describeKeyNames(options.upstream, tableName);
      const label = new Date().toISOString().replace('Z', '');
      const shardStreamName = `${tableName}-stream-records`;
      await createKinesisStream(options.kinesis, shardStreamName, enable.shards ?? 1);
      const lastSequence = new Map<string, bigint>();
      const state: TableState = {
        tableName,
        streamArn: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}/stream/${label}`,
        viewType: enable.viewType ?? StreamViewType.NewAndOldImages,
        shardStreamName,
        keyNames,
        lastSequence,
        lastSequenceByShard: () => new Map(lastSequence),
      };
      tables.set(tableName, state);
      return state;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One item a write may change. */
interface TouchedKey {
  readonly table: TableState;
  readonly key: Item;
}

/** The items of captured tables that the write names, in the order it names them. */
function touchedKeys(operation: string, input: Json, tables: ReadonlyMap<string, TableState>): TouchedKey[] {
  const named: { tableName: unknown; item?: unknown; key?: unknown }[] = [];
  if (operation === 'PutItem') named.push({ tableName: input.TableName, item: input.Item });
  else if (operation === 'UpdateItem' || operation === 'DeleteItem') {
    named.push({ tableName: input.TableName, key: input.Key });
  } else {
    // BatchWriteItem: puts and deletes, table by table.
    for (const [tableName, requests] of Object.entries(
      (input.RequestItems ?? {}) as Record<string, Json[]>,
    )) {
      for (const request of requests) {
        const put = request.PutRequest as Json | undefined;
        const remove = request.DeleteRequest as Json | undefined;
        named.push({ tableName, item: put?.Item, key: remove?.Key });
      }
    }
  }
  const touched: TouchedKey[] = [];
  for (const { tableName, item, key } of named) {
    const table = typeof tableName === 'string' ? tables.get(tableName) : undefined;
    const source = (key ?? item) as Item | undefined;
    if (table === undefined || typeof source !== 'object' || source === null) continue;
    touched.push({ table, key: Object.fromEntries(table.keyNames.map((name) => [name, source[name]])) });
  }
  return touched;
}

/** Calls dynalite's JSON API directly, so that items stay exactly as the wire (and Lambda's event) writes them. */
async function callDynamoDb(endpoint: string, operation: string, input: Json): Promise<Json> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${TARGET_PREFIX}${operation}`,
      // dynalite wants a signature's shape and a date, not a valid signature.
      'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input),
  });
  const answer = (await response.json()) as Json;
  if (!response.ok) throw new Error(`${operation} failed: ${String(answer.__type ?? response.status)}`);
  return answer;
}

async function describeKeyNames(endpoint: string, tableName: string): Promise<string[]> {
  const answer = await callDynamoDb(endpoint, 'DescribeTable', { TableName: tableName });
  const table = answer.Table as { KeySchema?: { AttributeName: string }[] };
  return (table.KeySchema ?? []).map((element) => element.AttributeName);
}

/** The items now stored under the keys, consistently read, one per key (`undefined` where none). */
async function readItems(endpoint: string, touched: readonly TouchedKey[]): Promise<(Item | undefined)[]> {
  const found = new Map<string, Item>();
  // BatchGetItem takes 100 keys a call.
  for (let start = 0; start < touched.length; start += 100) {
    let requestItems: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
    for (const { table, key } of touched.slice(start, start + 100)) {
      requestItems[table.tableName] ??= { Keys: [], ConsistentRead: true };
      requestItems[table.tableName].Keys.push(key);
    }
    while (Object.keys(requestItems).length > 0) {
      const answer = await callDynamoDb(endpoint, 'BatchGetItem', { RequestItems: requestItems });
      for (const [tableName, items] of Object.entries((answer.Responses ?? {}) as Record<string, Item[]>)) {
        const table = touched.find((entry) => entry.table.tableName === tableName)?.table;
        for (const item of items) if (table) found.set(itemId(table, item), item);
      }
      requestItems = (answer.UnprocessedKeys ?? {}) as typeof requestItems;
    }
  }
  return touched.map(({ table, key }) => found.get(itemId(table, key)));
}

function itemId(table: TableState, item: Item): string {
  const key = Object.fromEntries(table.keyNames.map((name) => [name, item[name]]));
  return `${table.tableName}\u0000${dynamoDBItemKey(key)}`;
}

/** Stores a record for each item the write changed, in the write's order, before the write is answered. */
async function storeChanges(
  kinesis: KinesisClient,
  touched: readonly TouchedKey[],
  before: readonly (Item | undefined)[],
  after: readonly (Item | undefined)[],
): Promise<void> {
  const at = new Date();
  const byTable = new Map<TableState, { change: CapturedChange; partitionKey: string }[]>();
  touched.forEach(({ table, key }, index) => {
    const change = capturedChange(
      { keys: key, before: before[index], after: after[index] },
      { streamArn: table.streamArn, region: LOCAL_REGION, viewType: table.viewType },
      at,
    );
    if (change === undefined) return;
    const partitionKey = dynamoDBItemKey(key).slice(0, MAX_PARTITION_KEY);
    byTable.set(table, [...(byTable.get(table) ?? []), { change, partitionKey }]);
  });
  for (const [table, changes] of byTable) await putInOrder(kinesis, table, changes);
}

/**
 * Puts the records, putting any that failed again. The keys of one write are distinct, so
 * a retried record cannot overtake an earlier record of its own item.
 */
async function putInOrder(
  kinesis: KinesisClient,
  table: TableState,
  changes: readonly { change: CapturedChange; partitionKey: string }[],
): Promise<void> {
  let pending = changes.map(({ change, partitionKey }) => ({
    Data: Buffer.from(JSON.stringify(change)),
    PartitionKey: partitionKey,
  }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === 10)
      throw new Error(`could not store ${pending.length} stream records of ${table.tableName}`);
    const out = await kinesis.send(
      new PutRecordsCommand({ StreamName: table.shardStreamName, Records: pending }),
    );
    const failed: typeof pending = [];
    (out.Records ?? []).forEach((result, index) => {
      if (
        result.ErrorCode !== undefined ||
        result.SequenceNumber === undefined ||
        result.ShardId === undefined
      ) {
        failed.push(pending[index]);
        return;
      }
      const sequence = BigInt(result.SequenceNumber);
      if ((table.lastSequence.get(result.ShardId) ?? -1n) < sequence)
        table.lastSequence.set(result.ShardId, sequence);
    });
    pending = failed;
  }
}

function internalError(): Buffer {
  return Buffer.from(
    JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'The local stream capture could not store the change records',
    }),
  );
}
