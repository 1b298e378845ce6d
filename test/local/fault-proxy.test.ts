import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultEvent, FaultProxy, ServiceName } from '../../local/index.js';
import { startFaultProxy } from '../../local/index.js';
import type { Upstream } from './service-harness.js';
import { UPSTREAMS } from './service-harness.js';

/** Per-entry codes each service uses for throttling / internal errors. */
const ENTRY_CODES: Readonly<Record<ServiceName, readonly string[]>> = {
  kinesis: ['ProvisionedThroughputExceededException', 'InternalFailure'],
  firehose: ['ServiceUnavailableException', 'InternalFailure'],
  sqs: ['RequestThrottled', 'InternalError'],
  // DynamoDB names no code: what it did not write comes back as UnprocessedItems.
  dynamodb: ['UnprocessedItems', 'UnprocessedItems'],
  eventbridge: ['ThrottlingException', 'InternalFailure'],
  // CloudWatch answers for the whole request only.
  cloudwatch: [],
  // SNS answers per entry in XML, as `Failed` members.
  sns: ['Throttled', 'InternalError'],
};

/** The SDK exception each whole-request fault surfaces as. */
const REQUEST_ERRORS: Readonly<Record<ServiceName, Record<string, { name: string; status: number }>>> = {
  kinesis: {
    internalError: { name: 'InternalFailure', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'ProvisionedThroughputExceededException', status: 400 },
  },
  firehose: {
    internalError: { name: 'InternalFailure', status: 500 },
    unavailable: { name: 'ServiceUnavailableException', status: 503 },
    throttle: { name: 'ServiceUnavailableException', status: 503 },
  },
  sqs: {
    internalError: { name: 'InternalFailure', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'RequestThrottled', status: 400 },
  },
  dynamodb: {
    internalError: { name: 'InternalServerError', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'ThrottlingException', status: 400 },
  },
  eventbridge: {
    internalError: { name: 'InternalException', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'ThrottlingException', status: 400 },
  },
  cloudwatch: {
    internalError: { name: 'InternalServiceError', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'Throttling', status: 400 },
  },
  sns: {
    internalError: { name: 'InternalErrorException', status: 500 },
    unavailable: { name: 'ServiceUnavailable', status: 503 },
    throttle: { name: 'ThrottledException', status: 400 },
  },
};

