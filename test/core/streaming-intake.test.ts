/**
 * The sink reads its input one request's worth at a time and starts that request before it
 * reads on: a lazy input (generator, async iterable, reader function) overlaps its own work
 * with the requests, a stop ends the reading, and the ordering contracts hold for records
 * read after sending began.
 */
import { describe, expect, it } from 'vitest';
import { OrderedEntryQueue, type QueuedEntry } from '../../lib/core/entry-queue.js';
import { AsyncSink, type EntryResult, FailureCode, type RecordReader } from '../../lib/core/index.js';
import { FakeDestination, type FakeEntry, FakeRequestError, makeRecords } from './fake-destination.js';
import { logged, loggingDestination } from './intake-log.js';

describe('reading a lazy input', () => {
  it('sends the first request after one request’s worth of records is read, before the rest', async () => {
    // Arrange: 3 requests of 10.
    const log: string[] = [];
    const destination = loggingDestination(log, { limits: { maxEntriesPerRequest: 10 } });
    const records = makeRecords(30);

    // Act
    const result = await new AsyncSink(destination).run(logged(records, log));

    // Assert: each request goes out once its 10 records are read, before the next is read.
    expect(log.indexOf('send r0e0')).toBe(log.indexOf('read r9') + 1);
    expect(log.indexOf('send r10e0')).toBe(log.indexOf('read r19') + 1);
    expect(log.indexOf('send r20e0')).toBe(log.indexOf('read r29') + 1);
    expect(result.outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(result.stats.records).toBe(30);
    expect(result.stopped).toBeUndefined();
  });

  it('reads an array the same way: the first request starts before the last record is checked', async () => {
    // Arrange: sizeOf is called once per entry, as the sink reads it.
    const log: string[] = [];
    const destination = loggingDestination(log, { limits: { maxEntriesPerRequest: 10 } });
    const sizeOf = destination.sizeOf.bind(destination);
    destination.sizeOf = (entry: FakeEntry) => {
      log.push(`size ${entry.id}`);
      return sizeOf(entry);
    };

    // Act
    await new AsyncSink(destination).run(makeRecords(20));

    // Assert
    expect(log.indexOf('send r0e0')).toBeLessThan(log.indexOf('size r10e0'));
  });

  it('takes an async iterable and a reader function that answers with promises', async () => {
    // Arrange
    const records = makeRecords(25);
    async function* slowly() {
      for (const record of records) {
        await new Promise((resolve) => setImmediate(resolve));
        yield record;
      }
    }
    let next = 0;
    const reader: RecordReader<FakeEntry> = () =>
      next % 2 === 0 ? Promise.resolve(records[next++]) : records[next++];
    const sink = new AsyncSink(new FakeDestination({ limits: { maxEntriesPerRequest: 10 } }));

    // Act
    const fromIterable = await sink.run(slowly());
    const fromReader = await sink.run(reader);

    // Assert
    for (const result of [fromIterable, fromReader]) {
      expect(result.outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));
      expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    }
  });

  it('stops reading a lazy input at a fatal error: outcomes for what it read, and why the rest fail', async () => {
    // Arrange: the first request is refused for good; 1 request of 10 per turn.
    const log: string[] = [];
    let finished = false;
    function* records() {
      try {
        yield* logged(makeRecords(100), log);
      } finally {
        finished = true;
      }
    }
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 10 },
      behaviour: () => new FakeRequestError('fatal', 'AccessDeniedException'),
    });

    // Act
    const result = await new AsyncSink(destination).run(records());

    // Assert: not read to the end, every record read failed, the iterator was closed.
    expect(result.outcomes.length).toBeLessThan(100);
    expect(result.outcomes.length).toBe(log.length);
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === FailureCode.SendingStopped)).toBe(
      true,
    );
    expect(result.stopped?.code).toBe(FailureCode.SendingStopped);
    expect(result.stopped?.reason).toContain('AccessDeniedException');
    expect(finished).toBe(true);
  });

  it('reads an array to its end after a stop, failing each record, so every record has an outcome', async () => {
    // Arrange
    const destination = new FakeDestination({
      limits: { maxEntriesPerRequest: 10 },
      behaviour: () => new FakeRequestError('fatal', 'AccessDeniedException'),
    });
    const records = makeRecords(100);

    // Act
    const result = await new AsyncSink(destination).run(records);

    // Assert
    expect(result.outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));
    expect(result.outcomes.every((o) => o.status === 'failed')).toBe(true);
    expect(result.stopped?.code).toBe(FailureCode.SendingStopped);
  });

  it('stops waiting for a promised record at the deadline', async () => {
    // Arrange: the second record never comes.
    let calls = 0;
    const reader: RecordReader<FakeEntry> = () =>
      calls++ === 0 ? makeRecords(1)[0] : new Promise<undefined>(() => {});
    const sink = new AsyncSink(new FakeDestination());

    // Act
    const result = await sink.run(reader, { deadline: Date.now() + 30 });

    // Assert: the record read is done (sent before the deadline) or failed for it, never lost.
    expect(result.outcomes).toHaveLength(1);
    expect(result.stopped?.code).toBe(FailureCode.DeadlineReached);
    expect(result.stats.deadlineReached).toBe(true);
  });

  it('rejects when the input throws, after its requests ended', async () => {
    // Arrange
    const destination = new FakeDestination({ limits: { maxEntriesPerRequest: 10 }, latencyMs: 5 });
    function* failing() {
      yield* makeRecords(15);
      throw new Error('the source broke');
    }

    // Act
    const running = new AsyncSink(destination).run(failing());

    // Assert
    await expect(running).rejects.toThrow('the source broke');
    expect(destination.inFlight).toBe(0);
  });
});

