import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AsyncSink, type Destination, FailureCode } from '../../lib/core/index.js';
import {
  baseDestination,
  countSameTurnSends,
  FakeDestination,
  type FakeEntry,
  FakeRequestError,
  makeRecords,
} from './fake-destination.js';
import { RecordingLimiter } from './recording-limiter.js';

/**
 * Details of the sink that the mutation run (docs/mutation-testing.md) found no test for:
 * stats, reasons, the rate limiter's say, timers left behind, the deadline's edge cases.
 */

const quick = { initialBackoffMs: 1, maxBackoffMs: 2 };

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('stats', () => {
  it('counts records, entries, requests, retries, throttles and time', async () => {
    // Arrange: r1 is refused for good, r2 is throttled once; 5 ms per request.
    const destination = new FakeDestination({
      latencyMs: 5,
      behaviour: (entries, call) =>
        entries.map((entry) =>
          entry.id === 'r1e0'
            ? { status: 'fatal', code: 'Invalid' }
            : entry.id === 'r2e0' && call === 0
              ? { status: 'retryable', code: 'Throttled', throttled: true }
              : { status: 'accepted' },
        ),
    });

    // Act
    const { stats } = await new AsyncSink(destination, quick).run(makeRecords(3));

    // Assert
    expect(stats).toMatchObject({
      records: 3,
      recordsDone: 2,
      recordsFailed: 1,
      entries: 3,
      entriesSent: 4,
      entriesAccepted: 2,
      entriesRetried: 1,
      requests: 2,
      requestsFailed: 0,
      throttles: 1,
      deadlineReached: false,
    });
    expect(stats.elapsedMs).toBeGreaterThanOrEqual(9);
    expect(stats.elapsedMs).toBeLessThan(5_000);
  });

  it('counts a whole request throttled as a throttle and tells the rate limiter so', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        call === 0
          ? new FakeRequestError('retryable', 'ProvisionedThroughputExceeded', true)
          : entries.map(() => ({ status: 'accepted' })),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { stats } = await new AsyncSink(destination, { ...quick, rateLimiter: limiter }).run(
      makeRecords(2),
    );

    // Assert
    expect(stats).toMatchObject({ throttles: 1, requestsFailed: 1, recordsDone: 2 });
    expect(limiter.completed[0]).toEqual({
      batchSize: 2,
      failedEntries: 2,
      throttledEntries: 2,
      throttled: true,
    });
  });

  it('does not count a whole request that failed unthrottled as a throttle', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        call === 0
          ? new FakeRequestError('retryable', 'ECONNRESET')
          : entries.map(() => ({ status: 'accepted' })),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { stats } = await new AsyncSink(destination, { ...quick, rateLimiter: limiter }).run(
      makeRecords(2),
    );

    // Assert
    expect(stats.throttles).toBe(0);
    expect(stats.batchFill).toBeCloseTo(4 / 500, 10);
    expect(limiter.completed[0]).toEqual({
      batchSize: 2,
      failedEntries: 2,
      throttledEntries: 0,
      throttled: false,
    });
  });

  it('tells the rate limiter a request that failed fatally failed whole, unthrottled', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: () => new FakeRequestError('fatal', 'AccessDenied'),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { stats } = await new AsyncSink(destination, { rateLimiter: limiter }).run(makeRecords(2));

    // Assert
    expect(stats).toMatchObject({
      requestsFailed: 1,
      recordsFailed: 2,
      fatalError: 'AccessDenied: AccessDenied',
    });
    expect(limiter.completed).toEqual([
      { batchSize: 2, failedEntries: 2, throttledEntries: 0, throttled: false },
    ]);
  });

  it('does not retry the entry of a record that failed through another entry of the same request', async () => {
    // Arrange: r0's first entry is refused for good, its second fails retryably.
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((entry) =>
          entry.id === 'r0e0'
            ? { status: 'fatal', code: 'Invalid' }
            : { status: 'retryable', code: 'InternalFailure' },
        ),
    });

    // Act
    const { stats, outcomes } = await new AsyncSink(destination, quick).run(makeRecords(1, 10, 2));

    // Assert
    expect(outcomes[0]).toMatchObject({ status: 'failed', code: 'Invalid' });
    expect(stats.entriesRetried).toBe(0);
    expect(destination.requests).toHaveLength(1);
  });

  it('does not count an entry that failed retryably, unthrottled, as a throttle', async () => {
    // Arrange: r0's entry fails once with a plain retryable error, then is accepted.
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        entries.map(() =>
          call === 0 ? { status: 'retryable', code: 'InternalFailure' } : { status: 'accepted' },
        ),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { stats, outcomes } = await new AsyncSink(destination, { ...quick, rateLimiter: limiter }).run(
      makeRecords(1),
    );

    // Assert
    expect(outcomes[0]?.status).toBe('done');
    expect(stats).toMatchObject({ throttles: 0, entriesRetried: 1 });
    expect(limiter.completed[0]).toEqual({
      batchSize: 1,
      failedEntries: 1,
      throttledEntries: 0,
      throttled: false,
    });
  });

  it('counts a bisected request as failed and tells the rate limiter it was not throttled', async () => {
    // Arrange: the service refuses any request holding r1's entry, without naming it.
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.some((entry) => entry.id === 'r1e0')
          ? new FakeRequestError('bisect', 'ValidationException')
          : entries.map(() => ({ status: 'accepted' })),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { stats, outcomes } = await new AsyncSink(destination, { rateLimiter: limiter }).run(
      makeRecords(2),
    );

    // Assert: [r0, r1] refused, then [r0] accepted and [r1] refused alone.
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'failed']);
    expect(stats).toMatchObject({ requests: 3, requestsFailed: 2, requestsBisected: 1 });
    expect(limiter.completed[0]).toEqual({
      batchSize: 2,
      failedEntries: 2,
      throttledEntries: 0,
      throttled: false,
    });
  });
});

