/**
 * Item 4: a destination that accepts at most X entries per second (a token bucket in the
 * stub; beyond it, entries fail with ProvisionedThroughputExceededException), loaded for
 * about ten seconds by consecutive invocations. Delivered per second as a fraction of X,
 * and nothing lost, for the sink and for a fixed-delay retry.
 */
import { fixedDelayContender, sinkContender } from './contenders.js';
import { type Measurement, measureSeries } from './measure.js';
import { SMALL_RECORDS, THROTTLING } from './parameters.js';
import { sqsEvent } from './records.js';
import type { ServiceProcess } from './service-process.js';
import { round } from './statistics.js';

/** One contender's figures under throttling. */
export interface ThrottledRun extends Measurement {
  /** Entries delivered per second of wall time, as a fraction of the bucket's rate. */
  readonly deliveredFraction: number;
  /** Entries sent per entry delivered: 1 is no waste. */
  readonly sendsPerDelivery: number;
  readonly met: boolean;
}

/** The figures of item 4. */
export interface ThrottlingResult {
  readonly parameters: {
    readonly entriesPerSecond: number;
    readonly bucketCapacity: number;
    readonly latencyMs: number;
    readonly invocations: number;
    readonly recordsPerInvocation: number;
    readonly bodyBytes: typeof SMALL_RECORDS;
    readonly contenders: Readonly<Record<string, string>>;
  };
  /** The least wall time any sender could take: (records − capacity) / rate. */
  readonly floorMs: number;
  readonly sink: ThrottledRun;
  readonly fixedDelay: ThrottledRun;
  readonly goal: string;
  readonly met: boolean;
}

function judged(run: Measurement): ThrottledRun {
  const deliveredFraction = run.accepted / (run.elapsedMs / 1_000) / THROTTLING.entriesPerSecond;
  const sent = run.accepted + run.entriesThrottled;
  return {
    ...run,
    deliveredFraction: round(deliveredFraction),
    sendsPerDelivery: round(sent / Math.max(1, run.accepted)),
    met: deliveredFraction >= THROTTLING.goalFraction && run.doneButMissing === 0,
  };
}

/** Runs item 4. */
export async function measureThrottling(
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<ThrottlingResult> {
  const events = Array.from({ length: THROTTLING.invocations }, (_, i) =>
    sqsEvent(THROTTLING.recordsPerInvocation, SMALL_RECORDS, THROTTLING.seed + i),
  );
  const endpoint = service.proxyEndpoint;
  const sink = sinkContender(endpoint);
  const fixedDelay = fixedDelayContender(endpoint, THROTTLING.fixedDelayMs, THROTTLING.fixedDelayMaxAttempts);
  const stub = {
    tokenBucket: { entriesPerSecond: THROTTLING.entriesPerSecond, capacity: THROTTLING.bucketCapacity },
  };
  const faults = { latencyMs: THROTTLING.latencyMs };
  try {
    const results: ThrottledRun[] = [];
    for (const contender of [sink, fixedDelay]) {
      // A fresh bucket, full, for each contender.
      await service.configure(stub, faults);
      const run = judged(await measureSeries(service, contender, events));
      results.push(run);
      progress(
        `throttling: ${contender.name} delivered ${run.accepted} in ${run.elapsedMs} ms = ${run.deliveredFraction} of ${THROTTLING.entriesPerSecond}/s, ${run.reportedFailed} reported failed, ${run.doneButMissing} done but missing, ${run.sendsPerDelivery} sends per delivery`,
      );
    }
    const [sinkRun, fixedDelayRun] = results;
    const records = THROTTLING.invocations * THROTTLING.recordsPerInvocation;
    return {
      parameters: {
        entriesPerSecond: THROTTLING.entriesPerSecond,
        bucketCapacity: THROTTLING.bucketCapacity,
        latencyMs: THROTTLING.latencyMs,
        invocations: THROTTLING.invocations,
        recordsPerInvocation: THROTTLING.recordsPerInvocation,
        bodyBytes: SMALL_RECORDS,
        contenders: { [sink.name]: sink.parameters, [fixedDelay.name]: fixedDelay.parameters },
      },
      floorMs: ((records - THROTTLING.bucketCapacity) / THROTTLING.entriesPerSecond) * 1_000,
      sink: sinkRun,
      fixedDelay: fixedDelayRun,
      goal: `delivered per second ≥ ${THROTTLING.goalFraction} × ${THROTTLING.entriesPerSecond}, no record reported done but missing`,
      met: sinkRun.met,
    };
  } finally {
    sink.close();
    fixedDelay.close();
  }
}
