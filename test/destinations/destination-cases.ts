/**
 * The destinations as interchangeable test cases: each starts its local service,
 * creates a stream or queue, builds the destination (with the client it creates itself)
 * for any endpoint — the service's or a fault proxy's — and reads back what arrived as
 * comparable keys.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Destination } from '../../lib/core/types.js';
import {
  type CloudWatchEntry,
  cloudWatchDestination,
  type DynamoDbEntry,
  dynamoDbDestination,
  type EventBridgeEntry,
  eventBridgeDestination,
  type FirehoseEntry,
  firehoseDestination,
  type KinesisEntry,
  kinesisDestination,
  type SnsEntry,
  type SqsEntry,
  snsDestination,
  sqsDestination,
} from '../../lib/destinations/index.js';
import {
  createDynamoDbClient,
  createDynamoDbTable,
  LOCAL_AWS,
  type ServiceName,
  scanTable,
  startCloudWatchServer,
  startDynamoDbServer,
  startEventBridgeServer,
} from '../../local/index.js';
import { topicWithSubscriber } from '../../local/services/sns-subscriber.js';
import { startLocalFirehose, startLocalKinesis, startLocalSqs } from './local-destinations.js';

/** A destination built for one endpoint, with a way to free its client. */
export interface BuiltDestination<Entry> {
  readonly destination: Destination<Entry>;
  destroy(): void;
}

/** One destination's resource on its running local service. */
export interface DestinationFixture<Entry> {
  /** The local service's own endpoint (put a fault proxy in front of it for faults). */
  readonly endpoint: string;
  /** The destination, sending through `endpoint` with the client it creates itself. */
  build(endpoint: string): BuiltDestination<Entry>;
  /** Entry `index` of record `recordId`; its payload is derived from both, with non-ASCII bytes. */
  entryFor(recordId: string, index: number): Entry;
  /** An entry one byte over the destination's per-entry limit. */
  tooLarge(): Entry;
  /** What identifies an entry at the destination, byte for byte. */
  keyOf(entry: Entry): string;
  /** The keys of everything that arrived, duplicates included. */
  stored(): Promise<string[]>;
}

/** A running local service that hands out fresh fixtures. */
export interface DestinationCase<Entry> {
  readonly service: ServiceName;
  fixture(name: string): Promise<DestinationFixture<Entry>>;
  close(): Promise<void>;
}

/** Credentials reach the destination's own client through the standard environment. */
export const LOCAL_ENV = {
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
} as const;

const MiB = 1024 * 1024;

/** A direct client's settings for a local service. */
const LOCAL_CLIENT = { region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials }, maxAttempts: 1 };

function payload(recordId: string, index: number): Buffer {
  // 0xff and 0x00 are not UTF-8 text: a lossy decode somewhere would show.
  return Buffer.concat([Buffer.from(`${recordId}/${index}/é/`), Buffer.from([0xff, 0x00, index & 0xff])]);
}

async function kinesisCase(): Promise<DestinationCase<KinesisEntry>> {
  const kinesis = await startLocalKinesis();
  return {
    service: 'kinesis',
    async fixture(name) {
      await kinesis.createStream(name, 2);
      return {
        endpoint: kinesis.endpoint,
        build(endpoint) {
          const destination = kinesisDestination({ streamName: name, region: LOCAL_AWS.region, endpoint });
          return { destination, destroy: () => destination.client.destroy() };
        },
        entryFor: (recordId, index) => ({ data: payload(recordId, index), partitionKey: `pk-${recordId}` }),
        tooLarge: () => ({ data: new Uint8Array(MiB), partitionKey: 'k' }),
        keyOf: (entry) => `${entry.partitionKey}|${Buffer.from(entry.data).toString('hex')}`,
        async stored() {
          const records = await kinesis.readStream(name);
          return records.map((r) => `${r.partitionKey}|${r.data.toString('hex')}`);
        },
      };
    },
    close: () => kinesis.close(),
  };
}