describe('reasons', () => {
  it('names the code and message of an entry the destination rejects', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map(() => ({ status: 'fatal', code: 'InvalidArgument', message: 'too odd' })),
    });

    // Act
    const { outcomes } = await new AsyncSink(destination).run(makeRecords(1));

    // Assert
    expect(outcomes[0]).toEqual({
      id: 'r0',
      status: 'failed',
      code: 'InvalidArgument',
      reason: 'fake rejected entry: InvalidArgument: too odd',
    });
  });

  it('names only the code of a rejected entry without a message, and code and message of the last retry', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((entry) =>
          entry.id === 'r0e0'
            ? { status: 'fatal', code: 'InvalidArgument' }
            : { status: 'retryable', code: 'InternalFailure', message: 'try later' },
        ),
    });

    // Act
    const { outcomes } = await new AsyncSink(destination, { ...quick, maxAttempts: 1 }).run(makeRecords(2));

    // Assert
    expect(outcomes[0]).toMatchObject({ reason: 'fake rejected entry: InvalidArgument' });
    expect(outcomes[1]).toMatchObject({
      code: FailureCode.RetriesExhausted,
      reason: 'gave up after 1 attempts; last error InternalFailure: try later',
    });
  });

  it('fails a deferred entry with Deferred, naming the code and message', async () => {
    // Arrange
    const destination = new FakeDestination({
      behaviour: (entries) =>
        entries.map((entry) =>
          entry.id === 'r0e0'
            ? { status: 'deferred', code: 'UnprocessedItems', message: 'later' }
            : { status: 'deferred', code: 'UnprocessedItems' },
        ),
    });

    // Act
    const { outcomes } = await new AsyncSink(destination).run(makeRecords(2));

    // Assert
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      code: FailureCode.Deferred,
      reason: 'fake deferred entry to a later invocation: UnprocessedItems: later',
    });
    expect(outcomes[1]).toMatchObject({
      reason: 'fake deferred entry to a later invocation: UnprocessedItems',
    });
  });

  it('says only "deadline" for a record that was never tried and failed, even when others were', async () => {
    // Arrange: r0's request never answers; r1's always fails retryably.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      behaviour: (entries) =>
        entries[0].id === 'r0e0' ? 'hang' : [{ status: 'retryable', code: 'InternalFailure' }],
    });

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      initialBackoffMs: 10,
      maxBackoffMs: 10,
      maxInFlightRequests: 2,
      maxAttempts: 100,
    }).run(makeRecords(2), { deadline: Date.now() + 80 });

    // Assert
    expect(outcomes[0]).toEqual({
      id: 'r0',
      status: 'failed',
      code: FailureCode.DeadlineReached,
      reason: 'the invocation deadline came before the record was sent',
    });
    expect(outcomes[1]).toMatchObject({
      reason: 'the invocation deadline came before the record was sent; last send error: InternalFailure',
    });
  });

  it('names the group of a record cut off after its group failed before sending', async () => {
    // Arrange
    const records = [
      { id: 'a', group: 'g1', entries: [{ id: 'a0', size: 10, invalid: 'no body' }] },
      { id: 'b', group: 'g1', entries: [{ id: 'b0', size: 10 }] },
      { id: 'c', entries: [{ id: 'c0', size: 10 }] },
    ];

    // Act
    const { outcomes } = await new AsyncSink(new FakeDestination()).run(records);

    // Assert
    expect(outcomes[1]).toMatchObject({
      code: FailureCode.PredecessorFailed,
      reason: 'an earlier record of group g1 failed before sending',
    });
    expect(outcomes[2].status).toBe('done');
  });
});