function payloads(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

describe.each(UPSTREAMS)('fault proxy in front of $service', ({ service, start }) => {
  let upstream: Upstream;
  let proxy: FaultProxy | undefined;
  let names = 0;
  const fresh = () => upstream.destination(`${service}-${++names}`);

  beforeAll(async () => {
    upstream = await start();
  });
  afterAll(async () => {
    await upstream.close();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('fails chosen entries as the service would, and the upstream stores only the others', async () => {
    // Arrange
    const events: FaultEvent[] = [];
    proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed: 7,
      faults: { entryFailureRate: 0.4 },
      onFault: (e) => events.push(e),
    });
    const destination = await fresh();
    const sent = payloads('entry', upstream.maxBatch === 10 ? 10 : 50);

    // Act
    const outcome = await destination.put(proxy.endpoint, sent);
    const stored = await destination.stored();

    // Assert
    expect(outcome.failed.size).toBeGreaterThan(0);
    expect(outcome.failed.size).toBeLessThan(sent.length);
    for (const { code, senderFault } of outcome.failed.values()) {
      expect(ENTRY_CODES[service]).toContain(code);
      if (service === 'sqs' || service === 'sns') expect(senderFault).toBe(false);
    }
    const expected = sent.filter((_, i) => !outcome.failed.has(i));
    expect(stored.sort()).toEqual(expected.sort());
    const entryEvents = events.filter((e) => e.kind === 'entries');
    expect(entryEvents).toHaveLength(1);
    const reported = entryEvents[0].kind === 'entries' ? entryEvents[0].failed.map((f) => f.index) : [];
    expect(reported).toEqual([...outcome.failed.keys()].sort((a, b) => a - b));
    const stats = proxy.stats();
    expect(stats.entryThrottle + stats.entryInternal).toBe(outcome.failed.size);
    expect(stats.entries).toBe(sent.length);
  });

  it('answers a batch whose every entry fails without calling the upstream', async () => {
    // Arrange
    proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 1, faults: { entryFailureRate: 1 } });
    const destination = await fresh();
    const sent = payloads('all', 5);

    // Act
    const outcome = await destination.put(proxy.endpoint, sent);

    // Assert
    expect([...outcome.failed.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(await destination.stored()).toEqual([]);
    expect(proxy.stats().answeredWithoutUpstream).toBe(1);
  });

  it.each(['internalError', 'unavailable', 'throttle'] as const)(
    'answers a whole-request %s with the SDK exception and stores nothing',
    async (fault) => {
      // Arrange
      const rate = {
        internalError: 'internalErrorRate',
        unavailable: 'unavailableRate',
        throttle: 'throttleRate',
      }[fault];
      proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 3, faults: { [rate]: 1 } });
      const destination = await fresh();
      const expected = REQUEST_ERRORS[service][fault];

      // Act
      const put = destination.put(proxy.endpoint, payloads(fault, 3));

      // Assert
      await expect(put).rejects.toMatchObject({
        name: expected.name,
        $metadata: { httpStatusCode: expected.status },
      });
      expect(await destination.stored()).toEqual([]);
      expect(proxy.stats()[fault]).toBe(1);
    },
  );

  it('leaves calls other than batch writes untouched by default', async () => {
    // Arrange
    proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed: 3,
      faults: { internalErrorRate: 1, entryFailureRate: 1 },
    });
    const destination = await fresh();

    // Act / Assert
    await expect(destination.describe(proxy.endpoint)).resolves.toBeUndefined();
    expect(proxy.stats()).toMatchObject({ requests: 1, eligible: 0, internalError: 0 });
  });

  it('applies faults to every call when operations is "all"', async () => {
    // Arrange
    proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed: 3,
      faults: { internalErrorRate: 1, operations: 'all' },
    });
    const destination = await fresh();

    // Act / Assert
    await expect(destination.describe(proxy.endpoint)).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('adds latency', async () => {
    // Arrange
    proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 3, faults: { latencyMs: 120 } });
    const destination = await fresh();

    // Act
    const started = performance.now();
    const outcome = await destination.put(proxy.endpoint, payloads('slow', 2));
    const elapsed = performance.now() - started;

    // Assert
    expect(outcome.failed.size).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(119); // timers may fire on the millisecond boundary
    expect(proxy.stats()).toMatchObject({ delayed: 1, delayMs: 120 });
  });

  it('drops the connection before forwarding: a network error, nothing stored', async () => {
    // Arrange
    proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 3, faults: { dropBeforeRate: 1 } });
    const destination = await fresh();

    // Act
    const put = destination.put(proxy.endpoint, payloads('before', 3));

    // Assert
    await expect(put).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect(await destination.stored()).toEqual([]);
    expect(proxy.stats().dropBefore).toBe(1);
  });

  it('drops the connection after forwarding: a network error, yet everything stored', async () => {
    // Arrange
    proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 3, faults: { dropAfterRate: 1 } });
    const destination = await fresh();
    const sent = payloads('after', 3);

    // Act
    const put = destination.put(proxy.endpoint, sent);

    // Assert
    await expect(put).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) });
    expect((await destination.stored()).sort()).toEqual(sent);
    expect(proxy.stats().dropAfter).toBe(1);
  });

  it('changes its faults at runtime', async () => {
    // Arrange
    proxy = await startFaultProxy({ upstream: upstream.endpoint, seed: 3, faults: { throttleRate: 1 } });
    const destination = await fresh();
    await expect(destination.put(proxy.endpoint, ['x'])).rejects.toBeDefined();

    // Act
    proxy.setFaults({});
    const outcome = await destination.put(proxy.endpoint, ['y']);

    // Assert
    expect(outcome.failed.size).toBe(0);
    expect(await destination.stored()).toEqual(['y']);
  });
});

