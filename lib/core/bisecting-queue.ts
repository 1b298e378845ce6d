import type { BatchBounds, EntryQueue, QueuedEntry } from './entry-queue.js';

/**
 * An entry queue that can bisect, as Lambda does for a stream batch that failed: a request
 * the service refused as a whole for an entry it did not name is split in halves, and each
 * half goes out alone, ahead of everything else, until the invalid entry stands alone.
 *
 * A half is never packed with other entries: mixing would let a second invalid entry join
 * the search, and the search would no longer halve. Each invalid entry among n costs at most
 * 2·⌈log₂ n⌉ extra requests: two halves per level, one level per halving.
 *
 * In ordered mode the keys of a request being bisected stay taken in the inner queue until
 * their half ends, so later entries of those keys cannot overtake them.
 */
export class BisectingQueue<Entry> implements EntryQueue<Entry> {
  /** Halves waiting to go out, each as one request, the earliest first. */
  private halves: QueuedEntry<Entry>[][] = [];
  private halvesLength = 0;

  constructor(
    private readonly inner: EntryQueue<Entry>,
    /** `settled[record]` is 1 once the record is done or failed: its entries are not sent any more. */
    private settled: Uint8Array,
  ) {}

  useSettled(settled: Uint8Array): void {
    this.settled = settled;
    this.inner.useSettled(settled);
  }

  get length(): number {
    return this.halvesLength + this.inner.length;
  }

  /**
   * Splits the entries of a refused request into two halves to send alone. Their keys stay
   * taken: do not `release` them. The attempt that failed is not counted against retries,
   * because bisecting always ends (each request is half the last).
   */
  split(entries: readonly QueuedEntry<Entry>[]): void {
    for (const queued of entries) queued.attempts--;
    const middle = Math.ceil(entries.length / 2);
    this.halves.unshift(entries.slice(0, middle), entries.slice(middle));
    this.halvesLength += entries.length;
  }

  push(entry: QueuedEntry<Entry>): void {
    this.inner.push(entry);
  }

  take(
    bounds: BatchBounds,
    onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void,
  ): QueuedEntry<Entry>[] {
    for (let half = this.halves.shift(); half !== undefined; half = this.halves.shift()) {
      this.halvesLength -= half.length;
      const live = this.withoutSettled(half, onDropped);
      if (live.length === 0) continue;
      // A rate limiter that allows fewer entries than the half holds splits it further.
      if (live.length > bounds.maxEntries) {
        const rest = live.splice(bounds.maxEntries);
        this.halves.unshift(rest);
        this.halvesLength += rest.length;
      }
      return live;
    }
    return this.inner.take(bounds, onDropped);
  }

  /**
   * Entries whose record failed elsewhere are not sent, nor the later entries of their keys.
   * `drainKey` ends each such key for good, so it needs no `release`.
   */
  private withoutSettled(
    half: QueuedEntry<Entry>[],
    onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void,
  ): QueuedEntry<Entry>[] {
    const live: QueuedEntry<Entry>[] = [];
    for (const queued of half) {
      if (this.settled[queued.record] === 0) {
        live.push(queued);
        continue;
      }
      onDropped(queued, this.inner.drainKey(queued.key));
    }
    return live;
  }

  requeue(entries: readonly QueuedEntry<Entry>[]): void {
    this.inner.requeue(entries);
  }

  release(entries: readonly QueuedEntry<Entry>[]): void {
    this.inner.release(entries);
  }

  drainKey(key: string): QueuedEntry<Entry>[] {
    return this.inner.drainKey(key);
  }

  earliestReadyAt(): number | undefined {
    // A half goes out as soon as a request may start: it waits for no backoff.
    return this.halves.length > 0 ? 0 : this.inner.earliestReadyAt();
  }

  drain(): QueuedEntry<Entry>[] {
    const rest = [...this.halves.flat(), ...this.inner.drain()];
    this.halves = [];
    this.halvesLength = 0;
    return rest;
  }
}
