/**
 * The three destinations as interchangeable test cases: each starts its local service,
 * creates a stream or queue, builds the destination (with the client it creates itself)
 * for any endpoint — the service's or a fault proxy's — and reads back what arrived as
 * comparable keys.
 */
import type { Destination } from '../../lib/core/types.js';
import {
  type FirehoseEntry,
  firehoseDestination,
  type KinesisEntry,
  kinesisDestination,
  type SqsEntry,
  sqsDestination,
} from '../../lib/destinations/index.js';
import { LOCAL_AWS, type ServiceName } from '../../local/index.js';
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

/** Starters of the three cases, for `describe.each`; the entry type is erased so one test body serves all. */
export const DESTINATION_CASES: readonly {
  readonly service: ServiceName;
  readonly start: () => Promise<DestinationCase<unknown>>;
}[] = [
  { service: 'kinesis', start: kinesisCase },
  { service: 'firehose', start: firehoseCase },
  { service: 'sqs', start: sqsCase },
];