async function firehoseCase(): Promise<DestinationCase<FirehoseEntry>> {
  const firehose = await startLocalFirehose();
  return {
    service: 'firehose',
    async fixture(name) {
      await firehose.createDeliveryStream(name);
      return {
        endpoint: firehose.endpoint,
        build(endpoint) {
          const destination = firehoseDestination({
            deliveryStreamName: name,
            region: LOCAL_AWS.region,
            endpoint,
          });
          return { destination, destroy: () => destination.client.destroy() };
        },
        entryFor: (recordId, index) => ({ data: payload(recordId, index) }),
        tooLarge: () => ({ data: new Uint8Array(1_024_001) }),
        keyOf: (entry) => Buffer.from(entry.data).toString('hex'),
        async stored() {
          return (await firehose.readDelivered(name)).map((b) => b.toString('hex'));
        },
      };
    },
    close: () => firehose.close(),
  };
}

async function sqsCase(): Promise<DestinationCase<SqsEntry>> {
  const sqs = await startLocalSqs();
  return {
    service: 'sqs',
    async fixture(name) {
      const queueUrl = await sqs.createQueue(name);
      return {
        endpoint: sqs.endpoint,
        build(endpoint) {
          const destination = sqsDestination({ queueUrl, region: LOCAL_AWS.region, endpoint });
          return { destination, destroy: () => destination.client.destroy() };
        },
        // fauxqs wrongly refuses characters above U+FFFF, so the bodies stay in the BMP.
        entryFor: (recordId, index) => ({
          body: `${recordId}/${index}/é\t€`,
          messageAttributes: { index: { DataType: 'Number', StringValue: String(index) } },
        }),
        tooLarge: () => ({ body: 'x'.repeat(MiB + 1) }),
        keyOf: (entry) => `${entry.body}|${entry.messageAttributes?.index?.StringValue ?? ''}`,
        async stored() {
          const messages = await sqs.drain(queueUrl);
          return messages.map((m) => `${m.Body ?? ''}|${m.MessageAttributes?.index?.StringValue ?? ''}`);
        },
      };
    },
    close: () => sqs.close(),
  };
}

async function dynamoDbCase(): Promise<DestinationCase<DynamoDbEntry>> {
  const server = await startDynamoDbServer();
  const direct = createDynamoDbClient(server.endpoint, { maxAttempts: 1 });
  return {
    service: 'dynamodb',
    async fixture(name) {
      await createDynamoDbTable(direct, name, 'pk', 'sk');
      return {
        endpoint: server.endpoint,
        build(endpoint) {
          const destination = dynamoDbDestination({
            tableName: name,
            partitionKey: 'pk',
            sortKey: 'sk',
            region: LOCAL_AWS.region,
            endpoint,
          });
          return { destination, destroy: () => destination.client.destroy() };
        },
        entryFor: (recordId, index) => ({
          put: { pk: recordId, sk: String(index), data: payload(recordId, index) },
        }),
        tooLarge: () => ({ put: { pk: 'big', sk: '0', data: new Uint8Array(400 * 1024) } }),
        keyOf: (entry) => {
          const item = 'put' in entry ? entry.put : entry.delete;
          return `${String(item.pk)}|${String(item.sk)}|${Buffer.from(item.data as Uint8Array).toString('hex')}`;
        },
        async stored() {
          return (await scanTable(direct, name)).map(
            (item) => `${item.pk.S}|${item.sk.S}|${Buffer.from(item.data.B ?? []).toString('hex')}`,
          );
        },
      };
    },
    async close() {
      direct.destroy();
      await server.close();
    },
  };
}

