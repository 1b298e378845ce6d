import { describe, expect, it } from 'vitest';
import {
  type BatchBounds,
  type EntryQueue,
  OrderedEntryQueue,
  type QueuedEntry,
  UnorderedEntryQueue,
} from '../../lib/core/entry-queue.js';
import { KeyIndex } from '../../lib/core/key-index.js';

type Queued = QueuedEntry<string>;

/** Entries `e0…` of records 0…, one each, of `size` bytes, keyed by `keys[i]` (default: a key each). */
function entries(count: number, keys?: readonly string[], size = 10): Queued[] {
  return Array.from({ length: count }, (_, i) => ({
    entry: `e${i}`,
    size,
    seq: i,
    record: i,
    key: keys?.[i] ?? `k${i}`,
    attempts: 0,
    readyAt: 0,
  }));
}

const bounds = (maxEntries: number, maxBytes = 1_000_000, now = 0): BatchBounds => ({
  maxEntries,
  maxBytes,
  now,
});
const ids = (batch: readonly Queued[]) => batch.map((queued) => queued.entry);

/** A queue holding `items`, with its own settled flags, and a log of what it dropped. */
function filled(make: (settled: Uint8Array) => EntryQueue<string>, items: Queued[]) {
  const settled = new Uint8Array(items.length);
  const queue = make(settled);
  for (const item of items) queue.push(item);
  const dropped: { dropped: string; later: string[] }[] = [];
  const take = (b: BatchBounds) =>
    queue.take(b, (entry, later) => dropped.push({ dropped: entry.entry, later: ids(later) }));
  return { queue, settled, dropped, take };
}

