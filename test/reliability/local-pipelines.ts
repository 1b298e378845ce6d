/**
 * The ready-made pipelines against the local services: a fresh destination per test, the
 * environment a function needs to reach it, and what really arrived there, read back.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Message } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import type { Destination } from '../../lib/core/types.js';
import { cloudWatchDestination } from '../../lib/destinations/cloudwatch.js';
import { dynamoDbDestination } from '../../lib/destinations/dynamodb.js';
import { eventBridgeDestination } from '../../lib/destinations/eventbridge.js';
import { firehoseDestination } from '../../lib/destinations/firehose.js';
import { kinesisDestination } from '../../lib/destinations/kinesis.js';
import { snsDestination } from '../../lib/destinations/sns.js';
import { sqsDestination } from '../../lib/destinations/sqs.js';
import {
  type CloudWatchServer,
  createDynamoDbClient,
  createDynamoDbTable,
  type EventBridgeServer,
  LOCAL_AWS,
  type LocalServer,
  scanTable,
  startCloudWatchServer,
  startDynamoDbServer,
  startEventBridgeServer,
} from '../../local/index.js';
import { topicWithSubscriber } from '../../local/services/sns-subscriber.js';
import {
  type LocalFirehose,
  type LocalKinesis,
  type LocalSqs,
  startLocalFirehose,
  startLocalKinesis,
  startLocalSqs,
} from '../destinations/local-destinations.js';
import { type FunctionName, LOCAL_ENVIRONMENT } from '../functions/function-harness.js';
import { OutputCapture } from '../handler/output-capture.js';

/** The newer destinations' local services: dynalite, and our EventBridge and CloudWatch endpoints (SNS is fauxqs). */
export interface NewerServices {
  readonly dynamodb: LocalServer & { readonly client: DynamoDBClient };
  readonly eventbridge: EventBridgeServer;
  readonly cloudwatch: CloudWatchServer;
}

/** The local services, started once per test file. */
export interface LocalServices extends NewerServices {
  readonly kinesis: LocalKinesis;
  readonly firehose: LocalFirehose;
  readonly sqs: LocalSqs;
  close(): Promise<void>;
}

/** What a test reaches of {@link useLocalPipelineServices}: the services, and this test's captured output. */
export interface LocalPipelineTest {
  readonly services: LocalServices;
  readonly output: OutputCapture;
}

/**
 * Starts the local services once for the test file and, for each test, sets the local
 * environment of the ready-made functions and captures the output (console included).
 * Call it once, at the top of the file.
 */