describe('the result', () => {
  it('has no stopped field when the run did not stop', async () => {
    // Arrange
    const destination = new FakeDestination();

    // Act
    const result = await new AsyncSink(destination).run(makeRecords(2));

    // Assert: a caller that spreads or serializes the result sees no `stopped: undefined`.
    expect(Object.keys(result).sort()).toEqual(['outcomes', 'stats']);
  });
});

describe('entries checked before sending', () => {
  it('fails a record whose first entry is invalid even when its later entries are fine', async () => {
    // Arrange
    const destination = new FakeDestination();
    const records = [
      {
        id: 'r0',
        entries: [
          { id: 'bad', size: 10, invalid: 'empty partition key' },
          { id: 'good', size: 10 },
        ],
      },
    ];

    // Act
    const { outcomes } = await new AsyncSink(destination).run(records);

    // Assert
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      code: FailureCode.InvalidEntry,
      reason: 'empty partition key',
    });
    expect(destination.requests).toHaveLength(0);
  });

  it('fails a record whose ordering key cannot be read, naming the entry', async () => {
    // Arrange
    const destination = new FakeDestination();
    destination.orderingKeyOf = (entry: FakeEntry) => {
      if (entry.id === 'r0e1') throw new Error('no key');
      return entry.key;
    };

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(makeRecords(2, 10, 2));

    // Assert
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      code: FailureCode.InvalidEntry,
      reason: "entry 1's ordering key could not be read: no key",
    });
    expect(outcomes[1].status).toBe('done');
    expect(destination.sent.has('r0e0')).toBe(false);
  });
});

/** A plain-object destination over the fake, without ordering keys, whose send() is `send`. */
function customDestination(
  fake: FakeDestination,
  send: Destination<FakeEntry>['send'],
): Destination<FakeEntry> {
  return { ...baseDestination(fake), send };
}

describe('ordering keys', () => {
  it('reads no ordering key in unordered mode', async () => {
    // Arrange: a destination whose ordering key cannot be read.
    const destination = new FakeDestination();
    destination.orderingKeyOf = () => {
      throw new Error('no key');
    };

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: false }).run(makeRecords(2));

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('sends in ordered mode to a destination without ordering keys, each entry its own key', async () => {
    // Arrange
    const fake = new FakeDestination();
    const destination = customDestination(fake, (entries, signal) => fake.send(entries, signal));

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(makeRecords(3));

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('packs entries without a key in ordered mode as entries of distinct keys', async () => {
    // Arrange: no entry has a key; one entry per key and request would make 20 requests.
    const destination = new FakeDestination({ limits: { maxEntriesPerRequest: 10 } });

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(makeRecords(20));

    // Assert
    expect(destination.requests.map((request) => request.length)).toEqual([10, 10]);
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('blocks nothing in ordered mode for a failed entry without a key', async () => {
    // Arrange: r0's entry has no key and is invalid; r1's entry has no key either.
    const records = [
      { id: 'r0', entries: [{ id: 'r0e0', size: 10, invalid: 'no body' }] },
      { id: 'r1', entries: [{ id: 'r1e0', size: 10 }] },
    ];
    const destination = new FakeDestination();

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records);

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'done']);
    expect(destination.sent.has('r1e0')).toBe(true);
  });

  it('fails the later entries of a key when the queue drops an entry whose record failed meanwhile', async () => {
    // Arrange: ra's K2 entry holds K2 in flight for 20 ms while r0's K1 entry is refused,
    // so r0's K2 entry is dropped unsent, and r1's K2 entry behind it must fail with it.
    const destination = new FakeDestination({
      latencyMs: 20,
      behaviour: (entries) =>
        entries.map((entry) =>
          entry.id === 'r0-K1' ? { status: 'fatal', code: 'Invalid' } : { status: 'accepted' },
        ),
    });
    const records = [
      { id: 'ra', entries: [{ id: 'ra-K2', size: 10, key: 'K2' }] },
      {
        id: 'r0',
        entries: [
          { id: 'r0-K1', size: 10, key: 'K1' },
          { id: 'r0-K2', size: 10, key: 'K2' },
        ],
      },
      { id: 'r1', entries: [{ id: 'r1-K2', size: 10, key: 'K2' }] },
    ];

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records);

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'failed', 'failed']);
    expect(outcomes[2]).toMatchObject({ code: FailureCode.PredecessorFailed });
    expect(destination.sent.has('r1-K2')).toBe(false);
  });
});

