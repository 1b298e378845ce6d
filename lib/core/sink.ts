import { fullJitterBackoff } from './backoff.js';
import { BisectingQueue } from './bisecting-queue.js';
import { OrderedEntryQueue, type QueuedEntry, UnorderedEntryQueue } from './entry-queue.js';
import { InFlightRequest, type Settlement } from './in-flight-request.js';
import { type ResolvedSinkOptions, resolveSinkOptions, type SinkOptions } from './options.js';
import { AimdRateLimiter, type RateLimitingStrategy } from './rate-limiter.js';
import { type RecordInput, recordInput, type SinkInput } from './record-input.js';
import {
  type Destination,
  emptySinkStats,
  FailureCode,
  type RecordFailure,
  type RecordOutcome,
  type SinkRecord,
  type SinkResult,
  type SinkStats,
} from './types.js';

/** Options of one {@link AsyncSink.run}. */
export interface RunOptions {
  /** When to stop: an `AbortSignal` (e.g. middy's timeout signal) or a time in ms since the epoch. */
  readonly deadline?: AbortSignal | number;
}

const LIMITED_POLL_MS = 10;
/**
 * How long a run that is over waits, at most, for the `send()` calls it aborted to return
 * (never past the deadline). The SDK's calls end within a turn of the abort; a custom
 * destination that ignores its signal is not waited for longer.
 */
const ABANDON_GRACE_MS = 1_000;
/** Records the per-record arrays hold at first when the input's length is not known; they double. */
const INITIAL_RECORDS = 1_024;
/** The key of every entry in unordered mode: nothing reads it. */
const NO_KEY = '';
/** Why every record fails when the input throws: never reported, the run rejects with the input's error. */
const INPUT_FAILED: RecordFailure = {
  code: FailureCode.SendingStopped,
  reason: 'reading the records failed',
};
/** The guard of the run loop: unreachable by design; if it ever happens, report rather than count anything done. */
const LOST_TRACK: RecordFailure = {
  code: 'InternalError',
  reason: 'the sink lost track of an entry; reported for retry',
};

/**
 * The destination-agnostic async sink (after Flink's `AsyncSinkWriter`): packs entries
 * into as few requests as the destination's limits allow, keeps up to
 * `maxInFlightRequests` in flight, retries only the entries that failed, backs off
 * when throttled, and says for every source record whether it is done. Stateless
 * between runs: the event source is the durable buffer.
 */
export class AsyncSink<Entry> {
  private readonly options: ResolvedSinkOptions;

  constructor(
    private readonly destination: Destination<Entry>,
    options: SinkOptions = {},
  ) {
    const resolved = resolveSinkOptions(options);
    this.options = destination.distinctKeysPerRequest === true ? { ...resolved, ordered: true } : resolved;
  }

  /**
   * Sends every record's entries and returns each record's outcome, in input order. The
   * records are read one request's worth at a time, and each request starts before the next
   * is read, so a lazy input (a generator, a {@link RecordReader}) overlaps its own work with
   * the requests. A run that stops early (the deadline, a fatal error) stops reading a lazy
   * input: `outcomes` then covers the records read, and `stopped` says why the rest fail.
   * An array is always read to its end. An input that throws rejects the run, after its
   * requests ended.
   */
  run(records: SinkInput<Entry>, options: RunOptions = {}): Promise<SinkResult> {
    return new SinkRun(this.destination, this.options, recordInput(records), options).execute();
  }
}

