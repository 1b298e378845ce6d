import { describe, expect, it } from 'vitest';
import { BisectingQueue } from '../../lib/core/bisecting-queue.js';
import { type BatchBounds, OrderedEntryQueue, type QueuedEntry } from '../../lib/core/entry-queue.js';

type Queued = QueuedEntry<string>;

/** Entries `e0…` of records 0…, keyed by `keys[i]` (default: a key each), each sent once already. */
function entries(count: number, keys?: readonly string[]): Queued[] {
  return Array.from({ length: count }, (_, i) => ({
    entry: `e${i}`,
    size: 10,
    seq: i,
    record: i,
    key: keys?.[i] ?? `k${i}`,
    attempts: 1,
    readyAt: 0,
  }));
}

const bounds = (maxEntries: number): BatchBounds => ({ maxEntries, maxBytes: 1_000_000, now: 0 });
const ids = (batch: readonly Queued[]) => batch.map((queued) => queued.entry);

/** A bisecting queue over an ordered one holding `items`, whose first request (all of them) was refused and split. */
function refused(items: Queued[], maxEntries = items.length) {
  const settled = new Uint8Array(items.length);
  const queue = new BisectingQueue(new OrderedEntryQueue<string>(settled, items.length), settled);
  for (const item of items) queue.push(item);
  const dropped: { dropped: string; later: string[] }[] = [];
  const take = (b: BatchBounds) =>
    queue.take(b, (entry, later) => dropped.push({ dropped: entry.entry, later: ids(later) }));
  const request = take(bounds(maxEntries));
  return { queue, settled, dropped, take, request };
}

describe('BisectingQueue', () => {
  it('sends the halves of a refused request alone, the first half first, then the rest of the queue', () => {
    // Arrange: e0…e3 were refused whole; e4 is of a key taken by the request, e5 is fresh.
    const { queue, take, request } = refused(entries(6, ['a', 'b', 'c', 'd', 'a', 'f']), 4);

    // Act
    queue.split(request);
    const lengthAfterSplit = queue.length;
    const first = take(bounds(10));
    const lengthAfterFirst = queue.length;
    const second = take(bounds(10));
    const rest = take(bounds(10));

    // Assert
    expect(ids(request)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(lengthAfterSplit).toBe(6);
    expect(ids(first)).toEqual(['e0', 'e1']);
    expect(lengthAfterFirst).toBe(4);
    expect(ids(second)).toEqual(['e2', 'e3']);
    expect(ids(rest)).toEqual(['e5']);
  });

  it('does not count the refused attempt against the entries’ retries', () => {
    // Arrange
    const { queue, request } = refused(entries(2));

    // Act
    queue.split(request);

    // Assert
    expect(request.map((queued) => queued.attempts)).toEqual([0, 0]);
  });

  it('cuts a half to the entry limit the rate limiter allows, and sends the rest of it next', () => {
    // Arrange
    const { queue, take, request } = refused(entries(4));
    queue.split(request);

    // Act
    const batches = [take(bounds(1)), take(bounds(1)), take(bounds(1)), take(bounds(1))];

    // Assert
    expect(batches.map(ids)).toEqual([['e0'], ['e1'], ['e2'], ['e3']]);
    expect(queue.length).toBe(0);
  });

  it('says a half is ready at once, and then defers to the queue, with no empty half left behind', () => {
    // Arrange: halves of exactly the entry limit.
    const { queue, take, request } = refused(entries(4));
    queue.split(request);

    // Act
    const withHalves = queue.earliestReadyAt();
    take(bounds(2));
    take(bounds(2));
    const afterHalves = queue.earliestReadyAt();

    // Assert
    expect(withHalves).toBe(0);
    expect(afterHalves).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it('drops the entries of a half whose records failed meanwhile, with the later entries of their keys, and sends the next half', () => {
    // Arrange: e0 and e1 (keys a and b) fail elsewhere while their half waits; e4 is a's next entry.
    const { queue, settled, dropped, take, request } = refused(entries(5, ['a', 'b', 'c', 'd', 'a']), 4);
    queue.split(request);
    settled[0] = 1;
    settled[1] = 1;

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e2', 'e3']);
    expect(dropped).toEqual([
      { dropped: 'e0', later: ['e4'] },
      { dropped: 'e1', later: [] },
    ]);
  });

  it('gives back the halves and the queue on drain, and is empty after', () => {
    // Arrange
    const { queue, take, request } = refused(entries(5), 4);
    queue.split(request);

    // Act
    const rest = queue.drain();

    // Assert
    expect(ids(rest).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(queue.length).toBe(0);
    expect(queue.earliestReadyAt()).toBeUndefined();
    expect(take(bounds(10))).toEqual([]);
  });

  it('reads the records’ flags from the grown array it is given, and hands that array to the queue under it', () => {
    // Arrange: e0…e3 refused and split, e4 and e5 still queued; the run read more records and grew its flags.
    const { queue, settled, dropped, take, request } = refused(entries(6), 4);
    queue.split(request);
    const grown = new Uint8Array(settled.length * 2);
    grown.set(settled);
    grown[0] = 1;
    grown[4] = 1;

    // Act
    queue.useSettled(grown);
    const batches = [take(bounds(10)), take(bounds(10)), take(bounds(10))];

    // Assert: e0 (in a half) and e4 (in the queue under it) are not sent.
    expect(batches.map(ids)).toEqual([['e1'], ['e2', 'e3'], ['e5']]);
    expect(dropped).toEqual([
      { dropped: 'e0', later: [] },
      { dropped: 'e4', later: [] },
    ]);
  });
});
