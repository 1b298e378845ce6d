import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncSink, type EntryResult, FailureCode } from '../../lib/core/index.js';
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
  records: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5_000 })),
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
});

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
  const result = await sink.run(records, {
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

        // Every record is reported exactly once, in input order.
        expect(result.outcomes.map((o) => o.id)).toEqual(records.map((r) => r.id));

        for (let i = 0; i < records.length; i++) {
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

        if (c.deadlineMs !== undefined) expect(elapsed).toBeLessThanOrEqual(c.deadlineMs + 150);

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
      { numRuns: 1_000 },
    );
  }, 600_000);
});
