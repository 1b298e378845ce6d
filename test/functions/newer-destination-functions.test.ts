/**
 * Each ready-made function of the newer destinations ({sqs,kinesis}-to-{dynamodb,eventbridge,
 * sns,cloudwatch}), as Lambda runs it, against the local services: records arrive byte for
 * byte as read back; under injected faults every record not reported failed arrived, and
 * every record reported failed did not; a wrong environment fails at cold start, naming the variable.
 */
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FaultConfig, type FaultProxy, startFaultProxy } from '../../local/index.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { OutputCapture } from '../handler/output-capture.js';
import {
  arrivesThroughNewer,
  fingerprint,
  freshTarget,
  type LocalServices,
  recordId,
  startLocalServices,
} from '../reliability/local-pipelines.js';
import { type FunctionName, importFunction, reportedIds } from './function-harness.js';

type NewerKind = 'dynamodb' | 'eventbridge' | 'sns' | 'cloudwatch';
type SourceRecord = SQSRecord | KinesisStreamRecord;

const FUNCTIONS = (['dynamodb', 'eventbridge', 'sns', 'cloudwatch'] as const).flatMap((kind) =>
  (['sqs', 'kinesis'] as const).map((source) => ({
    name: `${source}-to-${kind}` as FunctionName,
    source,
    kind,
  })),
);

/** A payload of the record's kind, naming the record `i`, with multi-byte text where the kind takes it. */
function payloadFor(kind: NewerKind, i: number): string {
  switch (kind) {
    case 'dynamodb':
      return JSON.stringify({
        id: `r${i}`,
        n: i,
        note: 'é€中',
        nested: { list: [1, 'two', null], ok: true },
      });
    case 'eventbridge':
      // Every third record is not a JSON object: the function wraps it as {"data": ...}.
      return i % 3 === 0 ? `plain text é ${i}` : JSON.stringify({ id: `r${i}`, note: 'é€中' });
    case 'sns':
      return `message ${i}: é€中\ttab`;
    case 'cloudwatch':
      return JSON.stringify({
        MetricName: 'Latency',
        Value: i + 0.5,
        Unit: 'Milliseconds',
        Dimensions: [{ Name: 'record', Value: `r${i}` }],
      });
  }
}

/** Binary data that is not UTF-8: SNS takes it as base64, EventBridge wraps its base64. */
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);

function recordsFor(source: 'sqs' | 'kinesis', kind: NewerKind, count: number): SourceRecord[] {
  const records: SourceRecord[] = Array.from({ length: count }, (_, i) =>
    source === 'sqs'
      ? sqsRecord({ body: payloadFor(kind, i) })
      : kinesisRecord({ data: payloadFor(kind, i), partitionKey: `p${i % 7}` }),
  );
  if (source === 'kinesis' && (kind === 'sns' || kind === 'eventbridge')) {
    records.push(kinesisRecord({ data: NOT_UTF8 }));
  }
  return records;
}

function eventOf(records: readonly SourceRecord[]): unknown {
  return 'body' in records[0]
    ? sqsEvent(records as SQSRecord[])
    : kinesisEvent(records as KinesisStreamRecord[]);
}

let services: LocalServices;
let proxy: FaultProxy | undefined;
let output: OutputCapture;

beforeAll(async () => {
  services = await startLocalServices();
});
afterAll(async () => {
  await services?.close();
});
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(async () => {
  output.restore();
  vi.unstubAllEnvs();
  await proxy?.close();
  proxy = undefined;
});

/** Whole-request and (where the service answers per entry) per-entry faults. */
function faultsFor(kind: NewerKind): FaultConfig {
  return kind === 'cloudwatch'
    ? { internalErrorRate: 0.2, throttleRate: 0.2, dropBeforeRate: 0.1 }
    : { entryFailureRate: 0.3, internalErrorRate: 0.05, throttleRate: 0.05, dropBeforeRate: 0.05 };
}

