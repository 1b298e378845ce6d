import { KeyIndex } from './key-index.js';

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
  /** The run's per-record flags grew (more records were read): reads these from now on. */
  useSettled(settled: Uint8Array): void;
}

/**
 * Unordered: fresh entries in one array read from a moving head (O(1) per entry on the
 * hot path), retried entries in a small front array sorted by input order.
 */
export class UnorderedEntryQueue<Entry> implements EntryQueue<Entry> {
  /** `settled[record]` is 1 once the record is done or failed: its entries are not sent any more. */
  constructor(private settled: Uint8Array) {}

  useSettled(settled: Uint8Array): void {
    this.settled = settled;
  }

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
    // Stryker disable next-line all: memory only: `slice` keeps the unread entries, so when it runs does not change what is read
    if (this.head === this.main.length) {
      this.main = this.main.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  requeue(entries: readonly QueuedEntry<Entry>[]): void {
    // A few sorted runs (the front, the request's parts): the sort merges them in about linear time.
    this.front = this.front.concat(entries).sort((a, b) => a.seq - b.seq);
  }

  release(): void {}

  drainKey(): QueuedEntry<Entry>[] {
    return [];
  }

  earliestReadyAt(): number | undefined {
    if (this.head < this.main.length) return 0;
    let earliest: number | undefined;
    for (const { readyAt } of this.front) {
      earliest = earliest === undefined ? readyAt : Math.min(earliest, readyAt);
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

const NONE = -1;
/** Lane state bits, by key id. */
const IN_FLIGHT = 1;
const LISTED = 2;
const GONE = 4;

/**
 * Ordered: one lane per ordering key. A request holds at most one entry per key and a
 * key has at most one entry in flight, because a batch call does not keep order among
 * its own entries when one of them fails (Kinesis says so of PutRecords).
 *
 * With a key per record, per-key bookkeeping is per-record bookkeeping, so it is kept as
 * cheap as the unordered queue's:
 * - Keys get dense ids from a {@link KeyIndex}; a lane is a slot in arrays by id, and a
 *   lane's entries are a list linked through an array by `seq`. No object per key or entry.
 * - Lanes that may send are listed, so that no call walks every key (that walk made the run
 *   quadratic): `fresh` in the order they became sendable, read from a moving head; `front`,
 *   the few whose first entry was put back (a retry, or a request the rate limiter refused),
 *   the earliest entry first, ahead of the fresh ones. A lane in flight is in neither list
 *   until its request ends; a listed lane that cannot send when met is skipped then.
 *
 * Entries are pushed in `seq` order from 0, so the arrays by `seq` grow by one per push.
 */
export class OrderedEntryQueue<Entry> implements EntryQueue<Entry> {
  private readonly keyIndex: KeyIndex;
  private lanes = 0;
  /** By key id: `seq` of the lane's next entry to send and of its last (NONE if empty), and its state bits. */
  private first: Int32Array;
  private last: Int32Array;
  private state: Uint8Array;
  /**
   * By `seq`: the entry while queued (let go once taken, so that an entry sent and done can
   * be collected young), its key id, and the `seq` of the next entry of its key (or NONE).
   */
  private readonly entries: (QueuedEntry<Entry> | undefined)[] = [];
  private laneOf: Int32Array;
  private next: Int32Array;
  /** Key ids. */
  private fresh: number[] = [];
  private freshHead = 0;
  private front: number[] = [];
  private count = 0;

  /**
   * `settled[record]` is 1 once the record is done or failed: its entries are not sent any more.
   * `expectedEntries` sizes the arrays (they grow past it).
   */
  constructor(
    private settled: Uint8Array,
    expectedEntries = settled.length,
  ) {
    const capacity = Math.max(16, expectedEntries);
    this.keyIndex = new KeyIndex(capacity);
    this.first = new Int32Array(capacity);
    this.last = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.laneOf = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  useSettled(settled: Uint8Array): void {
    this.settled = settled;
  }

  /** Entries must come in `seq` order from 0: the arrays by `seq` grow by one. */
  push(entry: QueuedEntry<Entry>): void {
    const { seq } = entry;
    if (seq >= this.next.length) this.grow();
    const lane = this.keyIndex.intern(entry.key);
    if (lane === this.lanes) {
      // A new key: a new lane, sendable at once.
      this.lanes++;
      this.first[lane] = seq;
      this.last[lane] = seq;
      this.state[lane] = LISTED;
      this.fresh.push(lane);
    } else if (this.last[lane] === NONE) {
      this.first[lane] = seq;
      this.last[lane] = seq;
      // The lane ran empty and its request ended before this entry was read: it may send again.
      if (this.state[lane] === 0) {
        this.state[lane] = LISTED;
        this.fresh.push(lane);
      }
    } else {
      this.next[this.last[lane]] = seq;
      this.last[lane] = seq;
    }
    this.entries.push(entry);
    this.laneOf[seq] = lane;
    this.next[seq] = NONE;
    this.count++;
  }

  take(bounds: BatchBounds, onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void) {
    const batch: QueuedEntry<Entry>[] = [];
    let bytes = 0;
    let full = false;
    const kept: number[] = [];
    for (const lane of this.front) {
      if (full) {
        kept.push(lane);
        continue;
      }
      if (!this.sendable(lane)) continue;
      const queued = this.entryAt(this.first[lane]);
      if (this.settled[queued.record] === 1) {
        this.dropLane(lane, onDropped);
      } else if (queued.readyAt > bounds.now) {
        kept.push(lane);
      } else if (batch.length < bounds.maxEntries && bytes + queued.size <= bounds.maxBytes) {
        this.state[lane] &= ~LISTED;
        batch.push(this.takeFirst(lane));
        bytes += queued.size;
      } else {
        full = true;
        kept.push(lane);
      }
    }
    this.front = kept;
    let waiting: number[] | undefined;
    while (!full && batch.length < bounds.maxEntries && this.freshHead < this.fresh.length) {
      const lane = this.fresh[this.freshHead];
      if (!this.sendable(lane)) {
        this.freshHead++;
        continue;
      }
      const queued = this.entryAt(this.first[lane]);
      if (this.settled[queued.record] === 1) {
        // The record failed elsewhere: its later entries of this key must not overtake it.
        this.freshHead++;
        this.dropLane(lane, onDropped);
      } else if (queued.readyAt > bounds.now) {
        // Put back by a retry while listed here: it waits in front, with the others that wait.
        this.freshHead++;
        waiting ??= [];
        waiting.push(lane);
      } else if (bytes + queued.size <= bounds.maxBytes) {
        this.state[lane] &= ~LISTED;
        this.freshHead++;
        batch.push(this.takeFirst(lane));
        bytes += queued.size;
      } else {
        break;
      }
    }
    this.compactFresh();
    if (waiting !== undefined) this.addToFront(waiting);
    return batch;
  }

  requeue(entries: readonly QueuedEntry<Entry>[]): void {
    let back: number[] | undefined;
    for (const queued of entries) {
      const lane = this.laneOf[queued.seq];
      // Its key failed meanwhile (cannot happen: a key fails through its one entry in flight).
      // Not queued, so the run reports the record rather than wait for it.
      if ((this.state[lane] & GONE) !== 0) continue;
      this.entries[queued.seq] = queued;
      this.next[queued.seq] = this.first[lane];
      if (this.first[lane] === NONE) this.last[lane] = queued.seq;
      this.first[lane] = queued.seq;
      this.count++;
      // In flight (IN_FLIGHT), or released: empty then (0), or listed in `fresh` (LISTED), where it stays.
      if (this.state[lane] !== LISTED) {
        this.state[lane] = LISTED;
        back ??= [];
        back.push(lane);
      }
    }
    if (back !== undefined) this.addToFront(back);
  }

  release(entries: readonly QueuedEntry<Entry>[]): void {
    for (const queued of entries) {
      const lane = this.laneOf[queued.seq];
      this.state[lane] &= ~IN_FLIGHT;
      // In flight, it was in no list; gone, it has no entries.
      if (this.first[lane] !== NONE) {
        this.state[lane] = LISTED;
        this.fresh.push(lane);
      }
    }
  }

  drainKey(key: string): QueuedEntry<Entry>[] {
    const lane = this.keyIndex.find(key);
    // A lane already gone has no entries left.
    return lane === NONE ? [] : this.removeLane(lane, this.first[lane]);
  }

  earliestReadyAt(): number | undefined {
    while (this.freshHead < this.fresh.length) {
      const lane = this.fresh[this.freshHead];
      if (this.sendable(lane)) return 0;
      this.freshHead++;
    }
    this.compactFresh();
    let earliest: number | undefined;
    for (const lane of this.front) {
      if (!this.sendable(lane)) continue;
      const { readyAt } = this.entryAt(this.first[lane]);
      earliest = earliest === undefined ? readyAt : Math.min(earliest, readyAt);
    }
    return earliest;
  }

  drain(): QueuedEntry<Entry>[] {
    const rest: QueuedEntry<Entry>[] = [];
    // A lane already gone has no entries left.
    for (let lane = 0; lane < this.lanes; lane++) {
      for (const queued of this.removeLane(lane, this.first[lane])) rest.push(queued);
    }
    this.fresh = [];
    this.freshHead = 0;
    this.front = [];
    return rest;
  }

  /** Doubles the arrays: more entries came than expected. Lanes never outnumber entries. */
  private grow(): void {
    const double = <T extends Int32Array | Uint8Array>(array: T): T => {
      const grown = new (array.constructor as new (length: number) => T)(array.length * 2);
      grown.set(array);
      return grown;
    };
    this.first = double(this.first);
    this.last = double(this.last);
    this.state = double(this.state);
    this.laneOf = double(this.laneOf);
    this.next = double(this.next);
  }

  /**
   * Whether a listed lane can send now, readiness of its first entry aside: its key did not
   * fail while it was listed. (A listed lane is never in flight; IN_FLIGHT is checked too, so
   * that a lane listed twice by mistake would not send two entries of its key at once.)
   */
  private sendable(lane: number): boolean {
    return (this.state[lane] & (IN_FLIGHT | GONE)) === 0;
  }

  /** The entry at `seq`, which is queued (taken entries are let go). */
  private entryAt(seq: number): QueuedEntry<Entry> {
    return this.entries[seq] as QueuedEntry<Entry>;
  }

  private takeFirst(lane: number): QueuedEntry<Entry> {
    const seq = this.first[lane];
    this.first[lane] = this.next[seq];
    if (this.first[lane] === NONE) this.last[lane] = NONE;
    this.state[lane] |= IN_FLIGHT;
    this.count--;
    const queued = this.entryAt(seq);
    this.entries[seq] = undefined;
    return queued;
  }

  /** The lane's first entry's record failed: the entry and the later ones of its key are not sent. */
  private dropLane(
    lane: number,
    onDropped: (dropped: QueuedEntry<Entry>, later: QueuedEntry<Entry>[]) => void,
  ): void {
    const seq = this.first[lane];
    const later = this.removeLane(lane, this.next[seq]);
    this.count--;
    onDropped(this.entryAt(seq), later);
  }

  /** Ends the lane for good (its key failed) and returns its entries from `from` on. */
  private removeLane(lane: number, from: number): QueuedEntry<Entry>[] {
    const rest: QueuedEntry<Entry>[] = [];
    for (let seq = from; seq !== NONE; seq = this.next[seq]) rest.push(this.entryAt(seq));
    this.count -= rest.length;
    // Neither in flight nor listed any more: a list that still holds it skips it.
    this.state[lane] = GONE;
    this.first[lane] = NONE;
    this.last[lane] = NONE;
    return rest;
  }

  /** Merges lanes into `front`, which stays sorted by the `seq` of their first entries. */
  private addToFront(lanes: number[]): void {
    const first = this.first;
    // A few sorted runs: the sort merges them in about linear time.
    this.front = this.front.concat(lanes).sort((a, b) => first[a] - first[b]);
  }

  /** Lets go of the read part of `fresh`, so that it does not grow with every release. */
  // Stryker disable next-line BlockStatement: memory only, as below
  private compactFresh(): void {
    const read = this.freshHead;
    // Stryker disable next-line all: memory only: `slice` keeps the unread lanes, so when it runs does not change what is read
    if (read === this.fresh.length || (read >= 65_536 && read * 2 >= this.fresh.length)) {
      this.fresh = this.fresh.slice(this.freshHead);
      this.freshHead = 0;
    }
  }
}
