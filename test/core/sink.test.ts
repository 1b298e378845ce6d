import { describe, expect, it } from 'vitest';
import {
  AimdRateLimiter,
  AsyncSink,
  type Destination,
  FailureCode,
  fullJitterBackoff,
  type RateLimitingStrategy,
  SinkConfigurationError,
} from '../../lib/core/index.js';
import {
  baseDestination,
  FakeDestination,
  type FakeEntry,
  FakeRequestError,
  makeRecords,
} from './fake-destination.js';

const quick = { initialBackoffMs: 1, maxBackoffMs: 2 };

describe('packing', () => {
  it('fills each request to the entry limit, in order', async () => {
    const destination = new FakeDestination();
    const result = await new AsyncSink(destination).run(makeRecords(1_200));
    expect(destination.requests.map((r) => r.length)).toEqual([500, 500, 200]);
    expect(destination.requests.flat().map((e) => e.id)).toEqual(makeRecords(1_200).map((r) => `${r.id}e0`));
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('fills each request to the byte limit', async () => {
    const destination = new FakeDestination({
      limits: { maxBytesPerRequest: 1_000, maxBytesPerEntry: 1_000 },
    });
    await new AsyncSink(destination).run(makeRecords(10, 300));
    expect(destination.requests.map((r) => r.length)).toEqual([3, 3, 3, 1]);
  });

  it('measures each entry once, even when it is retried', async () => {
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        entries.map(() =>
          call === 0 ? { status: 'retryable', code: 'InternalFailure' } : { status: 'accepted' },
        ),
    });
    await new AsyncSink(destination, quick).run(makeRecords(50, 10, 2));
    expect(destination.sizeCalls).toBe(100);
    expect(destination.requests).toHaveLength(2);
  });

  it('counts a record with no entries as done without a request', async () => {
    const destination = new FakeDestination();
    const result = await new AsyncSink(destination).run([{ id: 'empty', entries: [] }]);
    expect(result.outcomes).toEqual([{ id: 'empty', status: 'done' }]);
    expect(destination.requests).toHaveLength(0);
  });
});

describe('entries no request could take', () => {
  it('fails an oversized entry at once, naming the limit, and sends none of its record', async () => {
    const destination = new FakeDestination({ limits: { maxBytesPerEntry: 1_000 } });
    const records = [
      { id: 'ok', entries: [{ id: 'a', size: 1_000 }] },
      {
        id: 'big',
        entries: [
          { id: 'b1', size: 10 },
          { id: 'b2', size: 1_001 },
        ],
      },
    ];
    const result = await new AsyncSink(destination).run(records);
    expect(result.outcomes[0]).toEqual({ id: 'ok', status: 'done' });
    expect(result.outcomes[1]).toMatchObject({ id: 'big', status: 'failed', code: FailureCode.InvalidEntry });
    expect(result.outcomes[1].status === 'failed' && result.outcomes[1].reason).toMatch(
      /1001 bytes.*1000 bytes/,
    );
    expect(destination.sent.has('b1')).toBe(false);
    expect(destination.sent.has('b2')).toBe(false);
  });

  it('fails the record of an entry the destination cannot even measure, and only that record', async () => {
    const destination = new FakeDestination();
    destination.sizeOf = (entry) => {
      if (entry.id === 'bad0') throw new TypeError('body is missing');
      return entry.size;
    };
    const result = await new AsyncSink(destination).run([
      { id: 'bad', entries: [{ id: 'bad0', size: 1 }] },
      { id: 'good', entries: [{ id: 'good0', size: 1 }] },
    ]);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: FailureCode.InvalidEntry });
    expect(result.outcomes[0].status === 'failed' && result.outcomes[0].reason).toContain('body is missing');
    expect(result.outcomes[1].status).toBe('done');
  });

  it('fails an entry the destination calls invalid, with its reason', async () => {
    const destination = new FakeDestination();
    const result = await new AsyncSink(destination).run([
      { id: 'x', entries: [{ id: 'x0', size: 1, invalid: 'partition key is empty' }] },
    ]);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: 'partition key is empty' });
    expect(destination.requests).toHaveLength(0);
  });
});

