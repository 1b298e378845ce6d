/**
 * The destinations through the core, with the real SDK client each creates for itself, over
 * HTTP to the local services, with and without a fault-injecting proxy in between.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AsyncSink,
  type Destination,
  FailureCode,
  type SinkRecord,
  type SinkResult,
} from '../../lib/core/index.js';
import { type FaultConfig, type FaultProxy, seededRandom, startFaultProxy } from '../../local/index.js';
import {
  type BuiltDestination,
  DESTINATION_CASES,
  type DestinationCase,
  type DestinationFixture,
  LOCAL_ENV,
} from './destination-cases.js';

/** Records `r0`, `r1`, ... with 1 to 3 entries each. */
function recordsFor<Entry>(
  fixture: DestinationFixture<Entry>,
  count: number,
  prefix: string,
): SinkRecord<Entry>[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${i}`;
    return { id, entries: Array.from({ length: 1 + (i % 3) }, (_, j) => fixture.entryFor(id, j)) };
  });
}

/** Every kind of fault the proxy has, at rates that leave most records done. */
const FAULTS: FaultConfig = {
  entryFailureRate: 0.15,
  entryThrottleShare: 0.5,
  internalErrorRate: 0.04,
  unavailableRate: 0.04,
  throttleRate: 0.04,
  dropBeforeRate: 0.04,
  dropAfterRate: 0.04,
  latencyMs: 1,
  latencyJitterMs: 4,
};

/**
 * Smaller requests than the service allows, so a few hundred records make enough requests
 * for every kind of fault to occur; the core honours whatever limits it is given.
 */
function withSmallRequests<Entry>(destination: Destination<Entry>): Destination<Entry> {
  return {
    ...destination,
    limits: {
      ...destination.limits,
      maxEntriesPerRequest: Math.min(25, destination.limits.maxEntriesPerRequest),
    },
    sizeOf: (entry) => destination.sizeOf(entry),
    invalidReason: (entry) => destination.invalidReason(entry),
    send: (entries, signal) => destination.send(entries, signal),
    classifyError: (error) => destination.classifyError(error),
  };
}

describe.each(DESTINATION_CASES)(
  '$service destination through the sink',
  ({ service, start, entryFaults }) => {
    let localCase: DestinationCase<unknown>;
    let built: BuiltDestination<unknown> | undefined;
    let proxy: FaultProxy | undefined;
    let streams = 0;
    const fresh = () => localCase.fixture(`delivery-${service}-${++streams}`);

    beforeAll(async () => {
      for (const [name, value] of Object.entries(LOCAL_ENV)) vi.stubEnv(name, value);
      localCase = await start();
    });
    afterAll(async () => {
      await localCase.close();
      vi.unstubAllEnvs();
    });
    afterEach(async () => {
      built?.destroy();
      built = undefined;
      await proxy?.close();
      proxy = undefined;
    });

    it('delivers every entry byte for byte and reports every record done', async () => {
      // Arrange
      const fixture = await fresh();
      built = fixture.build(fixture.endpoint);
      const records = recordsFor(fixture, 300, 'r');
      const sink = new AsyncSink(built.destination, { maxInFlightRequests: 4 });

      // Act
      const result = await sink.run(records);

      // Assert
      expect(result.outcomes.filter((o) => o.status !== 'done')).toEqual([]);
      const sent = records.flatMap((r) => r.entries.map((e) => fixture.keyOf(e)));
      expect((await fixture.stored()).sort()).toEqual(sent.sort());
      expect(result.stats.requestsFailed).toBe(0);
    });

    it('under injected faults, every record reported done arrived and every record missing is reported failed', async () => {
      // Arrange
      const fixture = await fresh();
      proxy = await startFaultProxy({ upstream: fixture.endpoint, seed: 20_240_917, faults: FAULTS });
      built = fixture.build(proxy.endpoint);
      const records = recordsFor(fixture, 400, 'f');
      const sink = new AsyncSink(withSmallRequests(built.destination), {
        maxInFlightRequests: 4,
        maxAttempts: 4,
        initialBackoffMs: 2,
        maxBackoffMs: 20,
        requestTimeoutMs: 5_000,
        random: seededRandom(7),
      });

      // Act
      const result: SinkResult = await sink.run(records);

      // Assert
      const stored = await fixture.stored();
      const storedKeys = new Set(stored);
      const sentKeys = new Set(records.flatMap((r) => r.entries.map((e) => fixture.keyOf(e))));
      const arrived = (record: SinkRecord<unknown>) =>
        record.entries.every((e) => storedKeys.has(fixture.keyOf(e)));
      const doneButMissing = records.filter((r, i) => result.outcomes[i].status === 'done' && !arrived(r));
      const missingNotFailed = records.filter(
        (r, i) => !arrived(r) && result.outcomes[i].status !== 'failed',
      );
      expect(doneButMissing.map((r) => r.id)).toEqual([]);
      expect(missingNotFailed.map((r) => r.id)).toEqual([]);
      expect(stored.filter((key) => !sentKeys.has(key))).toEqual([]);
      // The run met every kind of fault, retried, and still got most records through.
      const faults = proxy.stats();
      if (entryFaults) {
        expect(faults.entryThrottle).toBeGreaterThan(0);
        expect(faults.entryInternal).toBeGreaterThan(0);
      }
      expect(faults.internalError + faults.unavailable + faults.throttle).toBeGreaterThan(0);
      expect(faults.dropBefore + faults.dropAfter).toBeGreaterThan(0);
      expect(result.stats.entriesRetried).toBeGreaterThan(0);
      expect(result.stats.throttles).toBeGreaterThan(0);
      expect(result.stats.recordsDone).toBeGreaterThan(records.length * 0.8);
      expect(result.stats.fatalError).toBeUndefined();
    });

    it('fails a record with an entry over the limit before any request, naming the limit', async () => {
      // Arrange
      const fixture = await fresh();
      proxy = await startFaultProxy({ upstream: fixture.endpoint, faults: {} });
      built = fixture.build(proxy.endpoint);
      const sink = new AsyncSink(built.destination);
      const tooLarge = fixture.tooLarge();
      const onlyTooLarge: SinkRecord<unknown>[] = [{ id: 'big', entries: [tooLarge] }];
      const mixed: SinkRecord<unknown>[] = [
        { id: 'ok-1', entries: [fixture.entryFor('ok-1', 0)] },
        { id: 'has-big', entries: [fixture.entryFor('has-big', 0), tooLarge] },
        { id: 'ok-2', entries: [fixture.entryFor('ok-2', 0)] },
      ];

      // Act
      const alone = await sink.run(onlyTooLarge);
      const requestsForAlone = proxy.stats().requests;
      const together = await sink.run(mixed);

      // Assert
      expect(alone.outcomes).toEqual([
        {
          id: 'big',
          status: 'failed',
          code: FailureCode.InvalidEntry,
          reason: expect.stringMatching(/limit of \d+ bytes|maximum .*size|at most \d+/),
        },
      ]);
      expect(requestsForAlone).toBe(0);
      expect(together.outcomes.map((o) => [o.id, o.status])).toEqual([
        ['ok-1', 'done'],
        ['has-big', 'failed'],
        ['ok-2', 'done'],
      ]);
      expect(await fixture.stored()).not.toContain(fixture.keyOf(tooLarge));
    });
  },
);