describe('ordered mode: keys blocked before sending', () => {
  it('fails a record whose first key is blocked even when its second is not', async () => {
    // Arrange
    const destination = new FakeDestination();
    const records = [
      { id: 'r0', entries: [{ id: 'r0-K1', size: 10, key: 'K1', invalid: 'too big' }] },
      {
        id: 'r1',
        entries: [
          { id: 'r1-K1', size: 10, key: 'K1' },
          { id: 'r1-K2', size: 10, key: 'K2' },
        ],
      },
    ];

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records);

    // Assert
    expect(outcomes[1]).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
    expect(destination.requests).toHaveLength(0);
  });

  it('blocks only the keys of the failed record, not those of an earlier longer record', async () => {
    // Arrange: r0 (K1, K2) is fine; r1 (K3) is invalid; r2 (K2) must still go.
    const destination = new FakeDestination();
    const records = [
      {
        id: 'r0',
        entries: [
          { id: 'r0-K1', size: 10, key: 'K1' },
          { id: 'r0-K2', size: 10, key: 'K2' },
        ],
      },
      { id: 'r1', entries: [{ id: 'r1-K3', size: 10, key: 'K3', invalid: 'too big' }] },
      { id: 'r2', entries: [{ id: 'r2-K2', size: 10, key: 'K2' }] },
    ];

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records);

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'failed', 'done']);
  });

  it('names the first record that failed on a key, however many were cut off after it', async () => {
    // Arrange
    const records = ['r0', 'r1', 'r2'].map((id, i) => ({
      id,
      entries: [{ id: `${id}-K`, size: 10, key: 'K', invalid: i === 0 ? 'too big' : undefined }],
    }));

    // Act
    const { outcomes } = await new AsyncSink(new FakeDestination(), { ordered: true }).run(records);

    // Assert
    expect(outcomes[2]).toMatchObject({
      code: FailureCode.PredecessorFailed,
      reason: 'an earlier entry with the same ordering key (record r0) failed',
    });
  });

  it('blocks the keys of a record cut off with its group, so that no later record of those keys overtakes it', async () => {
    // Arrange: a0 fails before sending, so a1 (same group, key K) is cut off; x (no group, key K) comes after.
    const records = [
      { id: 'a0', group: 'g', entries: [{ id: 'a0e', size: 10, key: 'J', invalid: 'no body' }] },
      { id: 'a1', group: 'g', entries: [{ id: 'a1e', size: 10, key: 'K' }] },
      { id: 'x', entries: [{ id: 'xe', size: 10, key: 'K' }] },
      { id: 'y', entries: [{ id: 'ye', size: 10, key: 'L' }] },
    ];
    const destination = new FakeDestination();

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records);

    // Assert: x would reach the destination before a1, which the source sends again later.
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'done']);
    expect(outcomes[2]).toMatchObject({
      code: FailureCode.PredecessorFailed,
      reason: 'an earlier entry with the same ordering key (record a1) failed',
    });
    expect(destination.requests.flat().map((entry) => entry.id)).toEqual(['ye']);
  });

  it('names the record that failed first on a key, when an earlier record of the key fails in flight after it', async () => {
    // Arrange: r0 (key K) is in flight until r1 (key K, invalid) has failed before sending;
    // then r0 is refused, and r2 (key K) is read.
    let answerR0 = () => {};
    const r0Answered = new Promise<void>((resolve) => {
      answerR0 = resolve;
    });
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      behaviour: async (entries) => {
        await r0Answered;
        return entries.map(() => ({ status: 'fatal', code: 'Invalid' }));
      },
    });
    async function* records() {
      yield { id: 'r0', entries: [{ id: 'r0e', size: 10, key: 'K' }] };
      yield { id: 'r1', entries: [{ id: 'r1e', size: 10, key: 'K', invalid: 'no body' }] };
      answerR0();
      await new Promise((resolve) => setImmediate(resolve));
      yield { id: 'r2', entries: [{ id: 'r2e', size: 10, key: 'K' }] };
    }

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true }).run(records());

    // Assert
    expect(outcomes.map((o) => o.status === 'failed' && o.code)).toEqual([
      'Invalid',
      FailureCode.InvalidEntry,
      FailureCode.PredecessorFailed,
    ]);
    expect(outcomes[2]).toMatchObject({
      reason: 'an earlier entry with the same ordering key (record r1) failed',
    });
    expect(destination.requests.flat().map((entry) => entry.id)).toEqual(['r0e']);
  });

  it('runs in ordered mode for a destination that refuses two entries of one key in a request', async () => {
    // Arrange
    const destination = Object.assign(new FakeDestination(), { distinctKeysPerRequest: true });

    // Act
    await new AsyncSink(destination).run(makeRecords(4, 10, 1, (r) => `K${r % 2}`));

    // Assert
    for (const request of destination.requests) {
      const keys = request.map((entry) => entry.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(destination.requests.length).toBeGreaterThanOrEqual(2);
  });
});