describe('source groups', () => {
  it('fails the later records of a group whose record was rejected before sending, unsent', async () => {
    const destination = new FakeDestination({ limits: { maxBytesPerEntry: 1_000 } });
    const records = [
      { id: 'a1', group: 'a', entries: [{ id: 'a1e', size: 1_001 }] },
      { id: 'b1', group: 'b', entries: [{ id: 'b1e', size: 10 }] },
      { id: 'a2', group: 'a', entries: [{ id: 'a2e', size: 10 }] },
      { id: 'x', entries: [{ id: 'xe', size: 10 }] },
    ];

    const result = await new AsyncSink(destination).run(records);

    expect(result.outcomes.map((o) => [o.id, o.status === 'failed' ? o.code : o.status])).toEqual([
      ['a1', FailureCode.InvalidEntry],
      ['b1', 'done'],
      ['a2', FailureCode.PredecessorFailed],
      ['x', 'done'],
    ]);
    expect(destination.requests.flat().map((e) => e.id)).toEqual(['b1e', 'xe']);
  });
});

describe('in flight', () => {
  it.each([1, 3, 8])('never has more than %i requests in flight', async (limit) => {
    const destination = new FakeDestination({ latencyMs: 5, limits: { maxEntriesPerRequest: 10 } });
    await new AsyncSink(destination, { maxInFlightRequests: limit }).run(makeRecords(300));
    expect(destination.maxInFlight).toBe(limit);
  });
});

describe('retries', () => {
  it('retries only failed entries, at the front of the queue, in their order', async () => {
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 4 },
      behaviour: (entries, call) =>
        entries.map((_, i) =>
          call === 0 && i % 2 === 0
            ? { status: 'retryable', code: 'InternalFailure' }
            : { status: 'accepted' },
        ),
    });
    const result = await new AsyncSink(destination, { ...quick, maxInFlightRequests: 1 }).run(makeRecords(8));
    expect(destination.requests[0].map((e) => e.id)).toEqual(['r0e0', 'r1e0', 'r2e0', 'r3e0']);
    expect(destination.requests[1].map((e) => e.id)).toEqual(['r0e0', 'r2e0', 'r4e0', 'r5e0']);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.stats.entriesRetried).toBe(2);
  });

  it('gives up after maxAttempts, naming the last error', async () => {
    const destination = new FakeDestination({
      behaviour: (entries) => entries.map(() => ({ status: 'retryable', code: 'InternalFailure' })),
    });
    const result = await new AsyncSink(destination, { ...quick, maxAttempts: 3 }).run(makeRecords(2));
    expect(destination.requests).toHaveLength(3);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: FailureCode.RetriesExhausted });
    expect(result.outcomes[0].status === 'failed' && result.outcomes[0].reason).toContain('InternalFailure');
  });

  it('does not retry an entry the destination rejects for good', async () => {
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((e) =>
          e.id === 'r1e0' ? { status: 'fatal', code: 'InvalidParameterValue' } : { status: 'accepted' },
        ),
    });
    const result = await new AsyncSink(destination, quick).run(makeRecords(3));
    expect(destination.requests).toHaveLength(1);
    expect(result.outcomes.map((o) => o.status)).toEqual(['done', 'failed', 'done']);
    expect(result.outcomes[1]).toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('retries a whole request that failed with a retryable error', async () => {
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        call < 2
          ? new FakeRequestError('retryable', 'ServiceUnavailable')
          : entries.map(() => ({ status: 'accepted' })),
    });
    const result = await new AsyncSink(destination, quick).run(makeRecords(20));
    expect(destination.requests).toHaveLength(3);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.stats.requestsFailed).toBe(2);
  });

  it('stops all sending at a fatal error and fails every record not yet done', async () => {
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 10 },
      behaviour: (entries, call) =>
        call === 1
          ? new FakeRequestError('fatal', 'AccessDeniedException')
          : entries.map(() => ({ status: 'accepted' })),
    });
    const result = await new AsyncSink(destination, { maxInFlightRequests: 1 }).run(makeRecords(50));
    expect(destination.requests).toHaveLength(2);
    expect(result.outcomes.slice(0, 10).every((o) => o.status === 'done')).toBe(true);
    for (const outcome of result.outcomes.slice(10)) {
      expect(outcome).toMatchObject({ status: 'failed', code: FailureCode.SendingStopped });
      expect(outcome.status === 'failed' && outcome.reason).toContain('AccessDeniedException');
    }
    expect(result.stats.fatalError).toContain('AccessDeniedException');
  });

  it('treats a response with the wrong number of results as fatal', async () => {
    const destination = new FakeDestination({ behaviour: () => [{ status: 'accepted' }] });
    const result = await new AsyncSink(destination).run(makeRecords(3));
    for (const outcome of result.outcomes) {
      expect(outcome.status === 'failed' && outcome.reason).toContain('DestinationContractViolation');
    }
  });
});

