/**
 * Per-shard rate limiting for the Kinesis destination. Kinesis limits writes per shard, so a
 * sink that slows down for the whole stream when one shard throttles (the core's AIMD window)
 * starves the shards that had room, and a hot partition key slows every other key. Here each
 * execution environment paces every shard on its own: it keeps, per shard, the share of the
 * shard's limit it may use, grows it while the shard accepts and cuts it when the shard
 * throttles (at most every 250 ms: throttles of one round trip carry the same news), and
 * spaces the entries of each shard at that rate. A cut scales what the environment sent of
 * late, not a share it left unused, and only a share it fills grows: in a fleet of many
 * environments, each has a few records per shard per invocation, and shares it never fills
 * would add up to many times the shard. The environment that sends more meets more of the
 * throttles, so shares even out between environments. An entry whose
 * shard is booked further ahead than `maxWaitMs` is not sent: it is retried by the sink after
 * its backoff (`overBudget: 'retry'`), or given back to the event source at once
 * (`overBudget: 'defer'`), so that a hot shard never holds up an invocation.
 */
import type { EntryResult, ErrorClassification } from '../core/types.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { kinesisHashKey, shardIndexOf } from './kinesis-hash-key.js';
import type { KinesisShardMap } from './kinesis-shard-map.js';
import { numberOption } from './option-checks.js';

/** What the limiter needs of an entry to find its shard. */
export interface PacedEntry {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
}

/** What happens to an entry whose shard is booked beyond `maxWaitMs`. */
export const OverBudget = {
  /** The sink retries it after its backoff, within the invocation (fits every source). */
  Retry: 'retry',
  /** Its record goes back to the event source at once (unordered SQS sources: see docs/sizing.md). */
  Defer: 'defer',
} as const;
export type OverBudget = (typeof OverBudget)[keyof typeof OverBudget];

/** Options of per-shard rate limiting. */
export interface ShardRateLimitOptions {
  /** One shard's write limits; the service's, 1,000 records/s and 1 MiB/s, by default. */
  readonly shardLimits?: { readonly recordsPerSecond: number; readonly bytesPerSecond: number };
  /**
   * Share of a shard's limit an environment starts at, in (0, 1]. Default 0.25: a fleet that
   * starts at once does not throttle every shard on its first second; one alone reaches the
   * limit in about 3 s.
   */
  readonly initialShare?: number;
  /**
   * Growth per second of sending without throttles, as a multiple of the share (default 0.5:
   * the share doubles in about 1.4 s). In proportion to the share, so that N environments
   * together grow as fast as one: the overshoot, and the throttled sends, do not grow with N.
   * The default and the cut's are the fleet simulation's (docs/sizing.md): with growth 1 and
   * cut 0.8 a fleet of 16 or 64 sent 1.8–1.9 entries per entry stored; with 0.5 and 0.5, 1.2–1.6.
   * Only a share the environment fills at least half of grows.
   */
  readonly increasePerSecond?: number;
  /**
   * When the shard throttles (at most every 250 ms), the share becomes this factor times the
   * share the environment sent in about the last second (or times the share, if less), in (0, 1). Default 0.5.
   */
  readonly decreaseFactor?: number;
  /** The share never falls below this. Default 0.01. */
  readonly minShare?: number;
  /** Longest an entry waits for its shard's turn, in ms. Default 1,000 (Kinesis counts per second). */
  readonly maxWaitMs?: number;
  /** What happens to an entry that would wait longer. Default `'retry'`. */
  readonly overBudget?: OverBudget;
  /** The time in ms; `performance.now` by default. */
  readonly clock?: () => number;
}

/** The defaults of {@link ShardRateLimitOptions}, as data. */
export const SHARD_RATE_LIMIT_DEFAULTS = {
  shardLimits: { recordsPerSecond: 1_000, bytesPerSecond: 1024 * 1024 },
  initialShare: 0.25,
  increasePerSecond: 0.5,
  decreaseFactor: 0.5,
  minShare: 0.01,
  maxWaitMs: 1_000,
  overBudget: OverBudget.Retry,
} as const;

/** The code of an entry held back because its shard was booked beyond `maxWaitMs`. */
export const SHARD_BUSY_CODE = 'ShardRateLimited';
const THROTTLED_CODE = 'ProvisionedThroughputExceededException';
/** Entries due within this many ms of each other go in one request. */
const WAVE_MS = 100;
/** A shard idle for a while may send this much at once, in ms of its rate. */
const BURST_MS = 50;
/** After a cut, further throttles within this time carry the same news. */
const CUT_INTERVAL_MS = 250;
/** Growth counts at most this much idle time, so a long-idle environment does not come back at full rate. */
const MAX_GROWTH_STEP_MS = 250;
/** The time constant of an environment's measured use of a shard, in ms: Kinesis's own accounting window. */
const USE_WINDOW_MS = 1_000;