/** One invocation's worth of state. Discarded when the run returns. */
class SinkRun<Entry> {
  /** Per record read, by index. */
  private readonly outcomes: (RecordOutcome | undefined)[];
  private readonly ids: string[] = [];
  /** Per record: entries not yet accepted. Arrays, not an object per record: this is the hot path. */
  private remaining: Int32Array;
  /** Per record: 1 once done or failed. */
  private settled: Uint8Array;
  private readonly queue: BisectingQueue<Entry>;
  private readonly rateLimiter: RateLimitingStrategy;
  private readonly stats: SinkStats;
  private readonly inFlight = new Set<InFlightRequest<Entry>>();
  /** Requests the run no longer waits for (timed out, abandoned) whose `send()` may still run. */
  private readonly unanswered = new Set<InFlightRequest<Entry>>();
  private readonly started = Date.now();
  private unsettled = 0;
  private wake: (() => void) | undefined;
  /** Per record, the last error of an attempt that will be retried; made at the first retry. */
  private lastErrors: (string | undefined)[] | undefined;
  /** The rate limiter refused the last request: wait for one to end rather than poll. */
  // Stryker disable next-line BooleanLiteral: dispatch sets it before the run loop first reads it
  private limited = false;
  /** A wake-up on the next event-loop turn is scheduled (see {@link dispatch}). */
  private turnPending = false;
  /** Why the run stopped sending (the deadline, a fatal error), once it did. */
  private stopFailure: RecordFailure | undefined;
  /** Ends a wait for a record the input promised, when the run stops. */
  private stopWaiting: (() => void) | undefined;
  /**
   * Ordered mode: key → the record that failed with an entry of that key (before sending or
   * since). A record read later with that key must not overtake it. `undefined` is never a key.
   */
  private readonly blocked = new Map<string | undefined, number>();
  /** Source groups with a record that failed before sending: their later records are not sent. */
  private readonly stoppedGroups = new Set<string | undefined>();
  /** The next entry's position in input order. */
  private seq = 0;
  /**
   * Scratch, per entry of the record being read: its size and (ordered mode) its ordering key.
   * Written at every position of a record before any is read.
   */
  // Stryker disable next-line ArrayDeclaration: a junk first element is overwritten before it is read
  private readonly sizes: number[] = [];
  // Stryker disable next-line ArrayDeclaration: a junk first element is overwritten before it is read
  private readonly keys: (string | undefined)[] = [];
  /** Bytes queued since the last request was started while reading. */
  private bytesRead = 0;

  constructor(
    private readonly destination: Destination<Entry>,
    private readonly options: ResolvedSinkOptions,
    private readonly input: RecordInput<Entry>,
    private readonly runOptions: RunOptions,
  ) {
    const { limits } = destination;
    // Size hints (the arrays grow as records come); at least 1, so that doubling grows an empty one.
    // Stryker disable next-line MethodExpression: a capacity of 1 grows by doubling, to the same results
    const capacity = Math.max(input.length ?? INITIAL_RECORDS, 1);
    // Stryker disable next-line ArrayDeclaration: an empty array grows by push in take, to the same outcomes
    this.outcomes = new Array(input.length ?? 0);
    this.remaining = new Int32Array(capacity);
    this.settled = new Uint8Array(capacity);
    this.queue = new BisectingQueue(
      options.ordered
        ? // Stryker disable next-line LogicalOperator: a size hint; the queue grows as needed
          new OrderedEntryQueue<Entry>(this.settled, input.entries ?? capacity)
        : new UnorderedEntryQueue<Entry>(this.settled),
      this.settled,
    );
    this.rateLimiter =
      options.rateLimiter ??
      new AimdRateLimiter({
        maxInFlightEntries: options.maxInFlightRequests * limits.maxEntriesPerRequest,
        maxBatchSize: limits.maxEntriesPerRequest,
      });
    this.stats = emptySinkStats();
  }

  async execute(): Promise<SinkResult> {
    const stopWatching = this.watchDeadline();
    let unreadable: { readonly error: unknown } | undefined;
    try {
      try {
        await this.readInput();
      } catch (error) {
        unreadable = { error };
        this.stop(INPUT_FAILED);
      }
      // Every way a run ends (all done, a fatal error, the deadline) settles every record.
      this.dispatch();
      while (this.unsettled > 0) {
        if (this.inFlight.size === 0 && this.queue.length === 0) this.stop(LOST_TRACK);
        else {
          await this.nextEvent();
          this.dispatch();
        }
      }
    } finally {
      stopWatching();
      this.input.close();
    }
    await this.endSends();
    if (unreadable !== undefined) throw unreadable.error;
    this.stats.elapsedMs = Date.now() - this.started;
    const result = { outcomes: this.outcomes as RecordOutcome[], stats: this.stats };
    return this.stopFailure === undefined ? result : { ...result, stopped: this.stopFailure };
  }