describe('backoff', () => {
  it('doubles its ceiling per attempt up to the cap, with full jitter', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((a) => fullJitterBackoff(a, 100, 500, top))).toEqual([99, 199, 399, 499, 499]);
    expect(fullJitterBackoff(3, 100, 500, () => 0)).toBe(0);
  });
});

describe('deadlines and timeouts', () => {
  it.each([
    ['a time', (ms: number) => Date.now() + ms],
    ['an AbortSignal', (ms: number) => AbortSignal.timeout(ms)],
  ])('returns at a deadline given as %s, failing what is unsent', async (_name, deadline) => {
    const destination = new FakeDestination({
      behaviour: () => 'hang',
      limits: { maxEntriesPerRequest: 10 },
    });
    const started = Date.now();
    const result = await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(makeRecords(100), {
      deadline: deadline(100),
    });
    expect(Date.now() - started).toBeLessThan(600);
    expect(result.stats.deadlineReached).toBe(true);
    expect(
      result.outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.DeadlineReached),
    ).toBe(true);
  });

  it('retries the entries of a request that timed out', async () => {
    const destination = new FakeDestination({
      behaviour: (entries, call) => (call === 0 ? 'hang' : entries.map(() => ({ status: 'accepted' }))),
    });
    const result = await new AsyncSink(destination, { ...quick, requestTimeoutMs: 30 }).run(makeRecords(5));
    expect(destination.requests).toHaveLength(2);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });
});