async function eventBridgeCase(): Promise<DestinationCase<EventBridgeEntry>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'destinations-eventbridge-'));
  const server = await startEventBridgeServer({ dir });
  const direct = new EventBridgeClient({ ...LOCAL_CLIENT, endpoint: server.endpoint });
  return {
    service: 'eventbridge',
    async fixture(name) {
      await direct.send(new CreateEventBusCommand({ Name: name }));
      return {
        endpoint: server.endpoint,
        build(endpoint) {
          const destination = eventBridgeDestination({
            eventBusName: name,
            region: LOCAL_AWS.region,
            endpoint,
          });
          return { destination, destroy: () => destination.client.destroy() };
        },
        entryFor: (recordId, index) => ({
          source: 'com.example.test',
          detailType: 'Tested',
          detail: JSON.stringify({ recordId, index, text: 'é😀' }),
          resources: [`arn:aws:s3:::bucket/${recordId}`],
        }),
        tooLarge: () => ({
          source: 's',
          detailType: 't',
          detail: JSON.stringify({ x: 'x'.repeat(256 * 1024) }),
        }),
        keyOf: (entry) =>
          `${entry.source}|${entry.detailType}|${entry.detail}|${(entry.resources ?? []).join(',')}`,
        async stored() {
          return (await server.readDelivered(name)).map(
            (e) => `${e.source}|${e.detailType}|${e.detail}|${e.resources.join(',')}`,
          );
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

async function cloudWatchCase(): Promise<DestinationCase<CloudWatchEntry>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'destinations-cloudwatch-'));
  const server = await startCloudWatchServer({ dir });
  return {
    service: 'cloudwatch',
    async fixture(name) {
      const namespace = `Test/${name}`;
      return {
        endpoint: server.endpoint,
        build(endpoint) {
          const destination = cloudWatchDestination({ namespace, region: LOCAL_AWS.region, endpoint });
          return { destination, destroy: () => destination.client.destroy() };
        },
        entryFor: (recordId, index) => ({
          MetricName: 'Tested',
          Dimensions: [{ Name: 'record', Value: `${recordId}/é` }],
          Value: index + 0.5,
          Unit: 'Count',
        }),
        tooLarge: () => ({ MetricName: 'Tested', Values: Array.from({ length: 151 }, (_, i) => i) }),
        keyOf: (entry) => `${entry.Dimensions?.[0]?.Value}|${entry.Value}`,
        async stored() {
          return (await server.readDelivered(namespace)).map((datum) => {
            const dimensions = datum.Dimensions as { Value: string }[];
            return `${dimensions[0].Value}|${String(datum.Value)}`;
          });
        },
      };
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function snsCase(): Promise<DestinationCase<SnsEntry>> {
  const sqs = await startLocalSqs();
  const sns = new SNSClient({ ...LOCAL_CLIENT, endpoint: sqs.endpoint });
  return {
    service: 'sns',
    async fixture(name) {
      // Read back as a user would: a queue subscribed to the topic with raw message delivery.
      const { topicArn: TopicArn, queueUrl } = await topicWithSubscriber(sns, sqs.client, name);
      return {
        endpoint: sqs.endpoint,
        build(endpoint) {
          const destination = snsDestination({ topicArn: TopicArn, region: LOCAL_AWS.region, endpoint });
          return { destination, destroy: () => destination.client.destroy() };
        },
        // fauxqs wrongly refuses characters above U+FFFF, so the messages stay in the BMP.
        entryFor: (recordId, index) => ({
          message: `${recordId}/${index}/é\t€`,
          messageAttributes: { index: { DataType: 'Number', StringValue: String(index) } },
        }),
        tooLarge: () => ({ message: 'x'.repeat(256 * 1024 + 1) }),
        keyOf: (entry) => `${entry.message}|${entry.messageAttributes?.index?.StringValue ?? ''}`,
        async stored() {
          const messages = await sqs.drain(queueUrl);
          return messages.map((m) => `${m.Body ?? ''}|${m.MessageAttributes?.index?.StringValue ?? ''}`);
        },
      };
    },
    async close() {
      sns.destroy();
      await sqs.close();
    },
  };
}

/** Starters of the cases, for `describe.each`; the entry type is erased so one test body serves all. */
export const DESTINATION_CASES: readonly {
  readonly service: ServiceName;
  readonly start: () => Promise<DestinationCase<unknown>>;
  /** Whether the fault proxy can fail single entries (CloudWatch answers per request only). */
  readonly entryFaults: boolean;
}[] = [
  { service: 'kinesis', start: kinesisCase, entryFaults: true },
  { service: 'firehose', start: firehoseCase, entryFaults: true },
  { service: 'sqs', start: sqsCase, entryFaults: true },
  { service: 'dynamodb', start: dynamoDbCase, entryFaults: true },
  { service: 'eventbridge', start: eventBridgeCase, entryFaults: true },
  { service: 'sns', start: snsCase, entryFaults: true },
  { service: 'cloudwatch', start: cloudWatchCase, entryFaults: false },
];
