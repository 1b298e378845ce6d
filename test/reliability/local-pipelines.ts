/**
 * The four ready-made pipelines against the local services: a fresh destination per test,
 * the environment a function needs to reach it, and what really arrived there, read back.
 */
import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import type { Destination } from '../../lib/core/types.js';
import { type FirehoseEntry, firehoseDestination } from '../../lib/destinations/firehose.js';
import { type KinesisEntry, kinesisDestination } from '../../lib/destinations/kinesis.js';
import { type SqsEntry, sqsDestination } from '../../lib/destinations/sqs.js';
import {
  type LocalFirehose,
  type LocalKinesis,
  type LocalSqs,
  startLocalFirehose,
  startLocalKinesis,
  startLocalSqs,
} from '../destinations/local-destinations.js';
import type { FunctionName } from '../functions/function-harness.js';

/** The three local services, started once per test file. */
export interface LocalServices {
  readonly kinesis: LocalKinesis;
  readonly firehose: LocalFirehose;
  readonly sqs: LocalSqs;
  close(): Promise<void>;
}

export async function startLocalServices(): Promise<LocalServices> {
  const [kinesis, firehose, sqs] = await Promise.all([
    startLocalKinesis(),
    startLocalFirehose(),
    startLocalSqs(),
  ]);
  return {
    kinesis,
    firehose,
    sqs,
    async close() {
      await Promise.all([kinesis.close(), firehose.close(), sqs.close()]);
    },
  };
}

/** One item that arrived at a destination: its bytes, and its partition key for Kinesis. */
export interface Arrived {
  readonly data: Buffer;
  readonly partitionKey?: string;
}

export type DestinationKind = 'kinesis' | 'firehose' | 'sqs';

/** A fresh destination of one kind on the local services. */
export interface Target {
  readonly kind: DestinationKind;
  /** The destination's name (stream, delivery stream) or queue URL. */
  readonly address: string;
  /** The variables a ready-made function needs to write there. */
  readonly env: Record<string, string>;
  /** A library destination writing there, for handlers with their own `convert`. */
  destination(): Destination<KinesisEntry> | Destination<FirehoseEntry> | Destination<SqsEntry>;
  /** Everything that arrived, in arrival order (SQS bodies flagged base64 are decoded). */
  read(): Promise<Arrived[]>;
}

const LOCAL_CLIENT = { region: 'us-east-1', maxInFlightRequests: 4 } as const;

/** The message's data: its body, decoded when the `contentEncoding: base64` attribute says so. */
function sqsData(message: Message): Buffer {
  const encoding = message.MessageAttributes?.contentEncoding?.StringValue;
  return encoding === 'base64' ? Buffer.from(message.Body ?? '', 'base64') : Buffer.from(message.Body ?? '');
}

let created = 0;

/** A new, empty destination of that kind; `missing` gives one that does not exist on the service. */
export async function freshTarget(
  services: LocalServices,
  kind: DestinationKind,
  missing = false,
): Promise<Target> {
  const name = `bad-input-${kind}-${++created}`;
  switch (kind) {
    case 'kinesis': {
      if (!missing) await services.kinesis.createStream(name);
      return {
        kind,
        address: name,
        env: { STREAM_NAME: name, AWS_ENDPOINT_URL_KINESIS: services.kinesis.endpoint },
        destination: () =>
          kinesisDestination({ streamName: name, endpoint: services.kinesis.endpoint, ...LOCAL_CLIENT }),
        read: async () =>
          missing
            ? []
            : (await services.kinesis.readStream(name)).map((record) => ({
                data: record.data,
                partitionKey: record.partitionKey,
              })),
      };
    }
    case 'firehose': {
      if (!missing) await services.firehose.createDeliveryStream(name);
      return {
        kind,
        address: name,
        env: { DELIVERY_STREAM_NAME: name, AWS_ENDPOINT_URL_FIREHOSE: services.firehose.endpoint },
        destination: () =>
          firehoseDestination({
            deliveryStreamName: name,
            endpoint: services.firehose.endpoint,
            ...LOCAL_CLIENT,
          }),
        read: async () =>
          missing ? [] : (await services.firehose.readDelivered(name)).map((data) => ({ data })),
      };
    }
    case 'sqs': {
      const url = missing
        ? `${(await services.sqs.createQueue(`${name}-probe`)).replace(/[^/]+$/, '')}${name}`
        : await services.sqs.createQueue(name);
      return {
        kind,
        address: url,
        env: { QUEUE_URL: url, AWS_ENDPOINT_URL_SQS: services.sqs.endpoint },
        destination: () =>
          sqsDestination({ queueUrl: url, endpoint: services.sqs.endpoint, ...LOCAL_CLIENT }),
        read: async () =>
          missing ? [] : (await services.sqs.drain(url)).map((message) => ({ data: sqsData(message) })),
      };
    }
  }
}

/** The kind of destination a ready-made function writes to. */
export function destinationKindOf(name: FunctionName): DestinationKind {
  return name.slice(name.indexOf('-to-') + 4) as DestinationKind;
}

/** The bytes a source record carries: an SQS body as UTF-8, a Kinesis record's data. */
export function sourceBytes(record: SQSRecord | KinesisStreamRecord): Buffer {
  return 'body' in record ? Buffer.from(record.body, 'utf8') : Buffer.from(record.kinesis.data, 'base64');
}

/** The id Lambda knows a record by. */
export function recordId(record: SQSRecord | KinesisStreamRecord): string {
  return 'messageId' in record ? record.messageId : record.kinesis.sequenceNumber;
}

/** A short, comparable fingerprint of some bytes (records of a MiB make unreadable diffs). */
export function fingerprint(data: Uint8Array): string {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return buffer.byteLength <= 64 ? `${buffer.byteLength}:${buffer.toString('hex')}` : digest(buffer);
}

function digest(buffer: Buffer): string {
  return `${buffer.byteLength}:sha256:${createHash('sha256').update(buffer).digest('hex').slice(0, 24)}`;
}