describe('requests still running when every record is settled', () => {
  it('aborts a request whose record already failed, and returns only once its send() has ended', async () => {
    // Arrange: one record, two entries in two requests. The first is rejected for good at once;
    // the second is still on the wire (200 ms) when the record has failed through the first.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      latencyMs: (call) => (call === 0 ? 5 : 200),
      behaviour: (entries) =>
        entries[0].id === 'r0-a'
          ? [{ status: 'fatal', code: 'InvalidParameterValue' }]
          : [{ status: 'accepted' }],
    });
    const records = [
      {
        id: 'r0',
        entries: [
          { id: 'r0-a', size: 10 },
          { id: 'r0-b', size: 10 },
        ],
      },
    ];

    // Act
    const result = await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(records);
    const inFlightAtReturn = destination.inFlight;

    // Assert: the record failed, the second request was aborted and its send() had ended.
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: 'InvalidParameterValue' });
    expect(destination.requests).toHaveLength(2);
    expect(destination.signals[1].aborted).toBe(true);
    expect(inFlightAtReturn).toBe(0);
    expect(destination.accepted.has('r0-b')).toBe(false);
  });

  it('aborts a timed-out request that is still running and waits for its send() before returning', async () => {
    // Arrange: the first request outlives its 30 ms timeout; the retry is accepted at once.
    let calls = 0;
    let ended = 0;
    const destination: Destination<FakeEntry> = {
      ...baseDestination(),
      send: async (entries, signal) => {
        try {
          if (calls++ === 0) {
            await new Promise<void>((resolve) =>
              signal.addEventListener('abort', () => resolve(), { once: true }),
            );
            // A destination that takes a while to wind down after the abort.
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw signal.reason;
          }
          return entries.map(() => ({ status: 'accepted' as const }));
        } finally {
          ended++;
        }
      },
    };

    // Act
    const result = await new AsyncSink(destination, { ...quick, requestTimeoutMs: 30 }).run(makeRecords(2));
    const endedAtReturn = ended;

    // Assert: both records done through the retry, and both send() calls had returned.
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(endedAtReturn).toBe(2);
  });

  it('stops waiting for a send() that ignores its abort when the deadline signal fires', async () => {
    // Arrange: r0's first entry is refused at once; its second entry's send() never returns.
    const destination: Destination<FakeEntry> = {
      ...baseDestination(),
      limits: { ...baseDestination().limits, maxEntriesPerRequest: 1 },
      send: (entries) =>
        entries[0].id === 'a'
          ? new Promise((resolve) => setTimeout(() => resolve([{ status: 'fatal', code: 'Invalid' }]), 5))
          : new Promise(() => {}),
    };
    const records = [
      {
        id: 'r0',
        entries: [
          { id: 'a', size: 10 },
          { id: 'b', size: 10 },
        ],
      },
    ];
    const started = Date.now();

    // Act: the deadline signal fires 100 ms in, well before the 1 s grace is over.
    const result = await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(records, {
      deadline: AbortSignal.timeout(100),
    });

    // Assert
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: 'Invalid' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('does not wait past the deadline for a send() that ignores its abort', async () => {
    // Arrange: send() never returns, abort or not.
    const destination: Destination<FakeEntry> = { ...baseDestination(), send: () => new Promise(() => {}) };
    const started = Date.now();

    // Act
    const result = await new AsyncSink(destination).run(makeRecords(2), { deadline: started + 50 });

    // Assert
    expect(result.stats.deadlineReached).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('deadlines and destinations that break the contract', () => {
  it('waits for a numeric deadline more than 2^31 − 1 ms away instead of failing at once', async () => {
    // Arrange: setTimeout fires at once for delays over 2^31 − 1 ms (about 24.8 days).
    const destination = new FakeDestination({ latencyMs: 20 });
    const deadline = Date.now() + 30 * 24 * 60 * 60 * 1_000;

    // Act
    const result = await new AsyncSink(destination).run(makeRecords(5), { deadline });

    // Assert
    expect(result.stats.deadlineReached).toBe(false);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it.each([
    ['an undefined item', [undefined, { status: 'accepted' }], /result 0 is undefined/],
    ['an unknown status', [{ status: 'ok' }, { status: 'accepted' }], /result 0 is an object/],
    ['a failure without a code', [{ status: 'accepted' }, { status: 'fatal' }], /result 1 .* no string code/],
    ['no array', undefined, /resolved with undefined,/],
    ['null', null, /resolved with null,/],
    ['a number item', [{ status: 'accepted' }, 7], /result 1 is a number,/],
    ['an array item', [[{ status: 'accepted' }], { status: 'accepted' }], /result 0 is an array of 1,/],
    ['too few results', [{ status: 'accepted' }], /1 results for 2 entries/],
  ])('fails at once, naming the fault, when send() resolves with %s', async (_name, answer, message) => {
    // Arrange
    // A plain object, as a user's own destination would be (the fake would choke on these answers itself).
    const fake = new FakeDestination();
    const destination: Destination<FakeEntry> = {
      name: 'custom',
      limits: fake.limits,
      sizeOf: (entry) => entry.size,
      invalidReason: () => undefined,
      send: () => Promise.resolve(answer as never),
      classifyError: (error) => fake.classifyError(error),
    };
    const started = Date.now();

    // Act
    const result = await new AsyncSink(destination).run(makeRecords(2), { deadline: started + 5_000 });

    // Assert: at once (not at the deadline), every record failed with the contract named.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.stats.deadlineReached).toBe(false);
    for (const outcome of result.outcomes) {
      expect(outcome).toMatchObject({ status: 'failed', code: FailureCode.SendingStopped });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/DestinationContractViolation/);
      expect(outcome.status === 'failed' && outcome.reason).toMatch(message);
    }
  });

  it('treats a classifyError that throws or answers nonsense as a retryable unclassified error', async () => {
    // Arrange
    let calls = 0;
    const destination = new FakeDestination({
      behaviour: (entries) =>
        calls++ === 0
          ? new FakeRequestError('retryable', 'Boom')
          : entries.map(() => ({ status: 'accepted' })),
    });
    destination.classifyError = () => undefined as never;

    // Act
    const result = await new AsyncSink(destination, quick).run(makeRecords(3));

    // Assert
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.stats.requestsFailed).toBe(1);
  });

  it('keeps the last send error in the reason when the deadline ends a run of failed attempts', async () => {
    // Arrange: every attempt is refused, as by a stopped endpoint.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const destination = new FakeDestination({ behaviour: () => Promise.reject(refused) });
    destination.classifyError = () => ({
      kind: 'retryable',
      code: 'ECONNREFUSED',
      message: refused.message,
      throttled: false,
    });

    // Act
    const result = await new AsyncSink(destination, { ...quick, maxAttempts: 100 }).run(makeRecords(3), {
      deadline: Date.now() + 50,
    });

    // Assert
    expect(result.stats.deadlineReached).toBe(true);
    for (const outcome of result.outcomes) {
      expect(outcome).toMatchObject({ status: 'failed', code: FailureCode.DeadlineReached });
      expect(outcome.status === 'failed' && outcome.reason).toContain(
        'last send error: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4566',
      );
    }
  });
});

describe('rate limiting', () => {
  it('AIMD halves the window when a whole request is throttled and grows it on clean requests', () => {
    const limiter = new AimdRateLimiter({ maxInFlightEntries: 1_000, maxBatchSize: 500, increaseBy: 50 });
    limiter.registerInFlightRequest({ batchSize: 500 });
    limiter.registerCompletedRequest({
      batchSize: 500,
      failedEntries: 500,
      throttledEntries: 500,
      throttled: true,
    });
    expect(limiter.currentWindow).toBe(500);
    limiter.registerInFlightRequest({ batchSize: 100 });
    limiter.registerCompletedRequest({
      batchSize: 100,
      failedEntries: 100,
      throttledEntries: 100,
      throttled: true,
    });
    expect(limiter.maxBatchSize()).toBe(250);
    limiter.registerInFlightRequest({ batchSize: 100 });
    limiter.registerCompletedRequest({
      batchSize: 100,
      failedEntries: 0,
      throttledEntries: 0,
      throttled: false,
    });
    expect(limiter.currentWindow).toBe(300);
  });

  it('AIMD shrinks once per round trip: requests already in flight carry the same news', () => {
    const limiter = new AimdRateLimiter({ maxInFlightEntries: 1_000, maxBatchSize: 100, increaseBy: 0 });
    for (let i = 0; i < 4; i++) limiter.registerInFlightRequest({ batchSize: 100 });
    const throttledWhole = { batchSize: 100, failedEntries: 100, throttledEntries: 100, throttled: true };
    for (let i = 0; i < 4; i++) limiter.registerCompletedRequest(throttledWhole);
    expect(limiter.currentWindow).toBe(500);
    limiter.registerInFlightRequest({ batchSize: 100 });
    limiter.registerCompletedRequest(throttledWhole);
    expect(limiter.currentWindow).toBe(250);
  });

  it('AIMD cuts in proportion to the throttled share, so scattered throttles do not collapse the window', () => {
    const limiter = new AimdRateLimiter({ maxInFlightEntries: 5_000, maxBatchSize: 500 });
    // 10 requests in flight per round trip, 5 % of every one of them throttled, for 50 round trips.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 10; i++) limiter.registerInFlightRequest({ batchSize: 500 });
      for (let i = 0; i < 10; i++) {
        limiter.registerCompletedRequest({
          batchSize: 500,
          failedEntries: 25,
          throttledEntries: 25,
          throttled: true,
        });
      }
    }
    expect(limiter.currentWindow).toBeGreaterThan(2_500);
  });

  it('sends smaller requests after the destination throttles', async () => {
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 100 },
      behaviour: (entries, call) =>
        entries.map(() =>
          call === 0
            ? { status: 'retryable', code: 'ProvisionedThroughputExceededException', throttled: true }
            : { status: 'accepted' },
        ),
    });
    const limiter = new AimdRateLimiter({ maxInFlightEntries: 100, maxBatchSize: 100, increaseBy: 1 });
    const result = await new AsyncSink(destination, {
      ...quick,
      maxInFlightRequests: 1,
      rateLimiter: limiter,
    }).run(makeRecords(100));
    expect(destination.requests[1].length).toBe(50);
    expect(result.stats.throttles).toBe(1);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('uses a rate limiter the user supplies', async () => {
    const seen: number[] = [];
    const limiter: RateLimitingStrategy = {
      registerInFlightRequest: (info) => seen.push(info.batchSize),
      registerCompletedRequest: () => {},
      shouldBlock: () => false,
      maxBatchSize: () => 7,
    };
    const destination = new FakeDestination();
    await new AsyncSink(destination, { rateLimiter: limiter }).run(makeRecords(20));
    expect(seen).toEqual([7, 7, 6]);
  });
});

describe.each([
  { mode: 'ordered', ordered: true },
  { mode: 'unordered', ordered: false },
])('$mode mode', ({ ordered }) => {
  it('delivers every record', async () => {
    const destination = new FakeDestination({ latencyMs: 1, limits: { maxEntriesPerRequest: 20 } });
    const result = await new AsyncSink(destination, { ordered, maxInFlightRequests: 4 }).run(
      makeRecords(200, 10, 1, (r) => `k${r % 7}`),
    );
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.accepted.size).toBe(200);
  });
});

describe('ordered mode', () => {
  const ordered = true;

  it('keeps one entry per key per request and one in flight per key', async () => {
    const inFlightKeys = new Set<string>();
    let overlap = false;
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 20 },
      behaviour: async (entries) => {
        for (const e of entries) {
          if (inFlightKeys.has(e.key!)) overlap = true;
          inFlightKeys.add(e.key!);
        }
        await new Promise((r) => setTimeout(r, 2));
        for (const e of entries) inFlightKeys.delete(e.key!);
        return entries.map(() => ({ status: 'accepted' as const }));
      },
    });
    await new AsyncSink(destination, { ordered, maxInFlightRequests: 4 }).run(
      makeRecords(100, 10, 1, (r) => `k${r % 5}`),
    );
    expect(overlap).toBe(false);
    for (const request of destination.requests) {
      expect(new Set(request.map((e) => e.key)).size).toBe(request.length);
    }
    const order = destination.requests
      .flat()
      .filter((e) => e.key === 'k3')
      .map((e) => Number(e.id.slice(1, -2)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('fails the later entries of a key whose entry failed, without sending them', async () => {
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((e) =>
          e.id === 'r2e0' ? { status: 'fatal', code: 'InvalidParameterValue' } : { status: 'accepted' },
        ),
    });
    const records = makeRecords(10, 10, 1, (r) => (r % 2 === 0 ? 'even' : 'odd'));
    const result = await new AsyncSink(destination, { ordered, maxInFlightRequests: 1 }).run(records);
    const byId = new Map(result.outcomes.map((o) => [o.id, o]));
    expect(byId.get('r0')?.status).toBe('done');
    expect(byId.get('r2')).toMatchObject({ status: 'failed', code: 'InvalidParameterValue' });
    for (const id of ['r4', 'r6', 'r8']) {
      expect(byId.get(id)).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
      expect(destination.sent.has(`${id}e0`)).toBe(false);
    }
    for (const id of ['r1', 'r3', 'r5', 'r7', 'r9']) expect(byId.get(id)?.status).toBe('done');
  });
});