describe('in flight and event-loop turns', () => {
  it('keeps to maxInFlightRequests when the byte limit, not the entry limit, fills the requests', async () => {
    // Arrange: one 600-byte entry per 1,000-byte request, so the rate limiter's entry window never binds.
    const destination = new FakeDestination({ latencyMs: 5, limits: { maxBytesPerRequest: 1_000 } });

    // Act
    const { outcomes } = await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(
      makeRecords(8, 600),
    );

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.maxInFlight).toBe(2);
  });

  it('starts at most one request per event-loop turn, even when the destination answers at once', async () => {
    // Arrange: a send made before the turn of the previous one ended is counted.
    const destination = new FakeDestination({ limits: { maxEntriesPerRequest: 1 } });
    const sameTurnSends = countSameTurnSends(destination);

    // Act
    await new AsyncSink(destination, { maxInFlightRequests: 4 }).run(makeRecords(20));

    // Assert
    expect(destination.requests).toHaveLength(20);
    expect(sameTurnSends()).toBe(0);
  });
});

describe('the rate limiter', () => {
  it('is asked with the size of the request it may block, and holds it back while it says so', async () => {
    // Arrange: one request in flight at most, by the limiter's word alone.
    const destination = new FakeDestination({ latencyMs: 5, limits: { maxEntriesPerRequest: 3 } });
    const limiter = new RecordingLimiter((inFlight) => inFlight >= 1);

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      maxInFlightRequests: 4,
      rateLimiter: limiter,
    }).run(makeRecords(7));

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(limiter.maxInFlight).toBe(1);
    expect(destination.maxInFlight).toBe(1);
    expect(limiter.blockedSizes).toContain(3);
    expect(new Set(limiter.blockedSizes)).toEqual(new Set([3, 1]));
  });

  it('is asked again soon when it blocks with nothing in flight', async () => {
    // Arrange: refuses its first three answers, with nothing in flight to wake the sink.
    const destination = new FakeDestination();
    const limiter = new RecordingLimiter((_inFlight, call) => call < 3);
    const started = Date.now();

    // Act
    const { outcomes } = await new AsyncSink(destination, { rateLimiter: limiter }).run(makeRecords(2), {
      deadline: started + 3_000,
    });

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('backoff', () => {
  it('waits the backoff before a retry, and no longer than it needs', async () => {
    // Arrange: the first attempt fails; jitter at its top, so the wait is the full 60 ms.
    const sentAt: number[] = [];
    const destination = new FakeDestination({
      behaviour: (entries, call) => {
        sentAt.push(Date.now());
        return call === 0
          ? entries.map(() => ({ status: 'retryable', code: 'InternalFailure' }))
          : entries.map(() => ({ status: 'accepted' }));
      },
    });

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      initialBackoffMs: 60,
      maxBackoffMs: 60,
      random: () => 0.999,
    }).run(makeRecords(1));

    // Assert
    expect(outcomes[0].status).toBe('done');
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(55);
    expect(sentAt[1] - sentAt[0]).toBeLessThan(1_500);
  });

  it('draws one backoff per request with entries to retry, and none for a request all accepted', async () => {
    // Arrange: three requests of one entry; the first fails once, the others are accepted.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      behaviour: (entries, call) =>
        call === 0
          ? entries.map(() => ({ status: 'retryable', code: 'InternalFailure' }))
          : entries.map(() => ({ status: 'accepted' })),
    });
    let draws = 0;
    const random = () => {
      draws++;
      return 0;
    };

    // Act
    const { outcomes } = await new AsyncSink(destination, { ...quick, random }).run(makeRecords(3));

    // Assert: the user's random is asked once, for the one retry.
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests).toHaveLength(4);
    expect(draws).toBe(1);
  });
});

