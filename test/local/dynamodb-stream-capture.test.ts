import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbItemSize } from '../../lib/destinations/dynamodb-item-size.js';
import { type DynamoDBStreamRecord, dynamoDBItemKey } from '../../lib/sources/dynamodb.js';
import {
  type DynamoDbStreamCapture,
  startDynamoDbStreamCapture,
} from '../../local/dynamodb-streams/stream-capture.js';
import {
  dynamoDbStreamEvent,
  startDynamoDbStreamPoller,
} from '../../local/dynamodb-streams/stream-poller.js';
import type { StreamViewType } from '../../local/dynamodb-streams/stream-record.js';
import { createDynamoDbClient, createKinesisClient, createSqsClient } from '../../local/services/clients.js';
import { createDynamoDbTable, startDynamoDbServer } from '../../local/services/dynamodb-server.js';
import type { LocalServer } from '../../local/services/kinesis-server.js';
import { startKinesisServer } from '../../local/services/kinesis-server.js';
import { drainQueue, readShard } from '../../local/services/read-back.js';
import { startSqsServer } from '../../local/services/sqs-server.js';

let dynalite: LocalServer;
let kinesalite: LocalServer;
let capture: DynamoDbStreamCapture;
let kinesis: KinesisClient;
let dynamodb: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  [dynalite, kinesalite] = await Promise.all([startDynamoDbServer(), startKinesisServer()]);
  kinesis = createKinesisClient(kinesalite.endpoint);
  capture = await startDynamoDbStreamCapture({ upstream: dynalite.endpoint, kinesis });
  dynamodb = createDynamoDbClient(capture.endpoint);
}, 30_000);

afterAll(async () => {
  dynamodb?.destroy();
  kinesis?.destroy();
  await capture?.close();
  await Promise.all([dynalite?.close(), kinesalite?.close()]);
});

/** A fresh table keyed by `pk` (and `sk`) with its stream enabled. */
async function streamedTable(viewType?: StreamViewType, shards = 1) {
  const name = `orders-${++tableCount}`;
  await createDynamoDbTable(dynamodb, name, 'pk', 'sk');
  const table = await capture.enableStream(name, { viewType, shards });
  /** Every record stored so far, as Lambda's event carries it. */
  const records = async () => {
    const event = { Records: [] } as DynamoDBStreamEvent;
    for (const shardId of table.lastSequenceByShard().keys()) {
      for (const record of await readShard(kinesis, table.shardStreamName, shardId)) {
        const { Records } = dynamoDbStreamEvent({
          Records: [
            {
              kinesis: {
                data: Buffer.from(record.Data ?? []).toString('base64'),
                sequenceNumber: record.SequenceNumber,
              },
            },
          ],
        } as never);
        event.Records.push(...Records);
      }
    }
    // The capture always writes `dynamodb` with a sequence number: the handler's checked record type.
    return event.Records as DynamoDBStreamRecord[];
  };
  return { name, table, records };
}

const key = (pk: string, sk = 'a') => ({ pk: { S: pk }, sk: { S: sk } });

