/** An entry waiting to be sent, with what the core knows of it. Internal to the core. */
export interface QueuedEntry<Entry> {
  readonly entry: Entry;
  /** Measured once, when the run starts: sizing can cost as much as sending. */
  readonly size: number;
  /** Position in the run's input order. */
  readonly seq: number;
  /** Index of its source record in the run's input; the record's progress lives in the run's arrays. */
  readonly record: number;
  /** Ordering key in ordered mode; unused otherwise. */
  readonly key: string;
  attempts: number;
  /** Not to be sent before this time (ms since epoch), set by backoff. */
  readyAt: number;
}

/** What one request may hold. */
export interface BatchBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly now: number;
}

/**
 * The entries waiting to be sent. `take` packs the next request greedily, in order;
 * `requeue` puts failed entries back at the front, so that a retry does not let later
 * entries overtake the earlier ones.
 */
export interface EntryQueue<Entry> {
  readonly length: number;
  push(entry: QueuedEntry<Entry>): void;
  /**
   * The next request's entries. Entries of settled (failed) records are dropped and
   * passed to `onDropped`; in ordered mode with the entries of the same key behind them.
   */
  take(
    bounds: BatchBounds,
    onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void,
  ): QueuedEntry<Entry>[];
  /** Back to the front, in their order (entries of a request that failed, or was not started). */
  requeue(entries: readonly QueuedEntry<Entry>[]): void;
  /** The request holding these entries ended: their keys may be sent again. */
  release(entries: readonly QueuedEntry<Entry>[]): void;
  /** Removes and returns every queued entry with this key (ordered mode: a predecessor failed). */
  drainKey(key: string): QueuedEntry<Entry>[];
  /** When the earliest entry that is waiting for its backoff becomes ready, if any waits. */
  earliestReadyAt(): number | undefined;
  /** Removes and returns everything left. */
  drain(): QueuedEntry<Entry>[];
}

/**
 * Unordered: fresh entries in one array read from a moving head (O(1) per entry on the
 * hot path), retried entries in a small front array sorted by input order.
 */
export class UnorderedEntryQueue<Entry> implements EntryQueue<Entry> {
  /** `settled[record]` is 1 once the record is done or failed: its entries are not sent any more. */
  constructor(private readonly settled: Uint8Array) {}

  private front: QueuedEntry<Entry>[] = [];
  private main: QueuedEntry<Entry>[] = [];
  private head = 0;

  get length(): number {
    return this.front.length + this.main.length - this.head;
  }

  push(entry: QueuedEntry<Entry>): void {
    this.main.push(entry);
  }

  take(bounds: BatchBounds, onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void) {
    const batch: QueuedEntry<Entry>[] = [];
    let bytes = 0;
    let full = false;
    if (this.front.length > 0) {
      const kept: QueuedEntry<Entry>[] = [];
      for (const queued of this.front) {
        if (full) {
          kept.push(queued);
        } else if (this.settled[queued.record] === 1) {
          onDropped(queued, []);
        } else if (queued.readyAt > bounds.now) {
          kept.push(queued);
        } else if (batch.length < bounds.maxEntries && bytes + queued.size <= bounds.maxBytes) {
          batch.push(queued);
          bytes += queued.size;
        } else {
          full = true;
          kept.push(queued);
        }
      }
      this.front = kept;
    }
    while (!full && this.head < this.main.length) {
      const queued = this.main[this.head];
      if (this.settled[queued.record] === 1) {
        onDropped(queued, []);
      } else if (batch.length < bounds.maxEntries && bytes + queued.size <= bounds.maxBytes) {
        batch.push(queued);
        bytes += queued.size;
      } else {
        break;
      }
      this.head++;
    }
    if (this.head === this.main.length && this.head > 0) {
      this.main = [];
      this.head = 0;
    }
    return batch;
  }

  requeue(entries: readonly QueuedEntry<Entry>[]): void {
    if (entries.length === 0) return;
    const merged: QueuedEntry<Entry>[] = [];
    const incoming = [...entries].sort((a, b) => a.seq - b.seq);
    let i = 0;
    let j = 0;
    while (i < this.front.length || j < incoming.length) {
      if (j >= incoming.length || (i < this.front.length && this.front[i].seq < incoming[j].seq)) {
        merged.push(this.front[i++]);
      } else {
        merged.push(incoming[j++]);
      }
    }
    this.front = merged;
  }

