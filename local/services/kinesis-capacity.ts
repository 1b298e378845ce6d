/**
 * The write capacity of a Kinesis stream as the service enforces it: each shard takes at
 * most 1,000 records and 1 MiB per second (data plus partition key), and a record over its
 * shard's limit fails alone with `ProvisionedThroughputExceededException` while records for
 * other shards in the same request go through. Kinesis counts throughput per second: here a
 * shard's allowance is a token bucket that holds at most one second of its limit and refills
 * continuously, so over any t seconds a shard accepts at most (t + 1) seconds' worth, and a
 * shard that was idle for a second takes one second's worth at once.
 */
import { kinesisHashKey, type ShardRange, shardIndexOf } from '../../lib/destinations/kinesis-hash-key.js';

/** The write limits of one shard. */
export interface ShardWriteLimits {
  readonly recordsPerSecond: number;
  /** Data plus partition key, in bytes. */
  readonly bytesPerSecond: number;
}

/** The limits of a real shard (Kinesis Data Streams quotas, provisioned mode). */
export const KINESIS_SHARD_WRITE_LIMITS: ShardWriteLimits = {
  recordsPerSecond: 1_000,
  bytesPerSecond: 1024 * 1024,
} as const;

/** A PUT payload unit, what Kinesis bills a record in (provisioned mode): 25 KB, taken here as 25 KiB. */
export const PAYLOAD_UNIT_BYTES = 25 * 1024;

/** One record offered to the stream, as the capacity model sees it. */
export interface OfferedRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  /** Data plus partition key, in bytes (what Kinesis counts against the shard). */
  readonly size: number;
}

/** The model's answer for one record: the shard that takes it, and whether it had room. */
export interface CapacityVerdict {
  readonly shardIndex: number;
  readonly accepted: boolean;
}

/** What one shard was offered and took. */
export interface ShardCounters {
  readonly shardId: string;
  offered: number;
  accepted: number;
  throttled: number;
  acceptedBytes: number;
  /** PUT payload units of the accepted records: each record counts ⌈size / 25 KiB⌉ (Kinesis pricing). */
  acceptedPayloadUnits: number;
}

/** Options of {@link KinesisCapacityModel}. */
export interface KinesisCapacityOptions {
  /** The stream's open shards, sorted by starting hash key. */
  readonly shards: readonly ShardRange[];
  /** Per-shard limits; a real shard's by default. Scale them down for simulations. */
  readonly limits?: ShardWriteLimits;
  /** The time in ms; `performance.now` by default. Tests pass a clock they move themselves. */
  readonly clock?: () => number;
}

function checkLimits(limits: ShardWriteLimits): ShardWriteLimits {
  for (const name of ['recordsPerSecond', 'bytesPerSecond'] as const) {
    const value = limits[name];
    if (!(typeof value === 'number' && value > 0)) {
      throw new RangeError(`Kinesis capacity: ${name} must be a number above 0; got ${String(value)}`);
    }
  }
  return { recordsPerSecond: limits.recordsPerSecond, bytesPerSecond: limits.bytesPerSecond };
}

/** A shard's allowance: records and bytes, each a bucket of at most one second's worth. */
class ShardAllowance {
  private records: number;
  private bytes: number;
  private last: number;

  constructor(
    private limits: ShardWriteLimits,
    now: number,
  ) {
    this.records = limits.recordsPerSecond;
    this.bytes = limits.bytesPerSecond;
    this.last = now;
  }

  /** Takes room for one record of `size` bytes if both buckets have it. */
  take(size: number, now: number): boolean {
    this.refill(now);
    if (this.records < 1 || this.bytes < size) return false;
    this.records -= 1;
    this.bytes -= size;
    return true;
  }

  setLimits(limits: ShardWriteLimits, now: number): void {
    this.refill(now);
    this.limits = limits;
    this.records = Math.min(this.records, limits.recordsPerSecond);
    this.bytes = Math.min(this.bytes, limits.bytesPerSecond);
  }

  private refill(now: number): void {
    const seconds = Math.max(0, now - this.last) / 1_000;
    this.last = Math.max(this.last, now);
    this.records = Math.min(
      this.limits.recordsPerSecond,
      this.records + seconds * this.limits.recordsPerSecond,
    );
    this.bytes = Math.min(this.limits.bytesPerSecond, this.bytes + seconds * this.limits.bytesPerSecond);
  }
}

/** The write capacity of one stream: routes each record to its shard and admits it or not. */
export class KinesisCapacityModel {
  readonly shards: readonly ShardRange[];
  private readonly clock: () => number;
  private readonly allowances: ShardAllowance[];
  private readonly counters: ShardCounters[];
  private limits: ShardWriteLimits;

  constructor(options: KinesisCapacityOptions) {
    if (options.shards.length === 0)
      throw new RangeError('Kinesis capacity: a stream needs at least one shard');
    this.shards = [...options.shards].sort((a, b) =>
      a.startingHashKey < b.startingHashKey ? -1 : a.startingHashKey > b.startingHashKey ? 1 : 0,
    );
    this.clock = options.clock ?? (() => performance.now());
    this.limits = checkLimits(options.limits ?? KINESIS_SHARD_WRITE_LIMITS);
    const now = this.clock();
    this.allowances = this.shards.map(() => new ShardAllowance(this.limits, now));
    this.counters = this.shards.map((shard) => ({
      shardId: shard.shardId,
      offered: 0,
      accepted: 0,
      throttled: 0,
      acceptedBytes: 0,
      acceptedPayloadUnits: 0,
    }));
  }

  /** The per-shard limits in force. */
  get shardLimits(): ShardWriteLimits {
    return this.limits;
  }

  /** The index of the shard that takes a record with this key, or -1 if no open shard does. */
  route(partitionKey: string, explicitHashKey?: string): number {
    return shardIndexOf(this.shards, kinesisHashKey(partitionKey, explicitHashKey));
  }

  /** Admits the records of one request in order, each against its own shard's allowance. */
  admit(records: readonly OfferedRecord[]): CapacityVerdict[] {
    const now = this.clock();
    return records.map((record) => {
      const shardIndex = this.route(record.partitionKey, record.explicitHashKey);
      if (shardIndex < 0) return { shardIndex, accepted: false };
      const counters = this.counters[shardIndex];
      counters.offered++;
      const accepted = this.allowances[shardIndex].take(record.size, now);
      if (accepted) {
        counters.accepted++;
        counters.acceptedBytes += record.size;
        counters.acceptedPayloadUnits += Math.max(1, Math.ceil(record.size / PAYLOAD_UNIT_BYTES));
      } else {
        counters.throttled++;
      }
      return { shardIndex, accepted };
    });
  }

  /** Changes every shard's limits from now on (e.g. lifts them so a simulation's backlog drains). */
  setLimits(limits: ShardWriteLimits): void {
    this.limits = checkLimits(limits);
    const now = this.clock();
    for (const allowance of this.allowances) allowance.setLimits(this.limits, now);
  }

  /** A copy of each shard's counters, in shard order. */
  stats(): ShardCounters[] {
    return this.counters.map((counters) => ({ ...counters }));
  }
}