describe.each(FUNCTIONS)('$name', ({ name, source, kind }) => {
  it('delivers every record byte for byte, read back from the local service', async () => {
    // Arrange
    const target = await freshTarget(services, kind);
    const handler = await importFunction(name, target.env);
    const records = recordsFor(source, kind, 60);

    // Act
    const response = await handler(eventOf(records), lambdaContext(20_000));

    // Assert
    expect(reportedIds(response)).toEqual([]);
    const arrived = (await target.read()).map((item) => fingerprint(item.data)).sort();
    expect(arrived).toEqual(records.map((record) => fingerprint(arrivesThroughNewer(kind, record))).sort());
  });

  it('under injected faults, reports exactly the records that did not arrive', async () => {
    // Arrange
    const target = await freshTarget(services, kind);
    const endpointVariable = `AWS_ENDPOINT_URL_${kind.toUpperCase()}`;
    proxy = await startFaultProxy({
      upstream: target.env[endpointVariable],
      seed: 16,
      faults: faultsFor(kind),
    });
    const handler = await importFunction(name, {
      ...target.env,
      [endpointVariable]: proxy.endpoint,
      MAX_ATTEMPTS: '2',
      THROW_ON_FULL_BATCH_FAILURE: 'false',
    });
    // CloudWatch fails whole requests of up to 1,000 data: enough records for several requests.
    const records = recordsFor(source, kind, kind === 'cloudwatch' ? 3_000 : 150);

    // Act
    const response = await handler(eventOf(records), lambdaContext(20_000));

    // Assert
    const arrived = new Set((await target.read()).map((item) => fingerprint(item.data)));
    const missing = records
      .filter((record) => !arrived.has(fingerprint(arrivesThroughNewer(kind, record))))
      .map(recordId);
    expect(reportedIds(response)).toEqual(missing.sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(records.length);
    const stats = proxy.stats();
    if (kind !== 'cloudwatch') expect(stats.entryThrottle + stats.entryInternal).toBeGreaterThan(0);
    expect(stats.internalError + stats.throttle + stats.dropBefore).toBeGreaterThan(0);
  });
});

describe('the newer functions fail at cold start on a wrong environment, naming the variable', () => {
  const sourcesOf = (kind: NewerKind) => FUNCTIONS.filter((f) => f.kind === kind).map((f) => f.name);
  const CASES: readonly {
    kind: NewerKind;
    env: Record<string, string>;
    variable: string;
    message: RegExp;
  }[] = [
    {
      kind: 'dynamodb',
      env: { TABLE_PARTITION_KEY: 'id' },
      variable: 'TABLE_NAME',
      message:
        /Environment variable TABLE_NAME is missing: set it to the name of the destination DynamoDB table/,
    },
    {
      kind: 'dynamodb',
      env: { TABLE_NAME: 'orders' },
      variable: 'TABLE_PARTITION_KEY',
      message:
        /Environment variable TABLE_PARTITION_KEY is missing: set it to the name of the table's partition key/,
    },
    {
      kind: 'dynamodb',
      env: { TABLE_NAME: 'my table', TABLE_PARTITION_KEY: 'id' },
      variable: 'TABLE_NAME',
      message: /Environment variable TABLE_NAME is invalid: tableName must be a table name/,
    },
    {
      kind: 'dynamodb',
      env: { TABLE_NAME: 'orders', TABLE_PARTITION_KEY: 'id', TABLE_PARTITION_KEY_TYPE: 'string' },
      variable: 'TABLE_PARTITION_KEY_TYPE',
      message: /Environment variable TABLE_PARTITION_KEY_TYPE must be one of S, N, B; got "string"/,
    },
    {
      kind: 'eventbridge',
      env: {},
      variable: 'EVENT_BUS_NAME',
      message:
        /Environment variable EVENT_BUS_NAME is missing: set it to the name or ARN of the destination event bus/,
    },
    {
      kind: 'sns',
      env: {},
      variable: 'TOPIC_ARN',
      message: /Environment variable TOPIC_ARN is missing: set it to the ARN of the destination SNS topic/,
    },
    {
      kind: 'sns',
      env: { TOPIC_ARN: 'orders' },
      variable: 'TOPIC_ARN',
      message: /Environment variable TOPIC_ARN is invalid: topicArn must be a topic's ARN/,
    },
    {
      kind: 'cloudwatch',
      env: {},
      variable: 'METRIC_NAMESPACE',
      message: /Environment variable METRIC_NAMESPACE is missing: set it to the CloudWatch namespace/,
    },
  ];

  it.each(CASES.flatMap((row) => sourcesOf(row.kind).map((name) => ({ ...row, name }))))(
    '$name: $variable ($env)',
    async ({ name, env, variable, message }) => {
      const loading = importFunction(name, env);

      await expect(loading).rejects.toThrow(message);
      await expect(loading).rejects.toMatchObject({ name: 'ConfigurationError', variable });
    },
  );
});
