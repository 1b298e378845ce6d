/**
 * The inputs `AsyncSink.run` takes, as a user hands them over: what ends each, what a stop
 * does to a lazy one, how each is let go, and the error for anything else.
 */
import { describe, expect, it } from 'vitest';
import { AsyncSink, FailureCode, type SinkRecord } from '../../lib/core/index.js';
import { FakeDestination, type FakeEntry, FakeRequestError, makeRecords } from './fake-destination.js';

/** Ten entries per request, every request refused for good: a run that stops at its first answer. */
const refusing = () =>
  new FakeDestination({
    limits: { maxEntriesPerRequest: 10 },
    behaviour: () => new FakeRequestError('fatal', 'AccessDeniedException'),
  });

describe('the inputs of AsyncSink.run', () => {
  it.each([
    ['null', null, 'got null'],
    ['a number', 42, 'got a number'],
    ['a string', 'r0', 'got a string'],
    ['an object that is not iterable', { records: [] }, 'got an object that is none of them'],
  ])('rejects %s with a TypeError that names what it takes', async (_name, input, got) => {
    // Arrange
    const sink = new AsyncSink(new FakeDestination());

    // Act
    const running = (async () => sink.run(input as never))();

    // Assert
    await expect(running).rejects.toThrow(
      new TypeError(
        `AsyncSink.run takes an array, an iterable, an async iterable or a reader function of records; ${got}`,
      ),
    );
  });

  it('ends a generator’s records where for…of does, leaving out the value it returns', async () => {
    // Arrange
    const records = makeRecords(3);
    function* withSummary(): Generator<SinkRecord<FakeEntry>, unknown> {
      yield* records;
      return { read: records.length };
    }
    async function* asyncWithSummary(): AsyncGenerator<SinkRecord<FakeEntry>, unknown> {
      yield* records;
      return { read: records.length };
    }
    const sink = new AsyncSink(new FakeDestination());

    // Act
    const results = [await sink.run(withSummary()), await sink.run(asyncWithSummary())];

    // Assert
    for (const result of results) {
      expect(result.outcomes).toEqual(records.map((record) => ({ id: record.id, status: 'done' })));
    }
  });

  it('stops calling a reader function at a stop: outcomes for what it read, and why the rest fail', async () => {
    // Arrange: 100 records to give, one request of 10 at a time.
    const records = makeRecords(100);
    let calls = 0;
    const reader = () => records[calls++];

    // Act
    const result = await new AsyncSink(refusing()).run(reader);

    // Assert: the records read and failed are the records the reader gave, not all 100.
    expect(result.outcomes.length).toBeLessThan(100);
    expect(calls).toBe(result.outcomes.length);
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.SendingStopped)).toBe(
      true,
    );
    expect(result.stopped?.code).toBe(FailureCode.SendingStopped);
  });

  it('reads a hand-written iterator that has no return() to its end, and lets it go', async () => {
    // Arrange: an iterable whose iterator has next() only, which the protocol allows.
    const records = makeRecords(3);
    let next = 0;
    const iterable: Iterable<SinkRecord<FakeEntry>> = {
      [Symbol.iterator]: () => ({
        next: () =>
          next < records.length ? { done: false, value: records[next++] } : { done: true, value: undefined },
      }),
    };

    // Act
    const result = await new AsyncSink(new FakeDestination()).run(iterable);

    // Assert
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.outcomes).toHaveLength(3);
  });

  it('closes an async generator left unread at a stop, and keeps the error its cleanup throws from going unhandled', async () => {
    // Arrange
    let closed = false;
    async function* records(): AsyncGenerator<SinkRecord<FakeEntry>> {
      try {
        yield* makeRecords(100);
      } finally {
        closed = true;
        // biome-ignore lint/correctness/noUnsafeFinally: the cleanup that fails is what this test is about
        throw new Error('cleanup failed');
      }
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    // Act
    let result: Awaited<ReturnType<AsyncSink<FakeEntry>['run']>>;
    try {
      result = await new AsyncSink(refusing()).run(records());
      // Unhandled rejections are reported once the microtasks have run, before the next turn's callbacks.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }

    // Assert
    expect(result.stopped?.code).toBe(FailureCode.SendingStopped);
    expect(closed).toBe(true);
    expect(unhandled).toEqual([]);
  });
});