  /**
   * Every record is settled, or the run stopped: aborts the requests still running (their
   * entries' records have all failed, or the run stopped, so no answer matters any more) and
   * waits, within a short bound, for their `send()` to return. A run must not return with
   * calls on the wire: in Lambda they would run on into the next invocation.
   */
  private async endSends(): Promise<void> {
    for (const request of this.inFlight) this.unanswered.add(request);
    this.inFlight.clear();
    // Stryker disable next-line ArrayDeclaration: awaiting a junk string resolves at once
    const ended: Promise<void>[] = [];
    for (const request of this.unanswered) {
      // One not running was aborted already (timed out or stopped), and its `ended` has resolved.
      request.abandon();
      ended.push(request.ended);
    }
    const { deadline } = this.runOptions;
    if (typeof deadline === 'number') return this.waitFor(ended, deadline - Date.now());
    if (deadline?.aborted !== true) return this.waitFor(ended, ABANDON_GRACE_MS, deadline);
  }

  /** Waits for `ended`, at most `ms` (capped at the grace) and not past the deadline signal. */
  private async waitFor(ended: readonly Promise<void>[], ms: number, deadline?: AbortSignal): Promise<void> {
    const wait = Math.min(ABANDON_GRACE_MS, ms);
    let timer: NodeJS.Timeout | undefined;
    let done = () => {};
    await Promise.race([
      Promise.all(ended),
      new Promise<void>((resolve) => {
        done = resolve;
        timer = setTimeout(done, wait);
        // Nor past a deadline given as a signal.
        // Removed below, once the race is over.
        deadline?.addEventListener('abort', done);
      }),
    ]);
    clearTimeout(timer);
    deadline?.removeEventListener('abort', done);
  }

