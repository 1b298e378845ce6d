/**
 * The sink's intake, in the details the mutation run (docs/mutation-testing.md) found no test
 * for: how much it reads before it starts a request, what a stop does to a promised record,
 * more records than its arrays first hold, and the input's own error.
 */
import { describe, expect, it } from 'vitest';
import { AimdRateLimiter, AsyncSink, FailureCode, type RecordReader } from '../../lib/core/index.js';
import { FakeDestination, type FakeEntry, makeRecords } from './fake-destination.js';
import { logged, loggingDestination } from './intake-log.js';

describe('how much the sink reads before it starts a request', () => {
  it('reads only what the rate limiter lets into one request when that is less than the entry limit', async () => {
    // Arrange: requests of 10 by the destination, of 5 by the rate limiter.
    const log: string[] = [];
    const destination = loggingDestination(log, { limits: { maxEntriesPerRequest: 10 } });
    const rateLimiter = new AimdRateLimiter({ maxInFlightEntries: 50, maxBatchSize: 5 });

    // Act
    const result = await new AsyncSink(destination, { rateLimiter }).run(logged(makeRecords(10), log));

    // Assert
    expect(log.indexOf('send r0e0')).toBe(log.indexOf('read r4') + 1);
    expect(destination.requests.map((request) => request.length)).toEqual([5, 5]);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });

  it('starts a request once the records read fill its bytes, before reading on', async () => {
    // Arrange: 100-byte entries, 1,000 bytes per request; the entry limit (500) does not bind.
    const log: string[] = [];
    const destination = loggingDestination(log, { limits: { maxBytesPerRequest: 1_000 } });

    // Act
    const result = await new AsyncSink(destination).run(logged(makeRecords(25, 100), log));

    // Assert
    expect(log.indexOf('send r0e0')).toBe(log.indexOf('read r9') + 1);
    expect(log.indexOf('send r10e0')).toBe(log.indexOf('read r19') + 1);
    expect(destination.requests.map((request) => request.length)).toEqual([10, 10, 5]);
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
  });
});

describe('a stop while reading', () => {
  it('does not wait for a record promised after the deadline signal fired', async () => {
    // Arrange: the reader's second call fires the deadline, then promises a record a turn later.
    const controller = new AbortController();
    const records = makeRecords(2);
    let calls = 0;
    const reader: RecordReader<FakeEntry> = () => {
      const record = records[calls++];
      if (calls === 1) return record;
      controller.abort();
      return new Promise((resolve) => setImmediate(() => resolve(record)));
    };

    // Act
    const result = await new AsyncSink(new FakeDestination()).run(reader, { deadline: controller.signal });

    // Assert: the promised record is not taken in; the one read fails for the deadline.
    expect(calls).toBe(2);
    expect(result.outcomes.map((o) => [o.id, o.status === 'failed' ? o.code : o.status])).toEqual([
      ['r0', FailureCode.DeadlineReached],
    ]);
    expect(result.stopped?.code).toBe(FailureCode.DeadlineReached);
  });

  it('rejects with the very error the input threw', async () => {
    // Arrange
    const broken = new Error('the source broke');
    function* failing() {
      yield* makeRecords(3);
      throw broken;
    }

    // Act
    const running = new AsyncSink(new FakeDestination()).run(failing());

    // Assert
    await expect(running).rejects.toBe(broken);
  });
});

describe('more records than the run first makes room for', () => {
  it('sends and reports every record of a lazy input of more than 2,048 records', async () => {
    // Arrange: a generator has no length, so the per-record arrays start at 1,024 and double twice.
    const records = makeRecords(2_500, 10);
    function* lazily() {
      yield* records;
    }
    const destination = new FakeDestination();

    // Act
    const result = await new AsyncSink(destination).run(lazily());

    // Assert
    expect(result.outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.stats.recordsDone).toBe(2_500);
    expect(destination.accepted.size).toBe(2_500);
  });
});