describe('deadlines', () => {
  it('sends everything when a numeric deadline is far enough away', async () => {
    // Arrange
    const destination = new FakeDestination({ latencyMs: 5 });

    // Act
    const { outcomes, stats } = await new AsyncSink(destination).run(makeRecords(3), {
      deadline: Date.now() + 5_000,
    });

    // Assert
    expect(stats.deadlineReached).toBe(false);
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('sends nothing when the deadline signal has already fired', async () => {
    // Arrange
    const destination = new FakeDestination();
    const controller = new AbortController();
    controller.abort();

    // Act
    const { outcomes, stats } = await new AsyncSink(destination).run(makeRecords(2), {
      deadline: controller.signal,
    });

    // Assert
    expect(stats.deadlineReached).toBe(true);
    expect(outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.DeadlineReached)).toBe(true);
    expect(destination.requests).toHaveLength(0);
  });

  it('aborts the requests in flight when a fatal error stops the run', async () => {
    // Arrange: r0's request fails fatally after 5 ms while r1's is on the wire for 300 ms.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      latencyMs: (call) => (call === 0 ? 5 : 300),
      behaviour: (entries) =>
        entries[0].id === 'r0e0' ? new FakeRequestError('fatal', 'AccessDenied') : [{ status: 'accepted' }],
    });

    // Act
    const { outcomes } = await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(makeRecords(2));
    const inFlightAtReturn = destination.inFlight;

    // Assert
    expect(outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.SendingStopped)).toBe(true);
    expect(inFlightAtReturn).toBe(0);
    expect(destination.accepted.size).toBe(0);
  });

  it('tells the requests it abandons that the sink stopped, through their signals', async () => {
    // Arrange: r0's request fails fatally after 5 ms while r1's is on the wire for 300 ms.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      latencyMs: (call) => (call === 0 ? 5 : 300),
      behaviour: (entries) =>
        entries[0].id === 'r0e0' ? new FakeRequestError('fatal', 'AccessDenied') : [{ status: 'accepted' }],
    });

    // Act
    await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(makeRecords(2));

    // Assert
    expect(destination.signals).toHaveLength(2);
    expect(destination.signals[0]?.aborted).toBe(false);
    expect(String(destination.signals[1]?.reason)).toBe('Error: the sink stopped');
  });

  it('does not wait for a send() that ignores its abort once the deadline signal has fired', async () => {
    // Arrange
    const destination = customDestination(new FakeDestination(), () => new Promise<never>(() => {}));
    const started = Date.now();

    // Act
    const { stats } = await new AsyncSink(destination).run(makeRecords(2), {
      deadline: AbortSignal.timeout(50),
    });

    // Assert
    expect(stats.deadlineReached).toBe(true);
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('leaves no listener on the deadline signal after waiting for an aborted send() to end', async () => {
    // Arrange: r0's first entry is refused after 5 ms while its second is on the wire.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      latencyMs: (call) => (call === 0 ? 5 : 300),
      behaviour: (entries) =>
        entries[0].id === 'r0e0' ? [{ status: 'fatal', code: 'Invalid' }] : [{ status: 'accepted' }],
    });
    const controller = new AbortController();

    // Act
    await new AsyncSink(destination, { maxInFlightRequests: 2 }).run(makeRecords(1, 10, 2), {
      deadline: controller.signal,
    });

    // Assert
    expect(destination.requests).toHaveLength(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener on the deadline signal and no timer behind', async () => {
    // Arrange
    const controller = new AbortController();
    const timersBefore = timeouts();

    // Act
    await new AsyncSink(new FakeDestination()).run(makeRecords(2), { deadline: controller.signal });
    await new AsyncSink(new FakeDestination()).run(makeRecords(2), { deadline: Date.now() + 60_000 });

    // Assert
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(timeouts()).toBe(timersBefore);
  });
});

