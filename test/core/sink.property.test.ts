import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AsyncSink,
  type Destination,
  type DestinationLimits,
  type EntryResult,
  type ErrorClassification,
  FailureCode,
} from '../../lib/core/index.js';
import { FakeDestination, type FakeEntry, FakeRequestError } from './fake-destination.js';

/** A small seeded PRNG, so that a case's records and faults follow from its parameters. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const faultsArbitrary = fc.record({
  entryFailureRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
  entryFatalRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
  throttleRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  requestErrorRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
  hangRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
  fatalRate: fc.double({ min: 0, max: 0.02, noNaN: true }),
});

const caseArbitrary = fc.record({
  seed: fc.integer(),
  records: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1_000 })),
  maxFanOut: fc.integer({ min: 0, max: 3 }),
  maxEntries: fc.oneof(fc.constant(500), fc.constant(10), fc.integer({ min: 1, max: 500 })),
  maxBytesPerEntry: fc.integer({ min: 50, max: 2_000 }),
  requestBytesFactor: fc.integer({ min: 1, max: 100 }),
  oversizeRate: fc.double({ min: 0, max: 0.05, noNaN: true }),
  maxInFlightRequests: fc.integer({ min: 1, max: 16 }),
  maxAttempts: fc.integer({ min: 1, max: 6 }),
  requestTimeoutMs: fc.integer({ min: 10, max: 30 }),
  ordered: fc.boolean(),
  keys: fc.integer({ min: 1, max: 50 }),
  deadlineMs: fc.option(fc.integer({ min: 5, max: 100 }), { nil: undefined }),
  faults: fc.option(faultsArbitrary, { nil: undefined }),
  /** The records as a generator (read lazily, not past a stop) rather than an array. */
  lazy: fc.boolean(),
});

/** Fewer cases when the mutation run asks (`npm run mutate` runs the tests once per mutant). */
const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** The fewest requests an in-order packing of these entries can make. */
function minimumRequests(sizes: number[], maxEntries: number, maxBytes: number): number {
  let requests = 0;
  let count = 0;
  let bytes = 0;
  for (const size of sizes) {
    if (count === 0 || count === maxEntries || bytes + size > maxBytes) {
      requests++;
      count = 0;
      bytes = 0;
    }
    count++;
    bytes += size;
  }
  return requests;
}

/**
 * Ordered mode without faults: a record over the limit fails, and so does every later record
 * that shares a key with a failed one (its keys are then blocked too).
 */
function doneWithoutFaults(records: { id: string; entries: FakeEntry[] }[], maxBytesPerEntry: number) {
  const blocked = new Set<string>();
  return records.filter((record) => {
    const keys = record.entries.map((e) => e.key ?? '');
    const ok =
      record.entries.every((e) => e.size <= maxBytesPerEntry) && keys.every((key) => !blocked.has(key));
    if (!ok) for (const key of keys) blocked.add(key);
    return ok;
  });
}

/** The records one by one, as a generator: the sink cannot know how many there are. */
function* lazily<R>(records: readonly R[]): Generator<R> {
  yield* records;
}

/**
 * Every record read is reported exactly once, in input order. An array is read to its end; a
 * lazy input too, unless the run stopped (then it says why), and what it did not read was not sent.
 */
function expectEveryRecordReadReported(
  records: readonly { id: string; entries: readonly FakeEntry[] }[],
  result: { readonly outcomes: readonly { id: string }[]; readonly stopped?: unknown },
  sent: ReadonlySet<string>,
  lazy: boolean,
) {
  const read = result.outcomes.length;
  expect(result.outcomes.map((o) => o.id)).toEqual(records.slice(0, read).map((r) => r.id));
  if (!lazy || read < records.length) {
    expect(read === records.length || result.stopped !== undefined).toBe(true);
  }
  if (!lazy) expect(read).toBe(records.length);
  for (const record of records.slice(read)) {
    for (const entry of record.entries) expect(sent.has(entry.id)).toBe(false);
  }
}

