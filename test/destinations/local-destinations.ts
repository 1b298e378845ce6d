/**
 * The local services the destination tests send to, and ways to read back what arrived.
 * Each starter returns the endpoint, a direct client, and a `close` that frees everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateDeliveryStreamCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  createFirehoseClient,
  createKinesisClient,
  createKinesisStream,
  createSqsClient,
  type FirehoseServer,
  startFirehoseServer,
  startKinesisServer,
  startSqsServer,
} from '../../local/index.js';

/** One record read back from a Kinesis stream. */
export interface StoredKinesisRecord {
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly shardId: string;
}

/** A running kinesalite with a direct client. */
export interface LocalKinesis {
  readonly endpoint: string;
  readonly client: KinesisClient;
  createStream(name: string, shards?: number): Promise<void>;
  /** Every record of every shard, shard by shard, each shard in sequence order. */
  readStream(name: string): Promise<StoredKinesisRecord[]>;
  close(): Promise<void>;
}

export async function startLocalKinesis(): Promise<LocalKinesis> {
  const server = await startKinesisServer();
  const client = createKinesisClient(server.endpoint, { maxAttempts: 1 });
  return {
    endpoint: server.endpoint,
    client,
    createStream: (name, shards = 1) => createKinesisStream(client, name, shards),
    async readStream(name) {
      const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: name }));
      const records: StoredKinesisRecord[] = [];
      for (const shard of Shards) {
        const shardId = shard.ShardId ?? '';
        let { ShardIterator: iterator } = await client.send(
          new GetShardIteratorCommand({
            StreamName: name,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        // Bounded: kinesalite returns up to 10,000 records a call and an empty page at the end.
        for (let page = 0; iterator && page < 1_000; page++) {
          const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          const batch = out.Records ?? [];
          for (const r of batch) {
            records.push({ data: Buffer.from(r.Data ?? []), partitionKey: r.PartitionKey ?? '', shardId });
          }
          if (batch.length === 0) break;
          iterator = out.NextShardIterator;
        }
      }
      return records;
    },
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

/** A running local Firehose that delivers to files in a temporary directory. */
export interface LocalFirehose {
  readonly endpoint: string;
  readonly client: FirehoseClient;
  readonly server: FirehoseServer;
  createDeliveryStream(name: string): Promise<void>;
  /** Each delivered record's bytes, in delivery order. */
  readDelivered(name: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

export async function startLocalFirehose(): Promise<LocalFirehose> {
  const dir = await mkdtemp(path.join(tmpdir(), 'destinations-firehose-'));
  const server = await startFirehoseServer({ dir, bufferIntervalMs: 60_000 });
  const client = createFirehoseClient(server.endpoint, { maxAttempts: 1 });
  return {
    endpoint: server.endpoint,
    client,
    server,
    async createDeliveryStream(name) {
      await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name }));
    },
    readDelivered: (name) => server.readDelivered(name),
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A running fauxqs with a direct client. */
export interface LocalSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  /** Creates a queue (FIFO when the name ends with `.fifo`) and returns its URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** Receives and deletes every message, in the order received, with attributes and system attributes. */
  drain(queueUrl: string): Promise<Message[]>;
  close(): Promise<void>;
}

export async function startLocalSqs(): Promise<LocalSqs> {
  const server = await startSqsServer();
  const client = createSqsClient(server.endpoint, { maxAttempts: 1 });
  return {
    endpoint: server.endpoint,
    client,
    async createQueue(name, attributes = {}) {
      const fifo = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
      const { QueueUrl } = await client.send(
        new CreateQueueCommand({ QueueName: name, Attributes: { ...fifo, ...attributes } }),
      );
      if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
      return QueueUrl;
    },
    async drain(queueUrl) {
      const messages: Message[] = [];
      // Deleting as we go lets a FIFO queue hand out the next messages of a group.
      for (let attempt = 0; attempt < 10_000; attempt++) {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const batch = out.Messages ?? [];
        if (batch.length === 0) return messages;
        messages.push(...batch);
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      throw new Error(`drain of ${queueUrl} did not end`);
    },
    async close() {
      client.destroy();
      await server.close();
    },
  };
}
