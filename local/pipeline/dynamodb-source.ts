/**
 * The DynamoDB stream source of a local pipeline: a table on dynalite, written through the
 * local stream capture (local/dynamodb-streams), whose stream the DynamoDB stream poller
 * reads. The producer puts the sample records as items; a change the poller gave up is read
 * back from the range its on-failure record names, as a user would.
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { changeJson } from '../../functions/dynamodb-json.js';
import {
  type CapturedTable,
  type DynamoDbStreamCapture,
  startDynamoDbStreamCapture,
} from '../dynamodb-streams/stream-capture.js';
import { storedEventRecord } from '../dynamodb-streams/stream-record.js';
import { createDynamoDbClient } from '../services/clients.js';
import { createDynamoDbTable, startDynamoDbServer } from '../services/dynamodb-server.js';
import { drainQueue, readShard } from '../services/read-back.js';
import type { Closers } from './closers.js';
import { type ProducedRecords, type ProducerPlan, waitForRoom } from './producers.js';
import { sampleRecord } from './sample-records.js';

/** The source table's services: dynalite, the stream capture in front of it, and a client of the capture. */
export interface DynamoDbSourceServices {
  readonly capture: DynamoDbStreamCapture;
  /** Writes through the capture, so that every change reaches the stream. */
  readonly client: DynamoDBClient;
}

/** What Lambda writes to the on-failure destination of a DynamoDB stream about a batch it gave up. */
interface DynamoDbFailureRecord {
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
  };
}

// BatchWriteItem takes 25 items a call.
const ITEMS_PER_WRITE = 25;

/** Starts dynalite and the stream capture in front of it; `closers` stops them. */
export async function startDynamoDbSourceServices(
  kinesis: KinesisClient,
  closers: Closers,
): Promise<DynamoDbSourceServices> {
  const server = closers.started(await startDynamoDbServer(), (started) => started.close());
  const capture = closers.started(
    await startDynamoDbStreamCapture({ upstream: server.endpoint, kinesis }),
    (started) => started.close(),
  );
  const client = closers.started(createDynamoDbClient(capture.endpoint), (started) => started.destroy());
  return { capture, client };
}

/** Creates the source table, keyed by the sample records' `id`, with a NEW_AND_OLD_IMAGES stream of `shards` shards. */
export async function createDynamoDbSource(
  services: DynamoDbSourceServices,
  tableName: string,
  shards: number,
): Promise<CapturedTable> {
  await createDynamoDbTable(services.client, tableName, 'id');
  return services.capture.enableStream(tableName, { viewType: 'NEW_AND_OLD_IMAGES', shards });
}

/**
 * Puts the sample records into the table as items, 25 per `BatchWriteItem`, putting the
 * unprocessed ones again. Every record it counts produced is a change in the stream.
 */
export async function produceToTable(
  client: DynamoDBClient,
  table: CapturedTable,
  plan: ProducerPlan,
): Promise<ProducedRecords> {
  const offset = plan.offset ?? 0;
  let produced = 0;
  for (let start = 0; start < plan.count; start += ITEMS_PER_WRITE) {
    const end = Math.min(plan.count, start + ITEMS_PER_WRITE);
    if (!(await waitForRoom(plan.pace, produced, end - start))) break;
    let requests: WriteRequest[] = [];
    for (let i = start; i < end; i++) {
      const payload = (plan.payload ?? sampleRecord)(
        offset + i,
        plan.idTotal ?? plan.count,
        plan.recordBytes,
      );
      requests.push({ PutRequest: { Item: marshall(JSON.parse(payload)) } });
    }
    while (requests.length > 0) {
      const out = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [table.tableName]: requests } }),
      );
      const unprocessed = out.UnprocessedItems?.[table.tableName] ?? [];
      plan.onProduced(requests.length - unprocessed.length);
      produced += requests.length - unprocessed.length;
      requests = unprocessed;
    }
  }
  return { produced, lastSequenceByShard: table.lastSequenceByShard() };
}

/** The payloads the function would have written for the changes the poller gave up. */
export async function readDynamoDbDeadLettered(
  sqs: SQSClient,
  kinesis: KinesisClient,
  onFailureQueueUrl: string,
  table: CapturedTable,
): Promise<string[]> {
  const payloads: string[] = [];
  for (const body of await drainQueue(sqs, onFailureQueueUrl)) {
    const info = (JSON.parse(body) as DynamoDbFailureRecord).DDBStreamBatchInfo;
    const records = await readShard(kinesis, table.shardStreamName, info.shardId, {
      from: info.startSequenceNumber,
      to: info.endSequenceNumber,
    });
    for (const record of records) {
      payloads.push(
        changeJson(storedEventRecord(record.Data ?? new Uint8Array(), record.SequenceNumber ?? '')),
      );
    }
  }
  return payloads;
}
