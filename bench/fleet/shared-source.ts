/**
 * The shared source the environments are fed from, as an SQS queue feeds a Lambda fleet:
 * produced records wait in arrival order, each receive takes up to a batch of them, a record
 * reported failed comes back after the redelivery delay, and a record is gone only when an
 * environment reported it done.
 */
import type { Random } from '../../local/index.js';
import type { SourceRecord } from './protocol.js';

/** What the source is told to produce. */
export interface SourceShape {
  readonly hotKeyShare: number;
  readonly recordBytes: { readonly min: number; readonly max: number };
}

/** The hot partition key. */
export const HOT_KEY = 'hot-key';

export class SharedSource {
  /** Produced time of each record, by id. */
  readonly producedAt: number[] = [];
  readonly keys: string[] = [];
  private ready: SourceRecord[] = [];
  private head = 0;
  /**
   * Failed records waiting to come back, in the order they failed: with one redelivery delay,
   * also the order they come back in, so the visible ones are always at the front.
   */
  private delayed: { at: number; record: SourceRecord }[] = [];
  private delayedHead = 0;
  private readonly inFlight = new Map<number, SourceRecord>();
  receives = 0;
  private lastSettled = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly shape: SourceShape,
    private readonly random: Random,
  ) {}

  /** Adds `count` new records, produced `now`. */
  produce(count: number, now: number): void {
    const { min, max } = this.shape.recordBytes;
    for (let i = 0; i < count; i++) {
      const id = this.producedAt.length;
      const partitionKey =
        this.random() < this.shape.hotKeyShare ? HOT_KEY : `key-${Math.floor(this.random() * 1e9)}`;
      const record = { id, partitionKey, bytes: min + Math.floor(this.random() * (max - min + 1)) };
      this.producedAt.push(now);
      this.keys.push(partitionKey);
      this.ready.push(record);
    }
  }

  /** Up to `max` visible records, now in flight. */
  receive(max: number, now: number): SourceRecord[] {
    this.release(now);
    const end = Math.min(this.ready.length, this.head + max);
    const batch = this.ready.slice(this.head, end);
    this.head = end;
    if (this.head > 4_096 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    for (const record of batch) this.inFlight.set(record.id, record);
    if (batch.length > 0) this.receives += batch.length;
    return batch;
  }

  /** An invocation ended: done records leave, failed ones come back after `redeliveryMs`. */
  settle(done: readonly number[], failed: readonly number[], now: number, redeliveryMs: number): void {
    // Deliveries come back in the order they were settled only if the clock never runs back.
    if (now < this.lastSettled) throw new RangeError('SharedSource: settle() with a time before the last');
    this.lastSettled = now;
    for (const id of done) this.inFlight.delete(id);
    for (const id of failed) {
      const record = this.inFlight.get(id);
      if (record === undefined) continue;
      this.inFlight.delete(id);
      this.delayed.push({ at: now + redeliveryMs, record });
    }
  }

  /** Records visible now. */
  visible(now: number): number {
    this.release(now);
    return this.ready.length - this.head;
  }

  /** Records not yet done: visible, in flight or waiting to come back. */
  get pending(): number {
    return this.ready.length - this.head + this.inFlight.size + this.delayed.length - this.delayedHead;
  }

  /** Ids of the records not yet done. */
  pendingIds(): Set<number> {
    const ids = new Set<number>(this.inFlight.keys());
    for (let i = this.head; i < this.ready.length; i++) ids.add(this.ready[i].id);
    for (let i = this.delayedHead; i < this.delayed.length; i++) ids.add(this.delayed[i].record.id);
    return ids;
  }

  // From the front only: a fleet defers thousands of records a second, and a scan of all of
  // them at every receive made the coordinator one of the simulation's costs.
  private release(now: number): void {
    while (this.delayedHead < this.delayed.length && this.delayed[this.delayedHead].at <= now) {
      this.ready.push(this.delayed[this.delayedHead++].record);
    }
    if (this.delayedHead > 4_096 && this.delayedHead * 2 > this.delayed.length) {
      this.delayed = this.delayed.slice(this.delayedHead);
      this.delayedHead = 0;
    }
  }
}
