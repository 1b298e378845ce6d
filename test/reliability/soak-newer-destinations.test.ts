/**
 * The soak's code over the newer destinations, short enough for CI: DynamoDB, EventBridge,
 * SNS and CloudWatch, each behind the fault proxy with every proxy fault kind turned up, the
 * ready-made function bundled and run in child processes that are killed mid-batch. Nothing
 * may be lost. (The full soak runs them with `npm run soak -- --pipelines ...`.)
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../soak/soak.js';

/** Proxy faults of each kind and killed processes, often enough to come up in a short run. */
const FAULTS = {
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

const PIPELINES = ['sqs-to-dynamodb', 'kinesis-to-eventbridge', 'sqs-to-sns', 'kinesis-to-cloudwatch'] as const;

describe('soak, newer destinations, short version', () => {
  it('loses no record of 8,000 through DynamoDB, EventBridge, SNS and CloudWatch under faults and killed processes', async () => {
    // Act
    const report = await runSoak({
      records: 8_000,
      minutes: 1,
      seed: 16,
      timeoutMs: 1_500,
      visibilityTimeoutSeconds: 3,
      phaseSeconds: 2,
      drainTimeoutSeconds: 45,
      faults: FAULTS,
      pipelines: PIPELINES.map((pipeline) => ({ pipeline })),
      kinesis: { shards: 2, batchSize: 200 },
      sqs: { concurrency: 4, batchSize: 25 },
    });

    // Assert
    expect(report).toMatchObject({
      produced: 8_000,
      delivered: 8_000,
      lost: 0,
      deadLettered: 0,
      unexpected: 0,
      settled: true,
      ok: true,
    });
    expect(report.pipelines.map((p) => [p.pipeline, p.lost])).toEqual(PIPELINES.map((p) => [p, 0]));
    const { proxy, processes } = report.faults;
    expect(proxy.entryThrottle + proxy.entryInternal).toBeGreaterThan(0);
    expect(proxy.throttle + proxy.internalError + proxy.unavailable).toBeGreaterThan(0);
    expect(proxy.dropBefore + proxy.dropAfter).toBeGreaterThan(0);
    expect(processes.killed).toBeGreaterThan(0);
    expect(report.retries.recordsHandedAgain).toBeGreaterThan(0);
  }, 150_000);
});