describe('ordered mode: an entry whose record already failed', () => {
  /** r0 has entries on K1 and K2; r1 has one entry on K2, which must not overtake r0's. */
  const records = [
    {
      id: 'r0',
      entries: [
        { id: 'r0-K1', size: 10, key: 'K1' },
        { id: 'r0-K2', size: 10, key: 'K2' },
      ],
    },
    { id: 'r1', entries: [{ id: 'r1-K2', size: 10, key: 'K2' }] },
  ];

  it.each([
    ['a per-entry throttle', { status: 'retryable', code: 'Throttled', throttled: true } as const],
    ['a per-entry internal error', { status: 'retryable', code: 'InternalFailure' } as const],
  ])('fails the later entries of its key unsent when it then gets %s', async (_name, second) => {
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((e) =>
          e.id === 'r0-K1'
            ? { status: 'fatal', code: 'InvalidParameterValue' }
            : e.id === 'r0-K2'
              ? second
              : { status: 'accepted' },
        ),
    });

    const result = await new AsyncSink(destination, { ...quick, ordered: true }).run(records);

    expect(destination.requests.map((r) => r.map((e) => e.id))).toEqual([['r0-K1', 'r0-K2']]);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: 'InvalidParameterValue' });
    expect(result.outcomes[1]).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
  });

  it('fails the later entries of its key unsent when its request then fails whole', async () => {
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      // r0-K1 fails for good after 5 ms, while r0-K2 (started the next event-loop turn) is in
      // flight; r0-K2's request then fails whole ("socket hang up").
      latencyMs: (call) => (call === 0 ? 5 : 20),
      behaviour: (entries) => {
        return entries[0].id === 'r0-K1'
          ? [{ status: 'fatal', code: 'InvalidParameterValue' }]
          : entries[0].id === 'r0-K2'
            ? new FakeRequestError('retryable', 'ECONNRESET')
            : [{ status: 'accepted' }];
      },
    });

    const result = await new AsyncSink(destination, { ...quick, ordered: true, maxInFlightRequests: 2 }).run(
      records,
    );

    expect(destination.requests).toHaveLength(2);
    expect(destination.sent.has('r1-K2')).toBe(false);
    expect(result.outcomes[1]).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
  });

  it('fails the later entries of its key unsent when its request times out', async () => {
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      latencyMs: (call) => (call === 0 ? 5 : 0),
      behaviour: (entries) =>
        entries[0].id === 'r0-K1'
          ? [{ status: 'fatal', code: 'InvalidParameterValue' }]
          : entries[0].id === 'r0-K2'
            ? 'hang'
            : [{ status: 'accepted' }],
    });

    const result = await new AsyncSink(destination, {
      ...quick,
      ordered: true,
      maxInFlightRequests: 2,
      requestTimeoutMs: 30,
    }).run(records);

    expect(destination.sent.has('r1-K2')).toBe(false);
    expect(result.outcomes[1]).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
  });
});

