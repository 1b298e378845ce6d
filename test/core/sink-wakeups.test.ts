/**
 * When the sink wakes up to start a request: once per event-loop turn, when a backoff has
 * passed, when a request ends; and never by polling while it waits. The rate limiter is a
 * user's own object, so how often the sink asks it is something the user sees (and pays for).
 */
import { describe, expect, it } from 'vitest';
import { AsyncSink, type EntryResult, FailureCode } from '../../lib/core/index.js';
import {
  countSameTurnSends,
  FakeDestination,
  type FakeEntry,
  type FakeOutcome,
  FakeRequestError,
  makeRecords,
} from './fake-destination.js';
import { RecordingLimiter } from './recording-limiter.js';

const accepted = (entries: readonly FakeEntry[]): FakeOutcome => entries.map(() => ({ status: 'accepted' }));

describe('one request per event-loop turn', () => {
  it('starts the retries of a wave of failed requests one per turn, even when they are ready at once', async () => {
    // Arrange: every entry fails its first attempt at once, with no backoff; a send made
    // before the turn of the previous one ended is counted.
    const tried = new Set<string>();
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      behaviour: (entries) =>
        entries.map((entry): EntryResult => {
          if (tried.has(entry.id)) return { status: 'accepted' };
          tried.add(entry.id);
          return { status: 'retryable', code: 'InternalFailure' };
        }),
    });
    const sameTurnSends = countSameTurnSends(destination);

    // Act
    const { outcomes } = await new AsyncSink(destination, { maxInFlightRequests: 4, random: () => 0 }).run(
      makeRecords(8),
    );

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests).toHaveLength(16);
    expect(sameTurnSends()).toBe(0);
  });

  it('has both halves of a bisected request in flight at once', async () => {
    // Arrange: the first request is refused whole; each half answers only once both are in flight.
    let openLatch = () => {};
    const bothInFlight = new Promise<void>((resolve) => {
      openLatch = resolve;
    });
    const destination = new FakeDestination({
      behaviour: async (entries, call) => {
        if (call === 0) return new FakeRequestError('bisect', 'Refused');
        if (call === 2) openLatch();
        await bothInFlight;
        return accepted(entries);
      },
    });

    // Act
    const { outcomes, stats } = await new AsyncSink(destination, { requestTimeoutMs: 1_000 }).run(
      makeRecords(4),
    );

    // Assert: one refused request and its two halves, none timed out.
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests.map((request) => request.length)).toEqual([4, 2, 2]);
    expect(stats).toMatchObject({ requests: 3, requestsFailed: 1, requestsBisected: 1 });
  });
});

describe('a retry whose backoff passes while another request is in flight', () => {
  it('is sent when its backoff has passed, not when the other request ends', async () => {
    // Arrange: r0 fails once, with a 50 ms backoff; r1's request answers only once r0's retry is sent.
    let openLatch = () => {};
    const retrySent = new Promise<void>((resolve) => {
      openLatch = resolve;
    });
    let r0Calls = 0;
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 1 },
      behaviour: async (entries) => {
        if (entries[0]?.id === 'r1e0') {
          await retrySent;
          return accepted(entries);
        }
        if (r0Calls++ === 0) return entries.map(() => ({ status: 'retryable', code: 'InternalFailure' }));
        openLatch();
        return accepted(entries);
      },
    });

    // Act
    const { outcomes, stats } = await new AsyncSink(destination, {
      maxInFlightRequests: 2,
      initialBackoffMs: 100,
      maxBackoffMs: 100,
      random: () => 0.5,
      requestTimeoutMs: 1_000,
    }).run(makeRecords(2));

    // Assert: no request timed out waiting.
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests.map((request) => request[0]?.id)).toEqual(['r0e0', 'r1e0', 'r0e0']);
    expect(stats).toMatchObject({ requests: 3, entriesRetried: 1 });
  });
});

describe('the backoff of a request whose entries failed after different numbers of attempts', () => {
  it('is that of the entry tried most, so that the entries that failed together are sent again together', async () => {
    // Arrange: r0's entry is sent alone 10 times (the rate limiter allows 1 entry per request),
    // failing at once with no backoff; then with r1's fresh entry, both fail: the backoff is
    // that of 11 attempts (1 ms × 2^10 ≈ 1 s), not of 1 (≈ 1 ms). The deadline comes 20 ms later.
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 2 },
      behaviour: (entries, call) =>
        call <= 10
          ? entries.map(() => ({ status: 'retryable', code: 'InternalFailure' }))
          : accepted(entries),
    });
    const limiter = new RecordingLimiter();
    limiter.maxBatchSize = () => (destination.requests.length < 10 ? 1 : 2);
    const deadline = new AbortController();
    const random = () => {
      if (destination.requests.length <= 10) return 0;
      setTimeout(() => deadline.abort(), 20);
      return 0.999;
    };

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      rateLimiter: limiter,
      maxAttempts: 20,
      initialBackoffMs: 1,
      maxBackoffMs: 60_000,
      random,
    }).run(makeRecords(2), { deadline: deadline.signal });

    // Assert: the 11th request held both entries, and nothing was sent before the deadline.
    expect(destination.requests.map((request) => request.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(outcomes.map((o) => o.status === 'failed' && o.code)).toEqual([
      FailureCode.DeadlineReached,
      FailureCode.DeadlineReached,
    ]);
  });
});

describe('no polling', () => {
  it('asks the rate limiter again only when a request ends, while it holds a request back', async () => {
    // Arrange: one request in flight at most, by the limiter's word; each takes 30 ms.
    const destination = new FakeDestination({ latencyMs: 30, limits: { maxEntriesPerRequest: 1 } });
    const limiter = new RecordingLimiter((inFlight) => inFlight >= 1);

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      maxInFlightRequests: 4,
      rateLimiter: limiter,
    }).run(makeRecords(3));

    // Assert: a few questions per request, not one per few milliseconds of waiting.
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests).toHaveLength(3);
    expect(limiter.blockedSizes.length).toBeLessThanOrEqual(10);
    expect(limiter.batchSizeCalls).toBeLessThanOrEqual(14);
  });

  it('waits out a backoff with one timer, without asking the rate limiter meanwhile', async () => {
    // Arrange: the first attempt fails; the backoff is 40 ms, nothing else is in flight.
    const destination = new FakeDestination({
      behaviour: (entries, call) =>
        call === 0
          ? entries.map(() => ({ status: 'retryable', code: 'InternalFailure' }))
          : accepted(entries),
    });
    const limiter = new RecordingLimiter();

    // Act
    const { outcomes } = await new AsyncSink(destination, {
      rateLimiter: limiter,
      initialBackoffMs: 40,
      maxBackoffMs: 40,
      random: () => 0.999,
    }).run(makeRecords(1));

    // Assert
    expect(outcomes[0]?.status).toBe('done');
    expect(destination.requests).toHaveLength(2);
    expect(limiter.batchSizeCalls).toBeLessThanOrEqual(6);
  });

  it('waits for the request of a key in flight in ordered mode, without asking the rate limiter meanwhile', async () => {
    // Arrange: two entries of one key, 60 ms per request: the second waits for the first.
    const destination = new FakeDestination({ latencyMs: 60 });
    const limiter = new RecordingLimiter();

    // Act
    const { outcomes } = await new AsyncSink(destination, { ordered: true, rateLimiter: limiter }).run(
      makeRecords(2, 10, 1, () => 'K'),
    );

    // Assert
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(destination.requests).toHaveLength(2);
    expect(limiter.batchSizeCalls).toBeLessThanOrEqual(8);
  });
});