describe('fault proxy choices', () => {
  let upstream: Upstream;

  beforeAll(async () => {
    upstream = await UPSTREAMS[0].start();
  });
  afterAll(async () => {
    await upstream.close();
  });

  async function run(seed: number): Promise<FaultEvent[]> {
    const events: FaultEvent[] = [];
    const proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed,
      faults: { entryFailureRate: 0.2, internalErrorRate: 0.2, throttleRate: 0.1 },
      onFault: (e) => events.push(e),
    });
    const destination = await upstream.destination(`seeded-${seed}-${Math.random().toString(36).slice(2)}`);
    for (let call = 0; call < 8; call++) {
      await destination.put(proxy.endpoint, payloads(`call${call}`, 20)).catch(() => undefined);
    }
    await proxy.close();
    return events;
  }

  it('are the same for the same seed and differ for another', async () => {
    // Act
    const first = await run(11);
    const again = await run(11);
    const other = await run(12);

    // Assert
    expect(first.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });
});

describe('fault proxy options', () => {
  let upstream: Upstream;

  beforeAll(async () => {
    upstream = await UPSTREAMS[2].start();
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('reports SQS sender faults as SenderFault true when asked', async () => {
    // Arrange
    const proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed: 5,
      faults: { entryFailureRate: 0.5, senderFaultShare: 1 },
    });
    const destination = await upstream.destination('sender-fault');

    // Act
    const outcome = await destination.put(proxy.endpoint, payloads('s', 10));
    await proxy.close();

    // Assert
    expect(outcome.failed.size).toBeGreaterThan(0);
    for (const failure of outcome.failed.values()) {
      expect(failure).toEqual({ code: 'InvalidParameterValue', senderFault: true });
    }
  });

  it('reports SNS sender faults as SenderFault true in the XML answer, and publishes the rest', async () => {
    // Arrange
    const sns = await UPSTREAMS[3].start();
    const proxy = await startFaultProxy({
      upstream: sns.endpoint,
      seed: 5,
      faults: { entryFailureRate: 0.5, senderFaultShare: 1 },
    });
    const destination = await sns.destination('sns-sender-fault');
    const sent = payloads('s', 10);

    // Act
    const outcome = await destination.put(proxy.endpoint, sent);
    const stored = await destination.stored();
    await proxy.close();
    await sns.close();

    // Assert
    expect(outcome.failed.size).toBeGreaterThan(0);
    for (const failure of outcome.failed.values()) {
      expect(failure).toEqual({ code: 'InvalidParameter', senderFault: true });
    }
    expect(stored.sort()).toEqual(sent.filter((_, i) => !outcome.failed.has(i)).sort());
  });

  it('adds jitter and latency spikes within their bounds', async () => {
    // Arrange
    const proxy = await startFaultProxy({
      upstream: upstream.endpoint,
      seed: 9,
      faults: { latencyMs: 10, latencyJitterMs: 20, spikeRate: 1, spikeMs: 50 },
    });
    const destination = await upstream.destination('jitter');

    // Act
    const started = performance.now();
    await destination.put(proxy.endpoint, ['j']);
    const elapsed = performance.now() - started;
    const { delayMs } = proxy.stats();
    await proxy.close();

    // Assert
    expect(delayMs).toBeGreaterThanOrEqual(60);
    expect(delayMs).toBeLessThanOrEqual(80);
    expect(elapsed).toBeGreaterThanOrEqual(59);
  });

  it.each([
    { faults: { entryFailureRate: 1.5 }, message: /entryFailureRate must be in \[0, 1\]/ },
    { faults: { throttleRate: 0.6, internalErrorRate: 0.6 }, message: /must not exceed 1/ },
    { faults: { latencyMs: -1 }, message: /latencyMs must be >= 0/ },
  ])('rejects bad configuration: $message', async ({ faults, message }) => {
    await expect(startFaultProxy({ upstream: upstream.endpoint, faults })).rejects.toThrow(message);
  });
});