describe('ordered mode: an entry rejected before sending', () => {
  const entry = (id: string, key: string, size = 10) => ({ id, size, key });

  it('fails the later entries of its key, and of every key of its record, unsent', async () => {
    const destination = new FakeDestination({ limits: { maxBytesPerEntry: 100 } });
    const records = [
      { id: 'r0', entries: [entry('r0-K1', 'K1'), entry('r0-K2', 'K2', 101)] },
      { id: 'r1', entries: [entry('r1-K2', 'K2')] },
      { id: 'r2', entries: [entry('r2-K3', 'K3'), entry('r2-K1', 'K1')] },
      { id: 'r3', entries: [entry('r3-K3', 'K3')] },
      { id: 'r4', entries: [entry('r4-K4', 'K4')] },
    ];

    const result = await new AsyncSink(destination, { ordered: true }).run(records);

    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: FailureCode.InvalidEntry });
    // Each names the record it waits for: r1 and r2 wait for r0, r3 for r2 (through K3).
    for (const [position, predecessor] of [
      [1, 'r0'],
      [2, 'r0'],
      [3, 'r2'],
    ] as const) {
      const outcome = result.outcomes[position];
      expect(outcome).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
      expect(outcome.status === 'failed' && outcome.reason).toContain(`(record ${predecessor})`);
    }
    expect(result.outcomes[4].status).toBe('done');
    expect([...destination.sent]).toEqual(['r4-K4']);
  });

  it('blocks the keys of an entry the destination calls invalid', async () => {
    const destination = new FakeDestination();
    const records = [
      { id: 'r0', entries: [{ ...entry('r0-K1', 'K1'), invalid: 'empty partition key' }] },
      { id: 'r1', entries: [entry('r1-K1', 'K1')] },
    ];

    const result = await new AsyncSink(destination, { ordered: true }).run(records);

    expect(result.outcomes[1]).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
    expect(destination.sent.size).toBe(0);
  });

  it('does not block anything in unordered mode', async () => {
    const destination = new FakeDestination({ limits: { maxBytesPerEntry: 100 } });
    const records = [
      { id: 'r0', entries: [entry('r0-K1', 'K1', 101)] },
      { id: 'r1', entries: [entry('r1-K1', 'K1')] },
    ];

    const result = await new AsyncSink(destination, { ordered: false }).run(records);

    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'done']);
  });
});

