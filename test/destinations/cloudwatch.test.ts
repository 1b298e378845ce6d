import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncSink, type SinkRecord } from '../../lib/core/index.js';
import {
  CLOUDWATCH_LIMITS,
  type CloudWatchEntry,
  cloudWatchDestination,
  DestinationConfigurationError,
} from '../../lib/destinations/index.js';
import { type CloudWatchServer, LOCAL_AWS, startCloudWatchServer } from '../../local/index.js';
import { LOCAL_ENV } from './destination-cases.js';

const local = { region: 'us-east-1' };

describe('cloudWatchDestination', () => {
  const destination = cloudWatchDestination({ namespace: 'MyApp/Orders', ...local });

  it('takes 1,000 data and 1 MB per request, as PutMetricData allows', () => {
    expect(destination.limits.maxEntriesPerRequest).toBe(1_000);
    expect(destination.limits.maxBytesPerRequest).toBeLessThanOrEqual(1_000_000);
  });

  it.each<[string, CloudWatchEntry, RegExp]>([
    ['no metric name', { MetricName: '', Value: 1 }, /MetricName must have 1 to 255/],
    ['no value', { MetricName: 'm' }, /exactly one of Value, Values or StatisticValues/],
    ['NaN', { MetricName: 'm', Value: Number.NaN }, /finite number/],
    ['151 values', { MetricName: 'm', Values: Array(151).fill(1) }, /at most 150/],
    [
      '31 dimensions',
      {
        MetricName: 'm',
        Value: 1,
        Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })),
      },
      /at most 30 dimensions/,
    ],
    ['an unknown unit', { MetricName: 'm', Value: 1, Unit: 'Parsecs' as never }, /not a CloudWatch unit/],
  ])('refuses a datum with %s before any request', (_, entry, reason) => {
    expect(destination.invalidReason(entry, destination.sizeOf(entry))).toMatch(reason);
  });

  it('refuses a namespace in AWS/ at creation', () => {
    expect(() => cloudWatchDestination({ namespace: 'AWS/Lambda', ...local })).toThrow(
      DestinationConfigurationError,
    );
  });

  it('bisects on InvalidParameterValue, retries throttling', () => {
    const error = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
    expect(destination.classifyError(error('InvalidParameterValue', 400)).kind).toBe('bisect');
    expect(destination.classifyError(error('MissingParameter', 400)).kind).toBe('bisect');
    expect(destination.classifyError(error('Throttling', 400))).toMatchObject({
      kind: 'retryable',
      throttled: true,
    });
  });
});

describe('CloudWatch destination against the local CloudWatch', () => {
  let dir: string;
  let server: CloudWatchServer;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(LOCAL_ENV)) vi.stubEnv(name, value);
    dir = await mkdtemp(path.join(tmpdir(), 'cloudwatch-test-'));
    server = await startCloudWatchServer({ dir });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('delivers 3,000 data byte for byte in 1,000-datum requests, gzipped by the SDK', async () => {
    const destination = cloudWatchDestination({
      namespace: 'Test/Many',
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    const records: SinkRecord<CloudWatchEntry>[] = Array.from({ length: 3_000 }, (_, i) => ({
      id: `m${i}`,
      entries: [
        {
          MetricName: 'Latency',
          Dimensions: [{ Name: 'id', Value: `m${i}/é` }],
          Value: i / 7,
          Unit: 'Milliseconds',
        },
      ],
    }));

    const result = await new AsyncSink(destination).run(records);

    expect(result.outcomes.filter((o) => o.status !== 'done')).toEqual([]);
    expect(result.stats.requests).toBe(3);
    // Requests run concurrently, so the file holds them in the order they arrived.
    const idOf = (datum: { Dimensions?: unknown }) => JSON.stringify(datum.Dimensions);
    const stored = (await server.readDelivered('Test/Many'))
      .slice()
      .sort((a, b) => idOf(a).localeCompare(idOf(b)));
    const sent = records.map((r) => r.entries[0]).sort((a, b) => idOf(a).localeCompare(idOf(b)));
    expect(stored).toEqual(sent);
    destination.client.destroy();
  });

  it('isolates the one datum CloudWatch refuses among 25 within 2·⌈log₂ 25⌉ extra requests and delivers the other 24', async () => {
    // Arrange: a value beyond 2^360 passes no check of ours only because we skip them here.
    const destination = cloudWatchDestination({
      namespace: 'Test/Bisect',
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    let requests = 0;
    const unchecked = {
      ...destination,
      invalidReason: () => undefined,
      send: (entries: readonly CloudWatchEntry[], signal: AbortSignal) => {
        requests++;
        return destination.send(entries, signal);
      },
    };
    const records: SinkRecord<CloudWatchEntry>[] = Array.from({ length: 25 }, (_, i) => ({
      id: `b${i}`,
      entries: [{ MetricName: 'Bisect', Value: i === 13 ? 2 ** 400 : i }],
    }));

    // Act
    const result = await new AsyncSink(unchecked).run(records);

    // Assert
    expect(requests - 1).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(25)));
    expect(result.outcomes.filter((o) => o.status === 'failed')).toEqual([
      {
        id: 'b13',
        status: 'failed',
        code: 'InvalidParameterValue',
        reason: expect.stringMatching(
          /^cloudwatch:Test\/Bisect rejected entry: InvalidParameterValue: .*Value is invalid/,
        ),
      },
    ]);
    const stored = (await server.readDelivered('Test/Bisect'))
      .map((d) => d.Value)
      .sort((a, b) => Number(a) - Number(b));
    expect(stored).toEqual(records.filter((r) => r.id !== 'b13').map((r) => r.entries[0].Value));
    expect(CLOUDWATCH_LIMITS.maxMagnitude).toBe(2 ** 360);
    destination.client.destroy();
  });
});
