/**
 * The soak's short version, for CI: the same code as `npm run soak`, with 20,000 records
 * through both default pipelines and every fault kind turned up so that each one is
 * certainly injected in a run this short. Nothing may be lost. Then the newer destinations
 * (DynamoDB, EventBridge, SNS, CloudWatch), shorter still; in one file, so the two soaks
 * never run at once.
 */
import { describe, expect, it } from 'vitest';
import { describeHandOvers } from '../../soak/hand-over-accounting.js';
import { runSoak } from '../../soak/soak.js';
import type { SoakReport } from '../../soak/soak-report.js';

/** Every fault kind, high enough to come up many times in 20,000 records. */
const EVERY_FAULT = {
  entryFailureRate: 0.1,
  throttleRate: 0.04,
  internalErrorRate: 0.02,
  unavailableRate: 0.02,
  dropBeforeRate: 0.02,
  dropAfterRate: 0.02,
  spikeRate: 0.02,
  spikeMs: 2_000,
  killRate: 0.06,
  hangRate: 0.03,
  stallRate: 0.03,
} as const;

describe('soak, short version', () => {
  let report: SoakReport;

  it('loses no record of 20,000 under every fault kind, processes killed mid-batch included', async () => {
    // Arrange: a shorter function timeout and visibility timeout than the full run, so that
    // timed-out and killed batches come back within the test's time.
    const options = {
      records: 20_000,
      minutes: 1,
      seed: 7,
      timeoutMs: 1_500,
      visibilityTimeoutSeconds: 3,
      phaseSeconds: 3,
      // Generous: the drain ends as soon as every record is settled; a loaded machine needs longer.
      drainTimeoutSeconds: 120,
      faults: EVERY_FAULT,
      kinesis: { shards: 2, batchSize: 500 },
      sqs: { concurrency: 6, batchSize: 50 },
    };

    // Act
    report = await runSoak(options);

    // Assert
    expect(report).toMatchObject({
      produced: 20_000,
      delivered: 20_000,
      lost: 0,
      deadLettered: 0,
      unexpected: 0,
      settled: true,
      ok: true,
    });
    expect(report.pipelines.map((p) => [p.pipeline, p.lost])).toEqual([
      ['kinesis-to-firehose', 0],
      ['sqs-to-firehose', 0],
    ]);
  }, 240_000);

  it('injected each fault kind at least once', () => {
    const { proxy, processes, deadlineReached } = report.faults;
    const injected = {
      entryThrottle: proxy.entryThrottle,
      entryInternal: proxy.entryInternal,
      throttle: proxy.throttle,
      internalError: proxy.internalError,
      unavailable: proxy.unavailable,
      dropBefore: proxy.dropBefore,
      dropAfter: proxy.dropAfter,
      // A spike outlasts the function's remaining time: the sink stops at its deadline.
      deadlineReached,
      killed: processes.killed,
      hung: processes.hung,
      stalled: processes.stalled,
    };
    for (const [kind, count] of Object.entries(injected)) {
      expect({ kind, injected: count > 0 }).toEqual({ kind, injected: true });
    }
    expect(report.invocations.timeouts).toBeGreaterThan(0);
    expect(report.faults.entryFailureRate).toBeGreaterThan(0.05);
  });

  it('puts every duplicate down to a cause and counts the retries', () => {
    const causes = Object.values(report.duplicates.causes).reduce((a, b) => a + b, 0);
    expect(causes).toBe(report.duplicates.total);
    expect(report.duplicates.total).toBeGreaterThan(0);
    // Killed and hung invocations had sent part of their batch: their records came back.
    expect(report.duplicates.causes.killedAfterSends).toBeGreaterThan(0);
    expect(report.duplicates.causes.timedOutAfterSends).toBeGreaterThan(0);
    expect(report.retries.recordsHandedAgain).toBeGreaterThan(0);
    expect(report.retries.entriesResentBySink).toBeGreaterThan(0);
    // Each record was handed over once, plus once each time its event source handed it again;
    // the message says what the hand-overs were made of, should they ever not add up.
    expect(report.retries.handOvers, describeHandOvers(report.retries, report.produced)).toBe(
      report.produced + report.retries.recordsHandedAgain,
    );
  });
});

// The newer destinations: each behind the fault proxy, with the ready-made function killed mid-batch.
/** Proxy faults of each kind and killed processes, often enough to come up in a short run. */
const NEWER_FAULTS = {
  entryFailureRate: 0.1,
  throttleRate: 0.04,
  internalErrorRate: 0.03,
  unavailableRate: 0.02,
  dropBeforeRate: 0.02,
  dropAfterRate: 0.02,
  killRate: 0.05,
  hangRate: 0,
  stallRate: 0,
  spikeRate: 0,
} as const;

const NEWER_PIPELINES = [
  'sqs-to-dynamodb',
  'kinesis-to-eventbridge',
  'sqs-to-sns',
  'kinesis-to-cloudwatch',
] as const;

describe('soak, newer destinations, short version', () => {
  it('loses no record of 4,000 through DynamoDB, EventBridge, SNS and CloudWatch under faults and killed processes', async () => {
    // Act
    const report = await runSoak({
      records: 4_000,
      minutes: 1,
      seed: 16,
      timeoutMs: 1_500,
      visibilityTimeoutSeconds: 3,
      phaseSeconds: 2,
      drainTimeoutSeconds: 45,
      faults: NEWER_FAULTS,
      pipelines: NEWER_PIPELINES.map((pipeline) => ({ pipeline })),
      kinesis: { shards: 2, batchSize: 200 },
      sqs: { concurrency: 4, batchSize: 25 },
    });

    // Assert
    expect(report).toMatchObject({
      produced: 4_000,
      delivered: 4_000,
      lost: 0,
      deadLettered: 0,
      unexpected: 0,
      settled: true,
      ok: true,
    });
    expect(report.pipelines.map((p) => [p.pipeline, p.lost])).toEqual(NEWER_PIPELINES.map((p) => [p, 0]));
    const { proxy, processes } = report.faults;
    expect(proxy.entryThrottle + proxy.entryInternal).toBeGreaterThan(0);
    expect(proxy.throttle + proxy.internalError + proxy.unavailable).toBeGreaterThan(0);
    expect(proxy.dropBefore + proxy.dropAfter).toBeGreaterThan(0);
    expect(processes.killed).toBeGreaterThan(0);
    expect(report.retries.recordsHandedAgain).toBeGreaterThan(0);
  }, 150_000);
});