  /**
   * Reads the input one request's worth at a time: the records until their entries would fill
   * a request, then at most one request is started, then the rest of the turn goes to others
   * (the request's serializing, signing and writing run on microtasks, answers, timers), and
   * reading goes on in the next turn. So the first request is on the wire after one request's
   * reading, not after all of it.
   */
  private async readInput(): Promise<void> {
    const { limits } = this.destination;
    for (;;) {
      const maxEntries = Math.max(1, Math.min(limits.maxEntriesPerRequest, this.rateLimiter.maxBatchSize()));
      let entries = 0;
      this.bytesRead = 0;
      while (entries < maxEntries && this.bytesRead < limits.maxBytesPerRequest) {
        // A lazy input is not read past a stop: nothing read now could be sent.
        if (this.stopFailure !== undefined && !this.input.readsFreely) return;
        let record = this.input.read();
        if (isPromiseLike(record)) record = await this.unlessStopped(record);
        if (record === undefined) return;
        entries += this.take(record);
      }
      this.dispatch();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Waits for a promised record, or for the run to stop, whichever comes first. */
  private unlessStopped(
    pending: PromiseLike<SinkRecord<Entry> | undefined>,
  ): Promise<SinkRecord<Entry> | undefined> {
    if (this.stopFailure !== undefined) return Promise.resolve(undefined);
    // A stop after the record came resolves a settled promise: nothing.
    return new Promise<SinkRecord<Entry> | undefined>((resolve, reject) => {
      this.stopWaiting = () => resolve(undefined);
      pending.then(resolve, reject);
    });
  }

  /**
   * Takes in one record: measures and checks each entry once, and queues them; returns how
   * many it queued. A record with an entry no request could take fails now, unsent. In ordered
   * mode so do the later records that share a key with a failed one: they must not overtake it
   * (it is sent again, by the event source, after they would have been).
   */
  private take(record: SinkRecord<Entry>): number {
    const index = this.ids.length;
    const { entries, group } = record;
    this.ids.push(record.id);
    if (index >= this.settled.length) this.growRecords();
    // Keeps a growing array packed: a record may settle before an earlier one.
    this.outcomes[index] = undefined;
    this.remaining[index] = entries.length;
    this.unsettled++;
    this.stats.records++;
    this.stats.entries += entries.length;
    const failure = this.refusal(entries, group);
    if (failure !== undefined) {
      this.fail(index, failure);
      this.stoppedGroups.add(group);
      // Its keys (read in ordered mode unless the run stopped, when every later record fails anyway).
      for (let position = 0; position < entries.length; position++) {
        const key = this.keys[position];
        if (key !== undefined && !this.blocked.has(key)) this.blocked.set(key, index);
      }
      return 0;
    }
    if (entries.length === 0) {
      this.succeed(index);
      return 0;
    }
    const { ordered } = this.options;
    for (let position = 0; position < entries.length; position++) {
      const size = this.sizes[position];
      this.queue.push({
        entry: entries[position],
        size,
        seq: this.seq,
        record: index,
        // An entry without a key has no order to keep: a key of its own.
        key: ordered ? (this.keys[position] ?? `\u0000${this.seq}`) : NO_KEY,
        attempts: 0,
        readyAt: 0,
      });
      this.bytesRead += size;
      this.seq++;
    }
    return entries.length;
  }

  /**
   * Why the record fails before sending, if it does: the run stopped, its group stopped, an
   * entry no request could take, or (ordered mode) a key whose earlier entry failed. Every
   * entry is checked before any is queued: a record that fails now sends nothing.
   */
  private refusal(entries: readonly Entry[], group: string | undefined): RecordFailure | undefined {
    if (this.stopFailure !== undefined) return this.stopFailure;
    const { ordered } = this.options;
    // Read first, so that a record cut off with its group blocks its keys too.
    const unreadable = ordered ? this.readKeys(entries, this.keys) : undefined;
    if (group !== undefined && this.stoppedGroups.has(group)) {
      return {
        code: FailureCode.PredecessorFailed,
        reason: `an earlier record of group ${group} failed before sending`,
      };
    }
    const { limits } = this.destination;
    const perEntry = Math.min(limits.maxBytesPerEntry, limits.maxBytesPerRequest);
    let invalid: string | undefined;
    for (let position = 0; position < entries.length && invalid === undefined; position++) {
      invalid = this.check(entries[position], position, perEntry, this.sizes);
    }
    invalid ??= unreadable;
    let predecessor: number | undefined;
    if (ordered) {
      for (let position = 0; position < entries.length && predecessor === undefined; position++) {
        predecessor = this.blocked.get(this.keys[position]);
      }
    }
    if (invalid !== undefined) return { code: FailureCode.InvalidEntry, reason: invalid };
    if (predecessor !== undefined) return this.predecessorFailed(predecessor);
    return undefined;
  }

  /** More records came than the per-record arrays hold: doubles them. */
  private growRecords(): void {
    const remaining = new Int32Array(this.remaining.length * 2);
    remaining.set(this.remaining);
    this.remaining = remaining;
    const settled = new Uint8Array(this.settled.length * 2);
    settled.set(this.settled);
    this.settled = settled;
    this.queue.useSettled(settled);
  }

  /** Ordered mode: reads every entry's ordering key into `keys`; says why not, if one cannot be read. */
  private readKeys(entries: readonly Entry[], keys: (string | undefined)[]): string | undefined {
    let invalid: string | undefined;
    for (let position = 0; position < entries.length; position++) {
      try {
        keys[position] = this.destination.orderingKeyOf?.(entries[position]);
      } catch (error) {
        keys[position] = undefined;
        invalid ??= `entry ${position}'s ordering key could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return invalid;
  }

  /** Measures an entry (into `sizes[position]`) and says why no request could take it, if so. */
  private check(entry: Entry, position: number, perEntry: number, sizes: number[]): string | undefined {
    try {
      const size = this.destination.sizeOf(entry);
      sizes[position] = size;
      // The destination's own reason first: it names the limit in the service's terms.
      return (
        this.destination.invalidReason(entry, size) ??
        (size > perEntry
          ? `entry ${position} is ${size} bytes, over the ${this.destination.name} limit of ${perEntry} bytes per entry`
          : undefined)
      );
    } catch (error) {
      // A malformed entry (say, no body) must fail its record, not the whole invocation.
      return `entry ${position} could not be checked: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * Starts the next request, if the in-flight limit, the rate limiter and backoff allow,
   * at most one per event-loop turn: the SDK's chain (serialize, sign, write) runs on
   * microtasks, so requests started together would all be serialized before the first is
   * written. One per turn, the first is on the wire after one request's work, and timers
   * (the deadline, request timeouts) run between requests even when a destination
   * answers at once.
   */
  private dispatch(): void {
    this.limited = false;
    // A stopped run has an empty queue.
    if (
      this.turnPending ||
      this.inFlight.size >= this.options.maxInFlightRequests ||
      // Stryker disable next-line ConditionalExpression: a fast path; take on an empty queue gives no batch
      this.queue.length === 0
    ) {
      return;
    }
    const { limits } = this.destination;
    const maxEntries = Math.max(1, Math.min(limits.maxEntriesPerRequest, this.rateLimiter.maxBatchSize()));
    const batch = this.queue.take(
      { maxEntries, maxBytes: limits.maxBytesPerRequest, now: Date.now() },
      (dropped, later) => this.failLater(dropped, later),
    );
    if (batch.length === 0) return;
    this.limited = this.rateLimiter.shouldBlock({ batchSize: batch.length });
    if (this.limited) {
      this.queue.requeue(batch);
      return;
    }
    this.stats.batchFill += batch.length / maxEntries;
    this.start(batch);
    this.nextTurn();
  }

  /** Wakes the run loop on the next event-loop turn, once, to start the next request. */
  private nextTurn(): void {
    // Only dispatch calls it, and not while a turn is pending.
    this.turnPending = true;
    setImmediate(() => {
      this.turnPending = false;
      this.signal();
    });
  }

  private start(batch: QueuedEntry<Entry>[]): void {
    this.stats.requests++;
    this.stats.entriesSent += batch.length;
    for (const queued of batch) queued.attempts++;
    this.rateLimiter.registerInFlightRequest({ batchSize: batch.length });
    const request = new InFlightRequest(batch, this.options.requestTimeoutMs, (settlement) =>
      this.settle(request, settlement),
    );
    this.inFlight.add(request);
    request.begin(this.destination);
  }

  /** The one place a request's outcome is applied. */
  private settle(request: InFlightRequest<Entry>, settlement: Settlement): void {
    this.inFlight.delete(request);
    // Timed out: its send() still runs, and is aborted and waited for when the run ends (no request settles after a stop).
    if (request.running) this.unanswered.add(request);
    if (settlement.kind === 'error' && settlement.classification.kind === 'bisect') {
      this.bisect(request.batch, settlement.classification);
      return;
    }
    this.queue.release(request.batch);
    const retry: QueuedEntry<Entry>[] = [];
    let throttledEntries = 0;
    if (settlement.kind === 'error') {
      const { classification } = settlement;
      this.stats.requestsFailed++;
      // Fatal (a request for bisecting was handed on above).
      if (classification.kind !== 'retryable') {
        this.rateLimiter.registerCompletedRequest({
          batchSize: request.batch.length,
          failedEntries: request.batch.length,
          throttledEntries: 0,
          throttled: false,
        });
        this.stop({
          code: FailureCode.SendingStopped,
          reason: `sending stopped by a fatal error from ${this.destination.name}: ${classification.code}: ${classification.message}`,
        });
        this.stats.fatalError = `${classification.code}: ${classification.message}`;
        return;
      }
      if (classification.throttled) throttledEntries = request.batch.length;
      const error = `${classification.code}: ${classification.message}`;
      for (const queued of request.batch) this.retryOrFail(queued, error, retry);
    } else {
      const { results } = settlement;
      for (let i = 0; i < request.batch.length; i++) {
        const queued = request.batch[i];
        const result = results[i];
        if (result.status === 'accepted') {
          this.stats.entriesAccepted++;
          if (--this.remaining[queued.record] === 0 && this.settled[queued.record] === 0)
            this.succeed(queued.record);
        } else if (result.status === 'retryable') {
          if (result.throttled === true) throttledEntries++;
          this.retryOrFail(queued, result.message ? `${result.code}: ${result.message}` : result.code, retry);
        } else if (result.status === 'deferred') {
          this.failEntry(queued, {
            code: FailureCode.Deferred,
            reason: `${this.destination.name} deferred entry to a later invocation: ${result.code}${result.message ? `: ${result.message}` : ''}`,
          });
        } else {
          this.failEntry(queued, {
            code: result.code,
            reason: `${this.destination.name} rejected entry: ${result.code}${result.message ? `: ${result.message}` : ''}`,
          });
        }
      }
    }
    const throttled = throttledEntries > 0;
    if (throttled) this.stats.throttles++;
    this.rateLimiter.registerCompletedRequest({
      batchSize: request.batch.length,
      failedEntries: retry.length,
      throttledEntries,
      throttled,
    });
    // Failed entries go back to the *front*, in their order: later entries must not overtake them.
    // One backoff for the whole request, so that entries that failed together are sent together again.
    // Only then: a request with nothing to retry draws no backoff (the user's `random`) and requeues nothing.
    if (retry.length > 0) {
      const { initialBackoffMs, maxBackoffMs, random } = this.options;
      const attempts = Math.max(...retry.map((queued) => queued.attempts));
      const readyAt = Date.now() + fullJitterBackoff(attempts, initialBackoffMs, maxBackoffMs, random);
      for (const queued of retry) queued.readyAt = readyAt;
      this.stats.entriesRetried += retry.length;
      this.queue.requeue(retry);
    }
    this.signal();
  }

  /** The service refused the request for an entry it did not name: halve it, or fail the entry that stands alone. */
  private bisect(
    batch: QueuedEntry<Entry>[],
    refusal: { readonly code: string; readonly message: string },
  ): void {
    this.stats.requestsFailed++;
    this.rateLimiter.registerCompletedRequest({
      batchSize: batch.length,
      failedEntries: batch.length,
      throttledEntries: 0,
      throttled: false,
    });
    if (batch.length > 1) {
      this.stats.requestsBisected++;
      this.queue.split(batch);
    } else {
      this.queue.release(batch);
      this.failEntry(batch[0], {
        code: refusal.code,
        reason: `${this.destination.name} rejected entry: ${refusal.code}: ${refusal.message}`,
      });
    }
    this.signal();
  }

  /** `error`: what the attempt failed with, code first (e.g. `ECONNREFUSED: connect ECONNREFUSED …`). */
  private retryOrFail(queued: QueuedEntry<Entry>, error: string, retry: QueuedEntry<Entry>[]): void {
    if (this.settled[queued.record] === 1) {
      // Its record failed through another entry, so this one is not retried; in ordered mode
      // it still did not arrive, and the later entries of its key must not overtake it
      // (an unordered queue drains nothing).
      this.failLater(queued, this.queue.drainKey(queued.key));
      return;
    }
    if (queued.attempts >= this.options.maxAttempts) {
      this.failEntry(queued, {
        code: FailureCode.RetriesExhausted,
        reason: `gave up after ${queued.attempts} attempts; last error ${error}`,
      });
      return;
    }
    this.lastErrors ??= [];
    this.lastErrors[queued.record] = error;
    retry.push(queued);
  }

  /** An entry failed for good: its record fails, and in ordered mode so do the later entries of its key. */
  private failEntry(queued: QueuedEntry<Entry>, failure: RecordFailure): void {
    this.fail(queued.record, failure);
    this.failLater(queued, this.queue.drainKey(queued.key));
  }

  private failLater(failed: QueuedEntry<Entry>, later: readonly QueuedEntry<Entry>[]): void {
    // Its key is done for (the queue will not take it again): a record read later with it fails
    // unsent (ordered mode; an unordered queue's key '' is never looked up).
    if (!this.blocked.has(failed.key)) this.blocked.set(failed.key, failed.record);
    const failure = this.predecessorFailed(failed.record);
    for (const successor of later) this.fail(successor.record, failure);
  }

  private predecessorFailed(record: number): RecordFailure {
    return {
      code: FailureCode.PredecessorFailed,
      reason: `an earlier entry with the same ordering key (record ${this.ids[record]}) failed`,
    };
  }

  private succeed(index: number): void {
    this.settled[index] = 1;
    this.unsettled--;
    this.stats.recordsDone++;
    this.outcomes[index] = { id: this.ids[index], status: 'done' };
  }

  private fail(index: number, failure: RecordFailure): void {
    if (this.settled[index] === 1) return;
    this.settled[index] = 1;
    this.unsettled--;
    this.stats.recordsFailed++;
    this.outcomes[index] = {
      id: this.ids[index],
      status: 'failed',
      code: failure.code,
      reason: failure.reason,
    };
  }

  /** Stops all sending: in-flight requests are abandoned and every record not yet done fails. */
  private stop(failure: RecordFailure): void {
    this.stopFailure ??= failure;
    this.stopWaiting?.();
    for (const request of this.inFlight) {
      request.abandon();
      this.unanswered.add(request);
    }
    this.inFlight.clear();
    this.queue.drain();
    for (let index = 0; index < this.ids.length; index++) {
      const lastError = this.lastErrors?.[index];
      // A record that was tried and failed says why: "deadline" alone hides a refused connection.
      this.fail(
        index,
        lastError === undefined
          ? failure
          : {
              ...failure,
              reason: `${failure.reason}; last send error: ${lastError}`,
            },
      );
    }
    this.signal();
  }

  private watchDeadline(): () => void {
    const { deadline } = this.runOptions;
    const reached = () => {
      this.stats.deadlineReached = true;
      this.stop({
        code: FailureCode.DeadlineReached,
        reason: 'the invocation deadline came before the record was sent',
      });
    };
    if (deadline === undefined) return () => {};
    if (typeof deadline === 'number') return callAt(deadline, reached);
    if (deadline.aborted) {
      reached();
      return () => {};
    }
    // An AbortSignal fires once; the listener is removed when the run ends.
    deadline.addEventListener('abort', reached);
    return () => deadline.removeEventListener('abort', reached);
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits for a request to end, a backoff to pass, or the deadline. */
  private nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const readyAt = this.queue.earliestReadyAt();
      const canStart = this.inFlight.size < this.options.maxInFlightRequests;
      if (this.limited && this.inFlight.size === 0) {
        // A custom rate limiter refused with nothing in flight: nothing will wake us, so look again soon.
        timer = setTimeout(() => this.signal(), LIMITED_POLL_MS);
      } else if (readyAt !== undefined && canStart && !this.limited) {
        timer = setTimeout(() => this.signal(), Math.max(1, readyAt - Date.now()));
      }
    });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** The largest delay `setTimeout` takes (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `callback` at `time` (ms since the epoch), however far away; returns a cancel function. */
function callAt(time: number, callback: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const wait = time - Date.now();
    if (wait <= MAX_TIMER_MS) timer = setTimeout(callback, Math.max(0, wait));
    // Too far for one timer: wait the most one can, then look again.
    else timer = setTimeout(arm, MAX_TIMER_MS);
  };
  arm();
  return () => clearTimeout(timer);
}