interface ShardPace {
  share: number;
  /** When the shard is free for this environment's next entry (ms on the clock). */
  nextFree: number;
  lastCut: number;
  lastGrowth: number;
  /**
   * The share of the shard's limit this environment sent of late, averaged exponentially over
   * about USE_WINDOW_MS: what a cut scales, since a share left unused slows nothing.
   */
  used: number;
  lastUse: number;
}

/** The resolved options, checked once. */
type ResolvedOptions = Required<Omit<ShardRateLimitOptions, 'clock'>> & { readonly clock: () => number };

function resolve(options: ShardRateLimitOptions): ResolvedOptions {
  const d = SHARD_RATE_LIMIT_DEFAULTS;
  const limits = options.shardLimits ?? d.shardLimits;
  numberOption('shardLimits.recordsPerSecond', limits.recordsPerSecond, 1, 1e-6, 1e9);
  numberOption('shardLimits.bytesPerSecond', limits.bytesPerSecond, 1, 1e-6, 1e12);
  const overBudget = options.overBudget ?? d.overBudget;
  if (overBudget !== OverBudget.Retry && overBudget !== OverBudget.Defer) {
    throw new DestinationConfigurationError(
      'overBudget',
      `overBudget must be 'retry' or 'defer'; got ${String(overBudget)}`,
    );
  }
  const minShare = numberOption('minShare', options.minShare, d.minShare, 1e-6, 1);
  const decreaseFactor = numberOption('decreaseFactor', options.decreaseFactor, d.decreaseFactor, 0.01, 0.99);
  return {
    shardLimits: limits,
    initialShare: numberOption('initialShare', options.initialShare, d.initialShare, minShare, 1),
    increasePerSecond: numberOption(
      'increasePerSecond',
      options.increasePerSecond,
      d.increasePerSecond,
      0,
      100,
    ),
    decreaseFactor,
    minShare,
    maxWaitMs: numberOption('maxWaitMs', options.maxWaitMs, d.maxWaitMs, 0, 900_000),
    overBudget,
    clock: options.clock ?? (() => performance.now()),
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', aborted);
      done();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      fail(signal.reason);
    };
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** The destination the limiter sends through: one `PutRecords` per call, and how to read its errors. */
export interface PacedSender<Entry extends PacedEntry> {
  send(entries: readonly Entry[], signal: AbortSignal): Promise<readonly EntryResult[]>;
  classifyError(error: unknown): ErrorClassification;
  /** The entry's size as the shard counts it: data plus partition key. */
  sizeOf(entry: Entry): number;
}

/** Paces each shard of one stream for one execution environment. */
export class ShardRateLimiter {
  private readonly options: ResolvedOptions;
  private readonly paces = new Map<string, ShardPace>();

  constructor(
    private readonly shardMap: KinesisShardMap,
    options: ShardRateLimitOptions = {},
  ) {
    this.options = resolve(options);
  }

  /** This environment's current share of a shard's limit (the initial share for a shard not yet seen). */
  shareOf(shardId: string): number {
    return this.paces.get(shardId)?.share ?? this.options.initialShare;
  }

  /**
   * Sends `entries` through `send`, each when its shard's pace allows; answers those whose
   * shard is booked beyond `maxWaitMs` without sending them, and one result per entry in order.
   */
  async send<Entry extends PacedEntry>(
    entries: readonly Entry[],
    signal: AbortSignal,
    sender: PacedSender<Entry>,
  ): Promise<readonly EntryResult[]> {
    const shards = await this.shardMap.shards(signal);
    const now = this.options.clock();
    const results: EntryResult[] = new Array(entries.length);
    const shardOf: string[] = new Array(entries.length);
    const waves = new Map<number, number[]>();
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index];
      const shardIndex = shardIndexOf(shards, kinesisHashKey(entry.partitionKey, entry.explicitHashKey));
      if (shardIndex < 0) this.shardMap.refresh();
      const shardId = shardIndex < 0 ? '' : shards[shardIndex].shardId;
      shardOf[index] = shardId;
      const wait = shardId === '' ? 0 : this.book(shardId, sender.sizeOf(entry), now);
      if (wait === undefined) {
        results[index] = this.overBudget(shardId);
        continue;
      }
      const wave = Math.floor(wait / WAVE_MS);
      const members = waves.get(wave);
      if (members) members.push(index);
      else waves.set(wave, [index]);
    }
    let fatal: unknown;
    await Promise.all(
      [...waves].map(async ([wave, members]) => {
        const batch = members.map((index) => entries[index]);
        try {
          if (wave > 0) await delay(wave * WAVE_MS - (this.options.clock() - now), signal);
          const answered = await sender.send(batch, signal);
          members.forEach((index, position) => {
            results[index] = this.learn(shardOf[index], answered[position]);
          });
        } catch (error) {
          // One wave failed whole: its entries are retried alone, so the other waves' accepted
          // entries are not sent twice. Any other error (fatal, or one the core bisects) goes
          // to the core whole, once every wave is back.
          const classification = sender.classifyError(error);
          if (classification.kind !== 'retryable' || signal.aborted) fatal ??= error;
          for (const index of members) {
            results[index] =
              classification.kind !== 'retryable'
                ? { status: 'retryable', code: classification.code, message: classification.message }
                : {
                    status: 'retryable',
                    code: classification.code,
                    message: classification.message,
                    throttled: classification.throttled,
                  };
          }
        }
      }),
    );
    if (fatal !== undefined) throw fatal;
    return results;
  }

  /** Books an entry of `size` bytes on its shard; answers its wait in ms, or undefined when over budget. */
  private book(shardId: string, size: number, now: number): number | undefined {
    const pace = this.paceOf(shardId, now);
    const { recordsPerSecond, bytesPerSecond } = this.options.shardLimits;
    const cost = Math.max(1 / recordsPerSecond, size / bytesPerSecond) * 1_000;
    const start = Math.max(pace.nextFree, now - BURST_MS);
    const wait = Math.max(0, start - now);
    if (wait > this.options.maxWaitMs) return undefined;
    pace.nextFree = start + cost / pace.share;
    pace.used = this.usedAt(pace, now) + cost / USE_WINDOW_MS;
    pace.lastUse = now;
    return wait;
  }

  /** Updates the shard's share from one entry's result; shard throttles reach the core as plain retries. */
  private learn(shardId: string, result: EntryResult): EntryResult {
    if (shardId === '') return result;
    const now = this.options.clock();
    const pace = this.paceOf(shardId, now);
    if (result.status === 'accepted') {
      const step = Math.min(MAX_GROWTH_STEP_MS, now - pace.lastGrowth);
      pace.lastGrowth = now;
      // A share the environment does not fill (it has fewer records for the shard than the
      // share allows) does not grow: else a fleet's shares add up to many times the shard's
      // limit, and a cut of a share nobody uses slows nothing (congestion window validation, RFC 7661).
      if (this.usedAt(pace, now) < pace.share / 2) return result;
      // In proportion to the share: at a fair share of 1/N each, N environments together grow
      // as fast as one alone would, so the overshoot (and the throttled sends) do not grow with N.
      const growth = (this.options.increasePerSecond * Math.max(0, step) * pace.share) / 1_000;
      pace.share = Math.min(1, pace.share + growth);
      return result;
    }
    if (result.status === 'retryable' && result.code === THROTTLED_CODE) {
      if (now - pace.lastCut >= CUT_INTERVAL_MS) {
        // What the environment sent is cut, not a share it left unused.
        const sending = Math.min(pace.share, this.usedAt(pace, now));
        pace.share = Math.max(this.options.minShare, sending * this.options.decreaseFactor);
        pace.lastCut = now;
      }
      // The shard's bucket is empty: no burst until it has refilled.
      pace.nextFree = Math.max(pace.nextFree, now);
      pace.lastGrowth = now;
      // The core's AIMD window is for the whole stream: this shard's throttle must not shrink it.
      return { ...result, throttled: false };
    }
    return result;
  }

  /** The share the environment sent of late, decayed to `now`. */
  private usedAt(pace: ShardPace, now: number): number {
    return pace.used * Math.exp(-Math.max(0, now - pace.lastUse) / USE_WINDOW_MS);
  }

  private overBudget(shardId: string): EntryResult {
    const message = `shard ${shardId} is booked beyond ${this.options.maxWaitMs} ms at this environment's share (${this.shareOf(shardId).toFixed(3)})`;
    return this.options.overBudget === OverBudget.Defer
      ? { status: 'deferred', code: SHARD_BUSY_CODE, message }
      : { status: 'retryable', code: SHARD_BUSY_CODE, message, throttled: false };
  }

  private paceOf(shardId: string, now: number): ShardPace {
    let pace = this.paces.get(shardId);
    if (pace === undefined) {
      pace = {
        share: this.options.initialShare,
        nextFree: now,
        lastCut: -Infinity,
        lastGrowth: now,
        used: 0,
        lastUse: now,
      };
      this.paces.set(shardId, pace);
    }
    return pace;
  }
}