export function useLocalPipelineServices(): LocalPipelineTest {
  let services: LocalServices | undefined;
  let output: OutputCapture | undefined;
  beforeAll(async () => {
    services = await startLocalServices();
  });
  afterAll(async () => {
    await services?.close();
  });
  beforeEach(() => {
    for (const [name, value] of Object.entries(LOCAL_ENVIRONMENT)) vi.stubEnv(name, value);
    output = new OutputCapture({ console: true });
  });
  afterEach(() => {
    output?.restore();
    vi.unstubAllEnvs();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only there inside a test`);
    return value;
  };
  return {
    get services() {
      return started(services, 'the local services');
    },
    get output() {
      return started(output, 'the captured output');
    },
  };
}

export async function startLocalServices(): Promise<LocalServices> {
  const dir = await mkdtemp(path.join(tmpdir(), 'local-pipelines-'));
  const [kinesis, firehose, sqs, dynamoDbServer, eventbridge, cloudwatch] = await Promise.all([
    startLocalKinesis(),
    startLocalFirehose(),
    startLocalSqs(),
    startDynamoDbServer(),
    startEventBridgeServer({ dir: path.join(dir, 'eventbridge') }),
    startCloudWatchServer({ dir: path.join(dir, 'cloudwatch') }),
  ]);
  const dynamodb = {
    ...dynamoDbServer,
    client: createDynamoDbClient(dynamoDbServer.endpoint, { maxAttempts: 1 }),
  };
  return {
    kinesis,
    firehose,
    sqs,
    dynamodb,
    eventbridge,
    cloudwatch,
    async close() {
      dynamodb.client.destroy();
      await Promise.all([
        kinesis.close(),
        firehose.close(),
        sqs.close(),
        dynamodb.close(),
        eventbridge.close(),
        cloudwatch.close(),
      ]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One item that arrived at a destination: its bytes, and its partition key for Kinesis. */
export interface Arrived {
  readonly data: Buffer;
  readonly partitionKey?: string;
}

export type DestinationKind =
  | 'kinesis'
  | 'firehose'
  | 'sqs'
  | 'dynamodb'
  | 'eventbridge'
  | 'sns'
  | 'cloudwatch';

/** A fresh destination of one kind on the local services. */
export interface Target {
  readonly kind: DestinationKind;
  /** The destination's name (stream, delivery stream) or queue URL. */
  readonly address: string;
  /** The variables a ready-made function needs to write there. */
  readonly env: Record<string, string>;
  /** A library destination writing there, for handlers with their own `convert`. */
  destination(): Destination<never>;
  /**
   * Everything that arrived, in arrival order (SQS bodies flagged base64 are decoded; a
   * DynamoDB item and a CloudWatch datum as canonical JSON, an event as its detail).
   */
  read(): Promise<Arrived[]>;
}

const LOCAL_CLIENT = { region: 'us-east-1', maxInFlightRequests: 4 } as const;

/** The message's data: its body, decoded when the `contentEncoding: base64` attribute says so. */
function sqsData(message: Message): Buffer {
  const encoding = message.MessageAttributes?.contentEncoding?.StringValue;
  return encoding === 'base64' ? Buffer.from(message.Body ?? '', 'base64') : Buffer.from(message.Body ?? '');
}

let created = 0;

/** JSON with object keys sorted, so that a value compares byte for byte whatever its key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

const canonicalBytes = (value: unknown) => Buffer.from(canonicalJson(value));

/** A new, empty destination of that kind; `missing` gives one that does not exist on the service. */
export async function freshTarget(
  services: LocalServices,
  kind: DestinationKind,
  missing = false,
): Promise<Target> {
  const name = `bad-input-${kind}-${++created}`;
  switch (kind) {
    case 'dynamodb':
    case 'eventbridge':
    case 'sns':
    case 'cloudwatch':
      return newerTarget(services, kind, name, missing);
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

/** A fresh table (key `id`), bus, topic (read through a subscribed queue) or namespace. */
async function newerTarget(
  services: LocalServices,
  kind: 'dynamodb' | 'eventbridge' | 'sns' | 'cloudwatch',
  name: string,
  missing: boolean,
): Promise<Target> {
  const client = { ...LOCAL_CLIENT, endpoint: '' };
  switch (kind) {
    case 'dynamodb': {
      const endpoint = services.dynamodb.endpoint;
      if (!missing) await createDynamoDbTable(services.dynamodb.client, name, 'id');
      return {
        kind,
        address: name,
        env: { TABLE_NAME: name, TABLE_PARTITION_KEY: 'id', AWS_ENDPOINT_URL_DYNAMODB: endpoint },
        destination: () =>
          dynamoDbDestination({ tableName: name, partitionKey: 'id', ...client, endpoint }) as never,
        read: async () =>
          missing
            ? []
            : (await scanTable(services.dynamodb.client, name)).map((item) => ({
                data: canonicalBytes(unmarshall(item)),
              })),
      };
    }
    case 'eventbridge': {
      const endpoint = services.eventbridge.endpoint;
      if (!missing) {
        const direct = new EventBridgeClient({
          ...LOCAL_AWS,
          credentials: { ...LOCAL_AWS.credentials },
          endpoint,
        });
        await direct.send(new CreateEventBusCommand({ Name: name })).finally(() => direct.destroy());
      }
      return {
        kind,
        address: name,
        env: { EVENT_BUS_NAME: name, AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint },
        destination: () => eventBridgeDestination({ eventBusName: name, ...client, endpoint }) as never,
        read: async () =>
          (await services.eventbridge.readDelivered(name)).map((event) => ({
            data: Buffer.from(event.detail),
          })),
      };
    }
    case 'sns': {
      const endpoint = services.sqs.endpoint;
      const { topicArn, queueUrl } = missing
        ? { topicArn: `arn:aws:sns:us-east-1:000000000000:${name}`, queueUrl: '' }
        : await snsTopic(services, name);
      return {
        kind,
        address: topicArn,
        env: { TOPIC_ARN: topicArn, AWS_ENDPOINT_URL_SNS: endpoint },
        destination: () => snsDestination({ topicArn, ...client, endpoint }) as never,
        read: async () =>
          missing
            ? []
            : (await services.sqs.drain(queueUrl)).map((message) => ({
                data: Buffer.from(message.Body ?? ''),
              })),
      };
    }
    case 'cloudwatch': {
      const endpoint = services.cloudwatch.endpoint;
      return {
        kind,
        address: name,
        env: { METRIC_NAMESPACE: name, AWS_ENDPOINT_URL_CLOUDWATCH: endpoint },
        destination: () => cloudWatchDestination({ namespace: name, ...client, endpoint }) as never,
        read: async () =>
          (await services.cloudwatch.readDelivered(name)).map((datum) => ({ data: canonicalBytes(datum) })),
      };
    }
  }
}

/** A topic with a queue subscribed to it (raw delivery), named `<name>-subscriber`. */
async function snsTopic(
  services: LocalServices,
  name: string,
): Promise<{ topicArn: string; queueUrl: string }> {
  const sns = new SNSClient({
    ...LOCAL_AWS,
    credentials: { ...LOCAL_AWS.credentials },
    endpoint: services.sqs.endpoint,
  });
  try {
    return await topicWithSubscriber(sns, services.sqs.client, name);
  } finally {
    sns.destroy();
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

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function isJsonObjectText(text: string | undefined): text is string {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * What a record arrives as through a newer destination's ready-made function, as its target
 * reads it back: a JSON item or datum in canonical JSON, an event's detail (a JSON object as
 * it is, anything else wrapped as `{"data": ...}`), an SNS message (text, or base64 when not UTF-8).
 */
export function arrivesThroughNewer(
  kind: 'dynamodb' | 'eventbridge' | 'sns' | 'cloudwatch',
  record: SQSRecord | KinesisStreamRecord,
): Buffer {
  const bytes = sourceBytes(record);
  const text = textOf(bytes);
  switch (kind) {
    case 'dynamodb':
    case 'cloudwatch':
      return canonicalBytes(JSON.parse(text ?? ''));
    case 'eventbridge':
      return isJsonObjectText(text)
        ? bytes
        : Buffer.from(JSON.stringify({ data: text ?? bytes.toString('base64') }));
    case 'sns':
      return Buffer.from(text || bytes.toString('base64'));
  }
}