async function runCase(c: Case) {
  const random = mulberry32(c.seed);
  const maxBytesPerRequest = c.maxBytesPerEntry * c.requestBytesFactor;
  const records = Array.from({ length: c.records }, (_, r) => ({
    id: `r${r}`,
    entries: Array.from({ length: Math.floor(random() * (c.maxFanOut + 1)) }, (_, e): FakeEntry => {
      const oversize = random() < c.oversizeRate;
      const size = oversize
        ? c.maxBytesPerEntry + 1 + Math.floor(random() * 10)
        : 1 + Math.floor(random() * c.maxBytesPerEntry);
      return { id: `r${r}e${e}`, size, key: `k${Math.floor(random() * c.keys)}` };
    }),
  }));
  const faults = c.faults;
  const faultRandom = mulberry32(c.seed ^ 0x5bd1e995);
  const destination = new FakeDestination({
    limits: { maxEntriesPerRequest: c.maxEntries, maxBytesPerEntry: c.maxBytesPerEntry, maxBytesPerRequest },
    behaviour: faults
      ? (entries) => {
          const roll = faultRandom();
          if (roll < faults.fatalRate) return new FakeRequestError('fatal', 'AccessDeniedException');
          if (roll < faults.fatalRate + faults.hangRate) return 'hang';
          if (roll < faults.fatalRate + faults.hangRate + faults.requestErrorRate) {
            return new FakeRequestError('retryable', 'ServiceUnavailable', faultRandom() < 0.5);
          }
          return entries.map((): EntryResult => {
            const r = faultRandom();
            if (r < faults.entryFatalRate) return { status: 'fatal', code: 'InvalidParameterValue' };
            if (r < faults.entryFatalRate + faults.throttleRate) {
              return { status: 'retryable', code: 'ProvisionedThroughputExceededException', throttled: true };
            }
            if (r < faults.entryFatalRate + faults.throttleRate + faults.entryFailureRate) {
              return { status: 'retryable', code: 'InternalFailure' };
            }
            return { status: 'accepted' };
          });
        }
      : undefined,
  });
  const sink = new AsyncSink(destination, {
    maxInFlightRequests: c.maxInFlightRequests,
    maxAttempts: c.maxAttempts,
    requestTimeoutMs: c.requestTimeoutMs,
    initialBackoffMs: 1,
    maxBackoffMs: 4,
    ordered: c.ordered,
    random,
  });
  const started = Date.now();
  const result = await sink.run(c.lazy ? lazily(records) : records, {
    deadline: c.deadlineMs === undefined ? undefined : started + c.deadlineMs,
  });
  const elapsed = Date.now() - started;
  return { records, destination, result, elapsed, maxBytesPerRequest };
}

describe('the sink, over random records, limits and faults', () => {
  it('reports every record once, never done unless accepted, and keeps its limits', async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const { records, destination, result, elapsed, maxBytesPerRequest } = await runCase(c);

        expectEveryRecordReadReported(records, result, destination.sent, c.lazy);

        for (let i = 0; i < result.outcomes.length; i++) {
          const outcome = result.outcomes[i];
          const entries = records[i].entries;
          if (outcome.status === 'done') {
            // Done means every entry was accepted by the destination: never a loss.
            for (const entry of entries) expect(destination.accepted.has(entry.id)).toBe(true);
          } else if (outcome.code === FailureCode.InvalidEntry) {
            // Failed before sending: nothing of the record went out.
            for (const entry of entries) expect(destination.sent.has(entry.id)).toBe(false);
          }
        }

        expect(destination.maxInFlight).toBeLessThanOrEqual(c.maxInFlightRequests);
        for (const request of destination.requests) {
          expect(request.length).toBeLessThanOrEqual(c.maxEntries);
          expect(request.reduce((sum, e) => sum + e.size, 0)).toBeLessThanOrEqual(maxBytesPerRequest);
        }

        // Slack for a loaded machine (timers fire late); a run that ignored its deadline takes seconds.
        if (c.deadlineMs !== undefined) expect(elapsed).toBeLessThanOrEqual(c.deadlineMs + 400);

        if (!c.faults && c.deadlineMs === undefined) {
          const valid = records.filter((r) => r.entries.every((e) => e.size <= c.maxBytesPerEntry));
          const expectedDone = c.ordered ? doneWithoutFaults(records, c.maxBytesPerEntry) : valid;
          expect(result.outcomes.filter((o) => o.status === 'done').map((o) => o.id)).toEqual(
            expectedDone.map((r) => r.id),
          );
          if (!c.ordered) {
            const sizes = valid.flatMap((r) => r.entries.map((e) => e.size));
            expect(destination.requests.length).toBeLessThanOrEqual(
              minimumRequests(sizes, c.maxEntries, maxBytesPerRequest) + 1,
            );
          }
        }
      }),
      { numRuns: Math.min(150, PROPERTY_RUNS) },
    );
  }, 120_000);
});