describe('options', () => {
  it.each([
    ['maxInFlightRequests', 0],
    ['maxInFlightRequests', 1.5],
    ['maxAttempts', 101],
    ['initialBackoffMs', -1],
    ['maxBackoffMs', Number.NaN],
    ['requestTimeoutMs', 1],
  ])('rejects %s = %s, naming the option and its range', (option, value) => {
    const create = () => new AsyncSink(new FakeDestination(), { [option]: value });
    expect(create).toThrow(SinkConfigurationError);
    expect(create).toThrow(new RegExp(`${option} must be .* from \\d+ to \\d+`));
  });

  it.each([
    [
      'a backoff cap below the initial backoff',
      { initialBackoffMs: 100, maxBackoffMs: 10 },
      'maxBackoffMs',
      'maxBackoffMs (10) must be at least initialBackoffMs (100)',
    ],
    [
      'a rate limiter that is not one',
      { rateLimiter: { shouldBlock: () => false } as unknown as RateLimitingStrategy },
      'rateLimiter',
      'rateLimiter must implement RateLimitingStrategy; registerInFlightRequest() is missing',
    ],
    [
      'an ordered that is not a boolean',
      { ordered: 'yes' as unknown as boolean },
      'ordered',
      'ordered must be true or false; got "yes"',
    ],
    [
      'a random that is not a function',
      { random: 0.5 as unknown as () => number },
      'random',
      'random must be a function returning a number in [0, 1)',
    ],
  ])('rejects %s, naming the option', (_name, options, option, message) => {
    // Act
    const error = (() => {
      try {
        new AsyncSink(new FakeDestination(), options);
      } catch (thrown) {
        return thrown;
      }
    })();

    // Assert
    expect(error).toBeInstanceOf(SinkConfigurationError);
    expect(error).toMatchObject({ option, message });
  });
});