describe('the local DynamoDB stream capture', () => {
  it('records INSERT, MODIFY and REMOVE with both images, in order, and nothing for a write that changed nothing', async () => {
    const { name, table, records } = await streamedTable();
    const before = Math.floor(Date.now() / 1000);

    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { ...key('o-1'), amount: { N: '5' } } }));
    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { ...key('o-1'), amount: { N: '5' } } }));
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key('o-1'),
        UpdateExpression: 'SET #a = :t, tags = :s',
        ExpressionAttributeNames: { '#a': 'amount' },
        ExpressionAttributeValues: { ':t': { N: '7' }, ':s': { SS: ['x', 'y'] } },
      }),
    );
    await dynamodb.send(new DeleteItemCommand({ TableName: name, Key: key('o-1') }));
    await dynamodb.send(new DeleteItemCommand({ TableName: name, Key: key('never-there') }));

    const stored = await records();
    expect(stored.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = stored;
    expect(insert).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: key('o-1'),
        NewImage: { ...key('o-1'), amount: { N: '5' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes:
          Number(dynamoDbItemSize(key('o-1'))) +
          Number(dynamoDbItemSize({ ...key('o-1'), amount: { N: '5' } })),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: table.streamArn,
    });
    expect(table.streamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${name}/stream/\\d{4}-`),
    );
    expect(insert.dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before);
    expect(insert.dynamodb.ApproximateCreationDateTime).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(modify.dynamodb).toMatchObject({
      OldImage: { ...key('o-1'), amount: { N: '5' } },
      NewImage: { ...key('o-1'), amount: { N: '7' }, tags: { SS: ['x', 'y'] } },
    });
    expect(remove.dynamodb.NewImage).toBeUndefined();
    expect(remove.dynamodb.OldImage).toEqual(modify.dynamodb.NewImage);
    const sequence = stored.map((record) => BigInt(record.dynamodb.SequenceNumber));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
    expect(new Set(stored.map((record) => record.eventID)).size).toBe(3);
  });

  it.each([
    ['KEYS_ONLY', [false, false]],
    ['NEW_IMAGE', [true, false]],
    ['OLD_IMAGE', [false, true]],
  ] as const)('carries the images a %s stream carries', async (viewType, [hasNew, hasOld]) => {
    const { name, records } = await streamedTable(viewType);

    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { ...key('o-2'), n: { N: '1' } } }));
    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { ...key('o-2'), n: { N: '2' } } }));

    const [, modify] = await records();
    expect(modify.eventName).toBe('MODIFY');
    expect(modify.dynamodb.StreamViewType).toBe(viewType);
    expect(modify.dynamodb.Keys).toEqual(key('o-2'));
    expect(modify.dynamodb.NewImage !== undefined).toBe(hasNew);
    expect(modify.dynamodb.OldImage !== undefined).toBe(hasOld);
  });

  it('records each item a batch wrote, keeps each item on one shard in write order', async () => {
    const { name, table, records } = await streamedTable('NEW_AND_OLD_IMAGES', 3);
    const items = Array.from({ length: 12 }, (_, i) => ({ ...key(`o-${i}`), v: { N: '1' } }));

    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: { [name]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    // dynalite has no transactions: a second batch updates one, deletes one and adds one.
    await dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [name]: [
            { PutRequest: { Item: { ...key('o-1'), v: { N: '2' } } } },
            { DeleteRequest: { Key: key('o-2') } },
            { PutRequest: { Item: { ...key('o-99'), v: { N: '1' } } } },
          ],
        },
      }),
    );

    const stored = await records();
    expect(stored).toHaveLength(15);
    const byItem = new Map<string, { shard: string; names: string[]; sequence: bigint[] }>();
    for (const record of stored) {
      const id = dynamoDBItemKey(record.dynamodb.Keys);
      const entry = byItem.get(id) ?? { shard: '', names: [], sequence: [] };
      entry.names.push(record.eventName ?? '');
      entry.sequence.push(BigInt(record.dynamodb.SequenceNumber));
      byItem.set(id, entry);
    }
    expect(byItem.get(dynamoDBItemKey(key('o-1')))?.names).toEqual(['INSERT', 'MODIFY']);
    expect(byItem.get(dynamoDBItemKey(key('o-2')))?.names).toEqual(['INSERT', 'REMOVE']);
    expect(byItem.get(dynamoDBItemKey(key('o-99')))?.names).toEqual(['INSERT']);
    for (const { sequence } of byItem.values())
      expect(sequence[sequence.length - 1]).toBe(sequence.reduce((a, b) => (b > a ? b : a)));
    expect(table.lastSequenceByShard().size).toBeGreaterThan(1);
  });

  it('passes reads and writes to tables without a stream through untouched', async () => {
    await createDynamoDbTable(dynamodb, 'plain', 'pk');

    await dynamodb.send(new PutItemCommand({ TableName: 'plain', Item: { pk: { S: 'p' } } }));

    const { Table } = await dynamodb.send(
      new (await import('@aws-sdk/client-dynamodb')).DescribeTableCommand({ TableName: 'plain' }),
    );
    expect(Table?.ItemCount).toBeGreaterThanOrEqual(0);
    expect(capture.errors()).toBe(0);
  });
});

describe('the local DynamoDB stream poller', () => {
  let sqsServer: LocalServer;
  let sqs: SQSClient;
  beforeAll(async () => {
    sqsServer = await startSqsServer();
    sqs = createSqsClient(sqsServer.endpoint);
  });
  afterAll(async () => {
    sqs?.destroy();
    await sqsServer?.close();
  });

  it('invokes with aws:dynamodb events, re-delivers from the lowest failed record, and describes a discarded batch with DDBStreamBatchInfo', async () => {
    const { name, table } = await streamedTable();
    for (const id of ['a', 'b', 'c']) {
      await dynamodb.send(
        new PutItemCommand({ TableName: name, Item: { ...key(id), poison: { BOOL: id === 'c' } } }),
      );
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'stream-on-failure' }));
    const events: DynamoDBStreamEvent[] = [];
    let settled!: () => void;
    const discarded = new Promise<void>((resolve) => (settled = resolve));
    const poller = await startDynamoDbStreamPoller({
      client: kinesis,
      table,
      batchSize: 10,
      maximumRetryAttempts: 1,
      pollIntervalMs: 20,
      onFailure: { client: sqs, queueUrl: QueueUrl ?? '' },
      handler: (event) => {
        events.push(event);
        const poison = event.Records.filter((record) => record.dynamodb?.NewImage?.poison?.BOOL === true);
        return {
          batchItemFailures: poison.map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber })),
        };
      },
      onInvocation: (report) => {
        if (report.discarded > 0) settled();
      },
    });
    try {
      await Promise.race([
        discarded,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no batch was discarded in 10 s')), 10_000),
        ),
      ]);
    } finally {
      await poller.stop();
    }

    expect(poller.streamArn).toBe(table.streamArn);
    expect(events[0].Records.map((record) => record.dynamodb?.Keys?.pk.S)).toEqual(['a', 'b', 'c']);
    expect(events[0].Records[0].eventSource).toBe('aws:dynamodb');
    expect(
      events.slice(1).map((event) => event.Records.map((record) => record.dynamodb?.Keys?.pk.S)),
    ).toEqual([['c']]);
    const [letter] = (await drainQueue(sqs, QueueUrl ?? '')).map((body) => JSON.parse(body));
    expect(letter.KinesisBatchInfo).toBeUndefined();
    expect(letter.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: events[1].Records[0].dynamodb?.SequenceNumber,
      endSequenceNumber: events[1].Records[0].dynamodb?.SequenceNumber,
      batchSize: 1,
      streamArn: table.streamArn,
    });
  });
});