describe('requests that time out or fail unclassified', () => {
  it('gives a timed-out request a reason with the timeout, and does not count it as a throttle', async () => {
    // Arrange: the destination never answers.
    const destination = new FakeDestination({ behaviour: () => 'hang' });

    // Act
    const { outcomes, stats } = await new AsyncSink(destination, {
      ...quick,
      requestTimeoutMs: 20,
      maxAttempts: 1,
    }).run(makeRecords(1));

    // Assert
    expect(outcomes[0]).toMatchObject({
      code: FailureCode.RetriesExhausted,
      reason: 'gave up after 1 attempts; last error RequestTimeout: no response within 20 ms',
    });
    expect(stats.throttles).toBe(0);
  });

  it.each([
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['no code', { kind: 'retryable', message: 'm', throttled: false }, 'an object'],
    ['an unknown kind', { kind: 'maybe', code: 'X', message: 'm' }, 'an object'],
  ])(
    'names the error and what classifyError did wrong when it answers %s',
    async (_name, answer, described) => {
      // Arrange
      const destination = new FakeDestination({ behaviour: () => new FakeRequestError('retryable', 'Boom') });
      destination.classifyError = () => answer as never;

      // Act
      const { outcomes, stats } = await new AsyncSink(destination, { ...quick, maxAttempts: 1 }).run(
        makeRecords(1),
      );

      // Assert
      expect(outcomes[0]).toMatchObject({
        reason: `gave up after 1 attempts; last error UnclassifiedError: Boom: Boom (classifyError() returned ${described})`,
      });
      expect(stats.throttles).toBe(0);
    },
  );

  it('leaves the signal of a request that answered, or failed, unaborted when the run ends', async () => {
    // Arrange: the first request fails, its retry is accepted; the destination keeps their signals.
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        call === 0 ? new FakeRequestError('retryable', 'Boom') : entries.map(() => ({ status: 'accepted' })),
    });

    // Act
    const { outcomes } = await new AsyncSink(destination, quick).run(makeRecords(1));

    // Assert: an SDK call or a user's own listener sees no abort for a call that ended.
    expect(outcomes[0]?.status).toBe('done');
    expect(destination.signals.map((signal) => signal.aborted)).toEqual([false, false]);
  });

  it('aborts the signal of a timed-out request with a reason that names the timeout', async () => {
    // Arrange: the destination never answers, and keeps the signal it was given.
    const destination = new FakeDestination({ behaviour: () => 'hang' });

    // Act
    await new AsyncSink(destination, { ...quick, requestTimeoutMs: 20, maxAttempts: 1 }).run(makeRecords(1));

    // Assert: an SDK client given this signal ends its call with this reason.
    expect(destination.signals).toHaveLength(1);
    expect(destination.signals[0]?.aborted).toBe(true);
    expect(String(destination.signals[0]?.reason)).toBe('Error: request timed out after 20 ms');
  });

  it('takes a send() that throws instead of returning a promise as a failed request, classified', async () => {
    // Arrange: a custom destination whose send() throws before it returns anything.
    const destination = new FakeDestination();
    destination.send = () => {
      throw new Error('no connection');
    };
    destination.classifyError = (error) => ({
      kind: 'retryable',
      code: 'Refused',
      message: String(error),
      throttled: false,
    });

    // Act
    const { outcomes, stats } = await new AsyncSink(destination, { ...quick, maxAttempts: 2 }).run(
      makeRecords(1),
    );

    // Assert
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      code: FailureCode.RetriesExhausted,
      reason: 'gave up after 2 attempts; last error Refused: Error: no connection',
    });
    expect(stats.requestsFailed).toBe(2);
  });

  it('names the error and what classifyError threw when it throws, and does not count a throttle', async () => {
    // Arrange
    const destination = new FakeDestination({ behaviour: () => new FakeRequestError('retryable', 'Boom') });
    destination.classifyError = () => {
      throw new TypeError('cannot read code');
    };

    // Act
    const { outcomes, stats } = await new AsyncSink(destination, { ...quick, maxAttempts: 1 }).run(
      makeRecords(1),
    );

    // Assert
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      code: FailureCode.RetriesExhausted,
      reason:
        'gave up after 1 attempts; last error UnclassifiedError: Boom: Boom (classifyError() threw: TypeError: cannot read code)',
    });
    expect(stats.throttles).toBe(0);
  });
});