  release(): void {}

  drainKey(): QueuedEntry<Entry>[] {
    return [];
  }

  earliestReadyAt(): number | undefined {
    if (this.head < this.main.length) return 0;
    let earliest: number | undefined;
    for (const queued of this.front) {
      if (earliest === undefined || queued.readyAt < earliest) earliest = queued.readyAt;
    }
    return earliest;
  }

  drain(): QueuedEntry<Entry>[] {
    const rest = [...this.front, ...this.main.slice(this.head)];
    this.front = [];
    this.main = [];
    this.head = 0;
    return rest;
  }
}

interface KeyLane<Entry> {
  items: QueuedEntry<Entry>[];
  head: number;
}

/**
 * Ordered: one lane per ordering key. A request holds at most one entry per key and a
 * key has at most one entry in flight, because a batch call does not keep order among
 * its own entries when one of them fails (Kinesis says so of PutRecords).
 */
export class OrderedEntryQueue<Entry> implements EntryQueue<Entry> {
  private readonly lanes = new Map<string, KeyLane<Entry>>();
  private readonly inFlight = new Set<string>();
  private count = 0;

  /** `settled[record]` is 1 once the record is done or failed: its entries are not sent any more. */
  constructor(private readonly settled: Uint8Array) {}

  get length(): number {
    return this.count;
  }

  push(entry: QueuedEntry<Entry>): void {
    const lane = this.lanes.get(entry.key);
    if (lane) lane.items.push(entry);
    else this.lanes.set(entry.key, { items: [entry], head: 0 });
    this.count++;
  }

  take(bounds: BatchBounds, onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void) {
    const batch: QueuedEntry<Entry>[] = [];
    let bytes = 0;
    for (const [key, lane] of this.lanes) {
      if (batch.length >= bounds.maxEntries) break;
      if (this.inFlight.has(key)) continue;
      const queued = lane.items[lane.head];
      if (this.settled[queued.record] === 1) {
        // The record failed elsewhere: its later entries of this key must not overtake it.
        const later = lane.items.slice(lane.head + 1);
        this.lanes.delete(key);
        this.count -= later.length + 1;
        onDropped(queued, later);
        continue;
      }
      if (queued.readyAt > bounds.now || bytes + queued.size > bounds.maxBytes) continue;
      batch.push(queued);
      bytes += queued.size;
      this.inFlight.add(key);
      this.count--;
      if (++lane.head === lane.items.length) this.lanes.delete(key);
    }
    return batch;
  }

  requeue(entries: readonly QueuedEntry<Entry>[]): void {
    for (const queued of entries) {
      this.inFlight.delete(queued.key);
      const lane = this.lanes.get(queued.key);
      if (!lane) {
        this.lanes.set(queued.key, { items: [queued], head: 0 });
      } else if (lane.head > 0) {
        lane.items[--lane.head] = queued;
      } else {
        lane.items.unshift(queued);
      }
      this.count++;
    }
  }

  release(entries: readonly QueuedEntry<Entry>[]): void {
    for (const queued of entries) this.inFlight.delete(queued.key);
  }

  drainKey(key: string): QueuedEntry<Entry>[] {
    const lane = this.lanes.get(key);
    if (!lane) return [];
    this.lanes.delete(key);
    const rest = lane.items.slice(lane.head);
    this.count -= rest.length;
    return rest;
  }

  earliestReadyAt(): number | undefined {
    let earliest: number | undefined;
    for (const [key, lane] of this.lanes) {
      if (this.inFlight.has(key)) continue;
      const readyAt = lane.items[lane.head].readyAt;
      if (earliest === undefined || readyAt < earliest) earliest = readyAt;
    }
    return earliest;
  }

  drain(): QueuedEntry<Entry>[] {
    const rest: QueuedEntry<Entry>[] = [];
    for (const lane of this.lanes.values()) rest.push(...lane.items.slice(lane.head));
    this.lanes.clear();
    this.count = 0;
    return rest;
  }
}