/**
 * Ordered mode against a destination that stores what it accepts, and sometimes answers
 * only after the core gave the request up (timed out): the entries are stored, the answer
 * comes late, and the core must never apply it.
 */
type Answer =
  | {
      readonly kind: 'results';
      readonly results: readonly ('accepted' | 'retryable' | 'throttled' | 'fatal')[];
    }
  | { readonly kind: 'error'; readonly error: 'retryable' | 'bisect' }
  | { readonly kind: 'late' }
  | { readonly kind: 'hang' };

const entryOutcome = fc.constantFrom('accepted', 'accepted', 'accepted', 'retryable', 'throttled', 'fatal');
const answerArbitrary: fc.Arbitrary<Answer> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('results' as const),
      results: fc.array(entryOutcome, { minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('error' as const),
      error: fc.constantFrom('retryable' as const, 'bisect' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'late' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

const orderedCaseArbitrary = fc.record({
  /** Per record, the keys of its entries (index into the key names); `-1` is an entry without a key. */
  records: fc.array(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }), { maxLength: 40 }),
  /** Entries (by running number) over the destination's byte limit: rejected before sending. */
  oversize: fc.uniqueArray(fc.integer({ min: 0, max: 120 }), { maxLength: 3 }),
  answers: fc.array(answerArbitrary, { minLength: 1, maxLength: 30 }),
  maxEntries: fc.integer({ min: 1, max: 6 }),
  maxInFlightRequests: fc.integer({ min: 1, max: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  deadlineMs: fc.option(fc.integer({ min: 20, max: 200 }), { nil: undefined }),
  /** The records as a generator (read lazily, not past a stop) rather than an array. */
  lazy: fc.boolean(),
});

type OrderedCase = typeof orderedCaseArbitrary extends fc.Arbitrary<infer T> ? T : never;

const REQUEST_TIMEOUT_MS = 10;

/** The destination of the ordered property: a ledger of what it stored, checked at every send. */
class LedgerDestination implements Destination<FakeEntry> {
  readonly name = 'ledger';
  readonly limits: DestinationLimits;
  /** Entry ids stored, in the order first stored. */
  readonly stored = new Set<string>();
  readonly sent = new Set<string>();
  /** Keys of requests the core has not given up yet (not answered, not aborted). */
  private readonly keysInFlight = new Set<string>();
  /** Accepted results delivered while the core still waited for them: the only ones it may apply. */
  timelyAccepted = 0;
  readonly violations: string[] = [];
  private calls = 0;

  constructor(
    maxEntries: number,
    /** Each entry's predecessor of the same key, if any. */
    private readonly predecessor: ReadonlyMap<string, string>,
    private readonly answers: readonly Answer[],
  ) {
    this.limits = { maxEntriesPerRequest: maxEntries, maxBytesPerRequest: 1_000, maxBytesPerEntry: 100 };
  }

  sizeOf(entry: FakeEntry): number {
    return entry.size;
  }

  invalidReason(): string | undefined {
    return undefined;
  }

  orderingKeyOf(entry: FakeEntry): string | undefined {
    return entry.key;
  }

  classifyError(error: unknown): ErrorClassification {
    if (error instanceof FakeRequestError && error.kind === 'bisect') {
      return { kind: 'bisect', code: error.code, message: error.message };
    }
    return {
      kind: 'retryable',
      code: error instanceof Error ? error.name : 'Unknown',
      message: String(error),
      throttled: false,
    };
  }

  async send(entries: readonly FakeEntry[], signal: AbortSignal): Promise<readonly EntryResult[]> {
    this.checkSend(entries);
    const answer = this.answers[this.calls++ % this.answers.length];
    const keys = entries.flatMap((e) => (e.key === undefined ? [] : [e.key]));
    for (const key of keys) this.keysInFlight.add(key);
    const givenUp = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    void givenUp.then(() => {
      for (const key of keys) this.keysInFlight.delete(key);
    });
    // Answer on a later turn, as a network would.
    await new Promise((resolve) => setImmediate(resolve));
    if (answer.kind === 'hang') {
      await givenUp;
      throw signal.reason;
    }
    if (answer.kind === 'late') {
      // Stored, but the answer comes only after the core timed the request out.
      await givenUp;
      for (const e of entries) this.store(e);
      await new Promise((resolve) => setImmediate(resolve));
      return entries.map(() => ({ status: 'accepted' }));
    }
    if (signal.aborted) throw signal.reason;
    for (const key of keys) this.keysInFlight.delete(key);
    if (answer.kind === 'error') {
      throw new FakeRequestError(
        answer.error === 'bisect' ? 'bisect' : 'retryable',
        answer.error === 'bisect' ? 'ValidationException' : 'ServiceUnavailable',
      );
    }
    return entries.map((e, i): EntryResult => {
      const outcome = answer.results[i % answer.results.length];
      if (outcome === 'accepted') {
        this.store(e);
        this.timelyAccepted++;
        return { status: 'accepted' };
      }
      if (outcome === 'fatal') return { status: 'fatal', code: 'InvalidArgument' };
      return {
        status: 'retryable',
        code: outcome === 'throttled' ? 'Throttling' : 'InternalFailure',
        throttled: outcome === 'throttled',
      };
    });
  }

  private store(entry: FakeEntry): void {
    this.stored.add(entry.id);
  }

  /** At most one entry per key per request, one request per key in flight, and never ahead of a predecessor. */
  private checkSend(entries: readonly FakeEntry[]): void {
    const keys = new Set<string>();
    for (const entry of entries) {
      this.sent.add(entry.id);
      if (entry.key === undefined) continue;
      if (keys.has(entry.key)) this.violations.push(`two entries of ${entry.key} in one request`);
      if (this.keysInFlight.has(entry.key))
        this.violations.push(`${entry.id} sent while ${entry.key} was in flight`);
      keys.add(entry.key);
      const before = this.predecessor.get(entry.id);
      if (before !== undefined && !this.stored.has(before)) {
        this.violations.push(`${entry.id} sent before its predecessor ${before} was stored`);
      }
    }
  }
}

async function runOrderedCase(c: OrderedCase) {
  const oversize = new Set(c.oversize);
  let running = 0;
  const records = c.records.map((keys, r) => ({
    id: `r${r}`,
    entries: keys.map(
      (k, e): FakeEntry => ({
        id: `r${r}e${e}`,
        size: oversize.has(running++) ? 101 : 10,
        key: k < 0 ? undefined : `K${k}`,
      }),
    ),
  }));
  const predecessor = new Map<string, string>();
  const lastOfKey = new Map<string, string>();
  for (const entry of records.flatMap((r) => r.entries)) {
    if (entry.key === undefined) continue;
    const before = lastOfKey.get(entry.key);
    if (before !== undefined) predecessor.set(entry.id, before);
    lastOfKey.set(entry.key, entry.id);
  }
  const destination = new LedgerDestination(c.maxEntries, predecessor, c.answers);
  const sink = new AsyncSink(destination, {
    ordered: true,
    maxInFlightRequests: c.maxInFlightRequests,
    maxAttempts: c.maxAttempts,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    initialBackoffMs: 0,
    maxBackoffMs: 1,
  });
  const result = await sink.run(c.lazy ? lazily(records) : records, {
    deadline: c.deadlineMs === undefined ? undefined : Date.now() + c.deadlineMs,
  });
  return { records, destination, result, predecessor };
}

describe('ordered mode, over random keys, faults and late answers', () => {
  it('sends the entries of a key one at a time and in order, never past a failed one, and never applies a late answer', async () => {
    await fc.assert(
      fc.asyncProperty(orderedCaseArbitrary, async (c) => {
        // Arrange, act
        const { records, destination, result, predecessor } = await runOrderedCase(c);

        // Assert
        // At send time: one entry per key per request, one request per key in flight, the key's
        // previous entry stored. So per key the stored entries are a prefix, in order, and an
        // entry that failed (in a response, in flight or before sending) has no successor sent.
        expect(destination.violations).toEqual([]);
        expectEveryRecordReadReported(records, result, destination.sent, c.lazy);
        for (const [entry, before] of predecessor) {
          if (destination.stored.has(entry)) expect(destination.stored.has(before)).toBe(true);
        }
        // Done means stored, every entry of it.
        result.outcomes.forEach((outcome, i) => {
          if (outcome.status === 'done')
            for (const e of records[i].entries) expect(destination.stored.has(e.id)).toBe(true);
        });
        // A late answer is never applied: the core counts exactly the accepted results it waited for.
        expect(result.stats.entriesAccepted).toBe(destination.timelyAccepted);
      }),
      { numRuns: Math.min(300, PROPERTY_RUNS * 2) },
    );
  }, 120_000);
});
