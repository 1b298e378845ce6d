import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { GetTopicAttributesCommand, PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { ServiceName } from '../../local/index.js';
import {
  createFirehoseClient,
  createKinesisClient,
  createKinesisStream,
  createSqsClient,
  drainQueue,
  LOCAL_AWS,
  startFirehoseServer,
  startKinesisServer,
  startSqsServer,
} from '../../local/index.js';
import { topicWithSubscriber } from '../../local/services/sns-subscriber.js';

/** What a batch write looked like to the caller: the entries reported failed, by input index. */
export interface BatchOutcome {
  readonly failed: ReadonlyMap<number, { readonly code: string; readonly senderFault?: boolean }>;
}

/** Reads an answer that lists entries by `Id` (`e<index>`) in `Successful` and `Failed` (SQS, SNS). */
function idMatchedOutcome(
  out: {
    Successful?: readonly unknown[];
    Failed?: readonly { Id?: string; Code?: string; SenderFault?: boolean }[];
  },
  sent: number,
): BatchOutcome {
  const failed = new Map<number, { code: string; senderFault?: boolean }>();
  for (const f of out.Failed ?? []) {
    failed.set(Number(f.Id?.slice(1)), { code: f.Code ?? '', senderFault: f.SenderFault });
  }
  if ((out.Successful?.length ?? 0) + failed.size !== sent) {
    throw new Error('Successful + Failed does not cover the batch');
  }
  return { failed };
}

/** One destination (stream, delivery stream, queue) on an upstream emulator. */
export interface Destination {
  /** Sends the payloads as one batch write through `endpoint` with the real SDK (no SDK retries). */
  put(endpoint: string, payloads: readonly string[]): Promise<BatchOutcome>;
  /** A read-only call that is not a batch write, through `endpoint`. */
  describe(endpoint: string): Promise<void>;
  /** What the upstream really stored, read directly from it. */
  stored(): Promise<string[]>;
}

/** A started upstream emulator for one service. */
export interface Upstream {
  readonly service: ServiceName;
  readonly endpoint: string;
  /** Largest batch the service takes. */
  readonly maxBatch: number;
  destination(name: string): Promise<Destination>;
  close(): Promise<void>;
}

async function kinesis(): Promise<Upstream> {
  const server = await startKinesisServer();
  const direct = createKinesisClient(server.endpoint, { maxAttempts: 1 });
  return {
    service: 'kinesis',
    endpoint: server.endpoint,
    maxBatch: 500,
    async destination(name) {
      await createKinesisStream(direct, name, 1);
      return {
        async put(endpoint, payloads) {
          const client = createKinesisClient(endpoint, { maxAttempts: 1 });
          try {
            const out = await client.send(
              new PutRecordsCommand({
                StreamName: name,
                Records: payloads.map((p) => ({ Data: Buffer.from(p), PartitionKey: p })),
              }),
            );
            const failed = new Map<number, { code: string }>();
            out.Records?.forEach((r, i) => {
              if (r.ErrorCode) failed.set(i, { code: r.ErrorCode });
            });
            if (out.FailedRecordCount !== failed.size)
              throw new Error('FailedRecordCount disagrees with Records');
            return { failed };
          } finally {
            client.destroy();
          }
        },
        async describe(endpoint) {
          const client = createKinesisClient(endpoint, { maxAttempts: 1 });
          await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
          client.destroy();
        },
        async stored() {
          const { ShardIterator } = await direct.send(
            new GetShardIteratorCommand({
              StreamName: name,
              ShardId: 'shardId-000000000000',
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          );
          const out = await direct.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
          return (out.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString());
        },
      };
    },
    async close() {
      direct.destroy();
      await server.close();
    },
  };
}

async function firehose(): Promise<Upstream> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fault-firehose-'));
  const server = await startFirehoseServer({ dir, bufferIntervalMs: 60_000 });
  const direct = createFirehoseClient(server.endpoint, { maxAttempts: 1 });
  return {
    service: 'firehose',
    endpoint: server.endpoint,
    maxBatch: 500,
    async destination(name) {
      await direct.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name }));
      return {
        async put(endpoint, payloads) {
          const client = createFirehoseClient(endpoint, { maxAttempts: 1 });
          try {
            const out = await client.send(
              new PutRecordBatchCommand({
                DeliveryStreamName: name,
                Records: payloads.map((p) => ({ Data: Buffer.from(p) })),
              }),
            );
            const failed = new Map<number, { code: string }>();
            out.RequestResponses?.forEach((r, i) => {
              if (r.ErrorCode) failed.set(i, { code: r.ErrorCode });
              else if (!r.RecordId) throw new Error(`entry ${i} has neither RecordId nor ErrorCode`);
            });
            if (out.FailedPutCount !== failed.size)
              throw new Error('FailedPutCount disagrees with RequestResponses');
            return { failed };
          } finally {
            client.destroy();
          }
        },
        async describe(endpoint) {
          const client = createFirehoseClient(endpoint, { maxAttempts: 1 });
          await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
          client.destroy();
        },
        async stored() {
          return (await server.readDelivered(name)).map((b) => b.toString());
        },
      };
    },
    async close() {
      direct.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function sqs(): Promise<Upstream> {
  const server = await startSqsServer();
  const direct = createSqsClient(server.endpoint, { maxAttempts: 1 });
  return {
    service: 'sqs',
    endpoint: server.endpoint,
    maxBatch: 10,
    async destination(name) {
      const { QueueUrl } = await direct.send(new CreateQueueCommand({ QueueName: name }));
      return {
        async put(endpoint, payloads) {
          const client = createSqsClient(endpoint, { maxAttempts: 1 });
          try {
            const out = await client.send(
              new SendMessageBatchCommand({
                QueueUrl,
                Entries: payloads.map((MessageBody, i) => ({ Id: `e${i}`, MessageBody })),
              }),
            );
            return idMatchedOutcome(out, payloads.length);
          } finally {
            client.destroy();
          }
        },
        async describe(endpoint) {
          const client = createSqsClient(endpoint, { maxAttempts: 1 });
          await client.send(new GetQueueUrlCommand({ QueueName: name }));
          client.destroy();
        },
        async stored() {
          const bodies: string[] = [];
          for (;;) {
            const out = await direct.send(
              new ReceiveMessageCommand({
                QueueUrl,
                MaxNumberOfMessages: 10,
                WaitTimeSeconds: 0,
                VisibilityTimeout: 600,
              }),
            );
            if (!out.Messages?.length) return bodies;
            bodies.push(...out.Messages.map((m) => m.Body ?? ''));
          }
        },
      };
    },
    async close() {
      direct.destroy();
      await server.close();
    },
  };
}

/** fauxqs's SNS, read back through a queue subscribed to the topic with raw message delivery. */
async function sns(): Promise<Upstream> {
  const server = await startSqsServer();
  const direct = createSqsClient(server.endpoint, { maxAttempts: 1 });
  const snsClient = (endpoint: string) =>
    new SNSClient({ ...LOCAL_AWS, credentials: { ...LOCAL_AWS.credentials }, endpoint, maxAttempts: 1 });
  const directSns = snsClient(server.endpoint);
  return {
    service: 'sns',
    endpoint: server.endpoint,
    maxBatch: 10,
    async destination(name) {
      const { topicArn: TopicArn, queueUrl: QueueUrl } = await topicWithSubscriber(directSns, direct, name);
      return {
        async put(endpoint, payloads) {
          const client = snsClient(endpoint);
          try {
            const out = await client.send(
              new PublishBatchCommand({
                TopicArn,
                PublishBatchRequestEntries: payloads.map((Message, i) => ({ Id: `e${i}`, Message })),
              }),
            );
            return idMatchedOutcome(out, payloads.length);
          } finally {
            client.destroy();
          }
        },
        async describe(endpoint) {
          const client = snsClient(endpoint);
          await client.send(new GetTopicAttributesCommand({ TopicArn })).finally(() => client.destroy());
        },
        async stored() {
          return drainQueue(direct, QueueUrl ?? '');
        },
      };
    },
    async close() {
      directSns.destroy();
      direct.destroy();
      await server.close();
    },
  };
}

/** Starters for each service's upstream, for `describe.each`. */
export const UPSTREAMS: readonly {
  readonly service: ServiceName;
  readonly start: () => Promise<Upstream>;
}[] = [
  { service: 'kinesis', start: kinesis },
  { service: 'firehose', start: firehose },
  { service: 'sqs', start: sqs },
  { service: 'sns', start: sns },
];