describe('ordered mode over records read after sending began', () => {
  it('fails unsent a record read after an earlier entry of its key failed in a response', async () => {
    // Arrange: one entry per request and per turn; k0's first entry is rejected for good at once.
    const log: string[] = [];
    const destination = loggingDestination(log, {
      limits: { maxEntriesPerRequest: 1 },
      behaviour: (entries) =>
        entries.map(
          (e): EntryResult => (e.id === 'a' ? { status: 'fatal', code: 'Invalid' } : { status: 'accepted' }),
        ),
    });
    const records = [
      { id: 'r0', entries: [{ id: 'a', size: 1, key: 'k0' }] },
      { id: 'r1', entries: [{ id: 'b', size: 1, key: 'k1' }] },
      { id: 'r2', entries: [{ id: 'c', size: 1, key: 'k1' }] },
      { id: 'r3', entries: [{ id: 'd', size: 1, key: 'k0' }] },
    ];

    // Act
    const result = await new AsyncSink(destination, { ordered: true }).run(logged(records, log));

    // Assert: r0 failed before r3 was read; r3 is not sent and names r0.
    expect(log.indexOf('send a')).toBeLessThan(log.indexOf('read r3'));
    expect(destination.sent.has('d')).toBe(false);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'done', 'done', 'failed']);
    expect(result.outcomes[3]).toMatchObject({ code: FailureCode.PredecessorFailed });
    expect((result.outcomes[3] as { reason: string }).reason).toContain('record r0');
  }, 5_000);

  it('sends an entry of a key whose earlier entry was sent and done before it was read', async () => {
    // Arrange
    const queue = new OrderedEntryQueue<string>(new Uint8Array(4));
    const entry = (seq: number, key: string): QueuedEntry<string> => ({
      entry: `e${seq}`,
      size: 1,
      seq,
      record: seq,
      key,
      attempts: 0,
      readyAt: 0,
    });
    const bounds = { maxEntries: 10, maxBytes: 100, now: 0 };
    queue.push(entry(0, 'a'));
    const first = queue.take(bounds, () => {});
    queue.release(first);

    // Act: a's lane is empty and idle when e1 comes.
    queue.push(entry(1, 'a'));
    const second = queue.take(bounds, () => {});

    // Assert
    expect(second.map((q) => q.entry)).toEqual(['e1']);
    expect(queue.length).toBe(0);
  });
});