describe.each([
  { name: 'UnorderedEntryQueue', make: (settled: Uint8Array) => new UnorderedEntryQueue<string>(settled) },
  { name: 'OrderedEntryQueue', make: (settled: Uint8Array) => new OrderedEntryQueue<string>(settled) },
])('$name, with a key per entry', ({ make }) => {
  it('packs in order up to the entry limit', () => {
    // Arrange
    const { queue, take } = filled(make, entries(5));

    // Act
    const first = take(bounds(2));
    const second = take(bounds(2));

    // Assert
    expect(ids(first)).toEqual(['e0', 'e1']);
    expect(ids(second)).toEqual(['e2', 'e3']);
    expect(queue.length).toBe(1);
  });

  it('packs up to the byte limit, stopping at the first entry that does not fit', () => {
    // Arrange
    const items = entries(4);
    items[1] = { ...items[1], size: 50 };
    const { take } = filled(make, items);

    // Act
    const batch = take(bounds(10, 55));

    // Assert
    expect(ids(batch)).toEqual(['e0']);
  });

  it('puts retried entries back at the front, in input order, ahead of fresh ones', () => {
    // Arrange
    const { queue, take } = filled(make, entries(6));
    const batch = take(bounds(3));
    queue.release(batch);

    // Act
    queue.requeue([batch[2], batch[0]]);

    // Assert
    expect(queue.length).toBe(5);
    expect(ids(take(bounds(3)))).toEqual(['e0', 'e2', 'e3']);
  });

  it.each([
    ['the later request fails first', [1, 0]],
    ['the earlier request fails first', [0, 1]],
  ])('keeps retried entries in input order when %s', (_name, failing) => {
    // Arrange: two requests taken, then both fail, in either order.
    const { queue, take } = filled(make, entries(6));
    const requests = [take(bounds(2)), take(bounds(2))];

    // Act
    for (const index of failing) {
      queue.release(requests[index]);
      queue.requeue(requests[index]);
    }

    // Assert
    expect(ids(take(bounds(10)))).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('fills a retry request exactly to the byte limit', () => {
    // Arrange: two 50-byte entries failed together.
    const { queue, take } = filled(make, entries(3, undefined, 50));
    const batch = take(bounds(2));
    queue.release(batch);
    queue.requeue(batch);

    // Act
    const retry = take(bounds(10, 100));

    // Assert
    expect(ids(retry)).toEqual(['e0', 'e1']);
  });

  it('fills a request of fresh entries exactly to the byte limit', () => {
    // Arrange: entries of 10 bytes, a limit of 30.
    const { take } = filled(make, entries(4));

    // Act
    const batch = take(bounds(10, 30));

    // Assert
    expect(ids(batch)).toEqual(['e0', 'e1', 'e2']);
  });

  it('takes retried entries up to the entry limit, and says the earliest of their backoffs', () => {
    // Arrange: three retried entries, ready at 500, 300 and 400.
    const { queue, take } = filled(make, entries(3));
    const sent = take(bounds(3));
    queue.release(sent);
    sent.forEach((queued, i) => {
      queued.readyAt = [500, 300, 400][i] ?? 0;
    });
    queue.requeue(sent);

    // Act
    const earliest = queue.earliestReadyAt();
    const batch = take(bounds(2, 1_000_000, 1_000));

    // Assert
    expect(earliest).toBe(300);
    expect(ids(batch)).toEqual(['e0', 'e1']);
  });

  it('does not let a small retried entry overtake a bigger one that did not fit', () => {
    // Arrange: retried entries of 60, 60 and 10 bytes, 100 bytes a request.
    const items = entries(3).map((item, i) => ({ ...item, size: [60, 60, 10][i] }));
    const { queue, take } = filled(make, items);
    const batch = take(bounds(3));
    queue.release(batch);
    queue.requeue(batch);

    // Act
    const first = take(bounds(10, 100));
    const second = take(bounds(10, 100));

    // Assert
    expect(ids(first)).toEqual(['e0']);
    expect(ids(second)).toEqual(['e1', 'e2']);
  });

  it('holds back a retried entry until its backoff ends, and says when that is', () => {
    // Arrange
    const { queue, take } = filled(make, entries(2));
    const [first] = take(bounds(1));
    queue.release([first]);
    first.readyAt = 500;
    queue.requeue([first]);

    // Act
    const early = take(bounds(5, 1_000_000, 100));
    const readyAt = queue.earliestReadyAt();
    const late = take(bounds(5, 1_000_000, 500));

    // Assert
    expect(ids(early)).toEqual(['e1']);
    expect(readyAt).toBe(500);
    expect(ids(late)).toEqual(['e0']);
  });

  it('says an entry is ready now while fresh entries wait, and nothing when empty', () => {
    // Arrange
    const { queue, take } = filled(make, entries(2));

    // Act
    const whileFresh = queue.earliestReadyAt();
    queue.release(take(bounds(2)));

    // Assert
    expect(whileFresh).toBe(0);
    expect(queue.earliestReadyAt()).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it('drops, unsent, the entries of records that failed meanwhile', () => {
    // Arrange
    const { settled, dropped, take } = filled(make, entries(4));
    settled[1] = 1;

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e0', 'e2', 'e3']);
    expect(dropped).toEqual([{ dropped: 'e1', later: [] }]);
  });

  it('drops a retried entry whose record failed meanwhile', () => {
    // Arrange
    const { queue, settled, dropped, take } = filled(make, entries(2));
    const [first] = take(bounds(1));
    queue.release([first]);
    queue.requeue([first]);
    settled[0] = 1;

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e1']);
    expect(dropped).toEqual([{ dropped: 'e0', later: [] }]);
    expect(queue.length).toBe(0);
  });

  it('reads the settled flags it is given once more records were read than the first ones hold', () => {
    // Arrange: flags for one record, then entries of three; the run grows its flags and record 2 fails.
    const queue = make(new Uint8Array(1));
    for (const item of entries(3)) queue.push(item);
    const grown = new Uint8Array(4);
    grown[2] = 1;
    const dropped: string[] = [];

    // Act
    queue.useSettled(grown);
    const batch = queue.take(bounds(10), (entry) => dropped.push(entry.entry));

    // Assert
    expect(ids(batch)).toEqual(['e0', 'e1']);
    expect(dropped).toEqual(['e2']);
  });

  it('gives everything left on drain and is empty after', () => {
    // Arrange
    const { queue, take } = filled(make, entries(5));
    const batch = take(bounds(2));
    queue.release(batch);
    queue.requeue([batch[1]]);

    // Act
    const rest = queue.drain();

    // Assert
    expect(ids(rest).sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(queue.length).toBe(0);
    expect(take(bounds(10))).toEqual([]);
  });
});

describe('UnorderedEntryQueue', () => {
  it('keeps entries of one key together in a request: it has no order to keep', () => {
    // Arrange
    const { queue, take } = filled((s) => new UnorderedEntryQueue<string>(s), entries(3, ['k', 'k', 'k']));

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e0', 'e1', 'e2']);
    expect(queue.drainKey('k')).toEqual([]);
  });
});

describe('OrderedEntryQueue', () => {
  const ordered = (items: Queued[]) => filled((s) => new OrderedEntryQueue<string>(s, 1), items);

  it('puts at most one entry of a key in a request', () => {
    // Arrange
    const { take } = ordered(entries(5, ['a', 'a', 'b', 'a', 'c']));

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e0', 'e2', 'e4']);
  });

  it('sends nothing more of a key while its entry is in flight, and the next one once it ends', () => {
    // Arrange
    const { queue, take } = ordered(entries(3, ['a', 'a', 'a']));
    const first = take(bounds(10));

    // Act
    const whileInFlight = take(bounds(10));
    const readyWhileInFlight = queue.earliestReadyAt();
    queue.release(first);
    const afterRelease = take(bounds(10));

    // Assert
    expect(ids(first)).toEqual(['e0']);
    expect(whileInFlight).toEqual([]);
    expect(readyWhileInFlight).toBeUndefined();
    expect(ids(afterRelease)).toEqual(['e1']);
  });

  it('sends a retried entry before the later entries of its key', () => {
    // Arrange
    const { queue, take } = ordered(entries(3, ['a', 'a', 'b']));
    const first = take(bounds(10));
    queue.release(first);

    // Act
    queue.requeue([first[0]]);
    const batch = take(bounds(10));

    // Assert
    expect(ids(first)).toEqual(['e0', 'e2']);
    expect(ids(batch)).toEqual(['e0']);
  });

  it('sends a request the rate limiter refused again, as it was', () => {
    // Arrange
    const { queue, take } = ordered(entries(4, ['a', 'b', 'a', 'b']));
    const refused = take(bounds(10));

    // Act
    queue.requeue(refused);
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(ids(refused));
    expect(queue.length).toBe(2);
  });

  it('sends the later entries of a key once a refused request, sent again, ends', () => {
    // Arrange: a request the rate limiter refused goes out on the next take.
    const { queue, take } = ordered(entries(4, ['a', 'b', 'a', 'b']));
    queue.requeue(take(bounds(10)));
    const resent = take(bounds(10));

    // Act
    queue.release(resent);
    const batch = take(bounds(10));

    // Assert
    expect(ids(resent)).toEqual(['e0', 'e1']);
    expect(ids(batch)).toEqual(['e2', 'e3']);
    expect(queue.length).toBe(0);
  });

  it('keeps the queued entries of a key behind its retried one when more of the key are read', () => {
    // Arrange: e0 (a) is sent and put back while e1 (a) waits; then e2 (a) is read.
    const items = entries(3, ['a', 'a', 'a']);
    const { queue, take } = ordered(items.slice(0, 2));
    const first = take(bounds(10));
    queue.release(first);
    queue.requeue(first);
    queue.push(items[2]);

    // Act
    const sent: string[] = [];
    for (let batch = take(bounds(10)); batch.length > 0; batch = take(bounds(10))) {
      sent.push(...ids(batch));
      queue.release(batch);
    }

    // Assert
    expect(sent).toEqual(['e0', 'e1', 'e2']);
    expect(queue.length).toBe(0);
  });

  it('sends an entry again each time it fails, and a key read after it behind it', () => {
    // Arrange: e0 (a) fails twice, the second time sent from the front; then e2 (a) is read.
    const items = entries(3, ['a', 'b', 'a']);
    const { queue, take } = ordered(items.slice(0, 2));
    const sent: string[][] = [];
    const fail = (batch: Queued[]) => {
      sent.push(ids(batch));
      queue.release(batch);
      queue.requeue(batch.filter((queued) => queued.key === 'a'));
    };
    fail(take(bounds(10)));
    fail(take(bounds(10)));
    queue.push(items[2]);

    // Act
    const third = take(bounds(10));
    queue.release(third);
    const fourth = take(bounds(10));

    // Assert
    expect(sent).toEqual([['e0', 'e1'], ['e0']]);
    expect(ids(third)).toEqual(['e0']);
    expect(ids(fourth)).toEqual(['e2']);
    expect(queue.length).toBe(0);
  });

  it('drops the later entries of a key with its first when that record failed', () => {
    // Arrange
    const { queue, settled, dropped, take } = ordered(entries(4, ['a', 'b', 'a', 'a']));
    settled[0] = 1;

    // Act
    const batch = take(bounds(10));

    // Assert
    expect(ids(batch)).toEqual(['e1']);
    expect(dropped).toEqual([{ dropped: 'e0', later: ['e2', 'e3'] }]);
    expect(queue.length).toBe(0);
  });

  it('drains a key: its queued entries come back and nothing of it is sent again', () => {
    // Arrange
    const { queue, take } = ordered(entries(4, ['a', 'a', 'a', 'b']));
    const first = take(bounds(10));
    queue.release(first);

    // Act
    const drained = queue.drainKey('a');
    const again = queue.drainKey('a');
    const batch = take(bounds(10));

    // Assert
    expect(ids(drained)).toEqual(['e1', 'e2']);
    expect(again).toEqual([]);
    expect(queue.drainKey('unknown')).toEqual([]);
    expect(batch).toEqual([]);
    expect(queue.length).toBe(0);
  });

  it('does not take back an entry whose key was drained meanwhile', () => {
    // Arrange
    const { queue, take } = ordered(entries(2, ['a', 'a']));
    const first = take(bounds(10));
    queue.release(first);
    queue.drainKey('a');

    // Act
    queue.requeue(first);

    // Assert
    expect(queue.length).toBe(0);
    expect(take(bounds(10))).toEqual([]);
  });

  it('moves a lane whose first entry waits for its backoff out of the way of fresh ones', () => {
    // Arrange: b's entry is retried while b is still listed as fresh.
    const { queue, take } = ordered(entries(4, ['a', 'b', 'b', 'c']));
    const first = take(bounds(2));
    queue.release(first);
    first[1].readyAt = 1_000;
    queue.requeue([first[1]]);

    // Act
    const batch = take(bounds(10, 1_000_000, 10));
    const readyAt = queue.earliestReadyAt();

    // Assert
    expect(ids(first)).toEqual(['e0', 'e1']);
    expect(ids(batch)).toEqual(['e3']);
    expect(readyAt).toBe(1_000);
    expect(ids(take(bounds(10, 1_000_000, 1_000)))).toEqual(['e1']);
  });

  it('keeps the waiting retries in front in input order when more come back', () => {
    // Arrange
    const { queue, take } = ordered(entries(4, ['a', 'b', 'c', 'd']));
    const batch = take(bounds(4));
    queue.release(batch);
    queue.requeue([batch[3], batch[1]]);

    // Act
    queue.requeue([batch[2], batch[0]]);

    // Assert
    expect(ids(take(bounds(10)))).toEqual(['e0', 'e1', 'e2', 'e3']);
  });

  it('stops at the first entry of the front that does not fit, and sends none after it', () => {
    // Arrange
    const items = entries(3, ['a', 'b', 'c']);
    items[0] = { ...items[0], size: 60 };
    const { queue, take } = ordered(items);
    const all = take(bounds(3));
    queue.release(all);
    queue.requeue(all);

    // Act
    const batch = take(bounds(3, 50));

    // Assert
    expect(batch).toEqual([]);
    expect(ids(take(bounds(3, 100)))).toEqual(['e0', 'e1', 'e2']);
  });

  it('takes entries pushed after sending began behind the queued ones of their key', () => {
    // Arrange: a has e2 still queued and b nothing when e3 (a) and e4 (b) come.
    const items = entries(5, ['a', 'b', 'a', 'a', 'b']);
    const { queue, take } = ordered(items.slice(0, 3));
    const first = take(bounds(10));
    queue.push(items[3]);
    queue.push(items[4]);
    queue.release(first);

    // Act
    const second = take(bounds(10));
    queue.release(second);
    const third = take(bounds(10));

    // Assert
    expect(ids(first)).toEqual(['e0', 'e1']);
    expect(ids(second)).toEqual(['e2', 'e4']);
    expect(ids(third)).toEqual(['e3']);
    expect(queue.length).toBe(0);
  });

  it('drains a key whose retried entry waits in front, and sends the others of the front', () => {
    // Arrange
    const { queue, take } = ordered(entries(2, ['a', 'b']));
    const first = take(bounds(10));
    queue.release(first);
    queue.requeue(first);

    // Act
    const drained = queue.drainKey('a');
    const batch = take(bounds(10));

    // Assert
    expect(ids(drained)).toEqual(['e0']);
    expect(ids(batch)).toEqual(['e1']);
    expect(queue.length).toBe(0);
  });

  it('says when the earliest retry is ready, past a drained key that waited in front', () => {
    // Arrange: a (ready at 100) and b (ready at 500) wait in front; a is drained.
    const { queue, take } = ordered(entries(2, ['a', 'b']));
    const sent = take(bounds(2));
    queue.release(sent);
    sent[0].readyAt = 100;
    sent[1].readyAt = 500;
    queue.requeue(sent);
    queue.drainKey('a');

    // Act
    const readyAt = queue.earliestReadyAt();

    // Assert
    expect(readyAt).toBe(500);
  });

  it('says when the earliest retry is ready, past a drained key that was listed as fresh', () => {
    // Arrange: a waits in front for its backoff; b, never sent, is drained.
    const { queue, take } = ordered(entries(2, ['a', 'b']));
    const first = take(bounds(1));
    queue.release(first);
    first[0].readyAt = 500;
    queue.requeue(first);
    queue.drainKey('b');

    // Act
    const readyAt = queue.earliestReadyAt();

    // Assert
    expect(readyAt).toBe(500);
  });

  it('holds entries when it expected none', () => {
    // Arrange
    const queue = new OrderedEntryQueue<string>(new Uint8Array(3), 0);
    for (const item of entries(3, ['a', 'b', 'a'])) queue.push(item);

    // Act
    const first = queue.take(bounds(10), () => {});
    queue.release(first);
    const second = queue.take(bounds(10), () => {});

    // Assert
    expect(ids(first)).toEqual(['e0', 'e1']);
    expect(ids(second)).toEqual(['e2']);
  });

  it('sends the next entries of keys in the order their requests ended', () => {
    // Arrange: a and b each have one more entry; b's request ends before a's.
    const { queue, take } = ordered(entries(4, ['a', 'b', 'a', 'b']));
    const [a, b] = take(bounds(1)).concat(take(bounds(1)));

    // Act
    queue.release([b]);
    queue.release([a]);
    const batch = take(bounds(10));

    // Assert
    expect(ids([a, b])).toEqual(['e0', 'e1']);
    expect(ids(batch)).toEqual(['e3', 'e2']);
  });

  it('holds more entries than it expected', () => {
    // Arrange: expected 1, gets 10,000 over 100 keys.
    const count = 10_000;
    const { queue, take } = ordered(
      entries(
        count,
        Array.from({ length: count }, (_, i) => `key-${i % 100}`),
      ),
    );

    // Act
    let sent = 0;
    for (let batch = take(bounds(500)); batch.length > 0; batch = take(bounds(500))) {
      expect(new Set(batch.map((q) => q.key)).size).toBe(batch.length);
      sent += batch.length;
      queue.release(batch);
    }

    // Assert
    expect(sent).toBe(count);
    expect(queue.length).toBe(0);
  });
});

describe('KeyIndex', () => {
  it('gives each distinct key a dense id in order of first sight, and finds it again', () => {
    // Arrange
    const index = new KeyIndex(1);
    const keys = Array.from({ length: 5_000 }, (_, i) =>
      i % 3 === 0 ? `🔑${i}` : `${'x'.repeat(i % 300)}${i}`,
    );

    // Act
    const ids = keys.map((key) => index.intern(key));
    const again = keys.map((key) => index.intern(key));

    // Assert
    expect(ids).toEqual(keys.map((_, i) => i));
    expect(again).toEqual(ids);
    expect(keys.map((key) => index.find(key))).toEqual(ids);
    expect(index.size).toBe(keys.length);
    expect(index.find('absent')).toBe(-1);
    expect(index.find('')).toBe(-1);
  });

  it('tells apart keys that differ only in the middle', () => {
    // Arrange
    const index = new KeyIndex(16);
    const keys = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(100)}${i}${'b'.repeat(100)}`);

    // Act
    const ids = keys.map((key) => index.intern(key));

    // Assert
    expect(new Set(ids).size).toBe(200);
  });
});
