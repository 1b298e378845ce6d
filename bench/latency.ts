/**
 * Item 3 and the chart: wall time of 10,000 records through the fault proxy (added
 * latency, then 10 % entry failures) in front of a stub that answers at once, for the
 * sink and the two baselines, all in this process against the same destination process.
 */
import type { FaultConfig } from '../local/services/fault-proxy.js';
import { type Contender, handRolledContender, powertoolsContender, sinkContender } from './contenders.js';
import { type Measurement, measure, measureMedian } from './measure.js';
import { CHART, LATENCY, SMALL_RECORDS } from './parameters.js';
import { sqsEvent } from './records.js';
import type { ServiceProcess } from './service-process.js';
import { round } from './statistics.js';

const FAULTED_OPERATIONS = ['Kinesis_20131202.PutRecords', 'Kinesis_20131202.PutRecord'];

/** A point of the chart. */
export interface ThroughputPoint {
  readonly x: number;
  readonly recordsPerSecond: number;
}

/** The figures of item 3 and the chart's data. */
export interface LatencyResult {
  readonly parameters: {
    readonly records: number;
    readonly bodyBytes: typeof SMALL_RECORDS;
    readonly latencyMs: number;
    readonly maxInFlightRequests: number;
    readonly entryFailureRate: number;
    readonly sinkRepetitions: number;
    readonly destination: string;
    readonly contenders: Readonly<Record<string, string>>;
  };
  /** At `latencyMs`, no failures. */
  readonly sink: Measurement;
  readonly powertools: Measurement;
  readonly handRolled: Measurement;
  /** ceil(sink requests / maxInFlightRequests) × latency. */
  readonly idealMs: number;
  readonly sinkOverIdeal: number;
  readonly powertoolsOverSink: number;
  readonly handRolledOverSink: number;
  /** Powertools with processInParallel false, on a sample, extrapolated to `records`. */
  readonly powertoolsSequential: Measurement & { readonly extrapolatedMs: number };
  /** At `latencyMs` with failures injected: how many records each reported done but never arrived. */
  readonly underFailures: {
    readonly sink: Measurement;
    readonly powertools: Measurement;
    readonly handRolled: Measurement;
    /**
     * The sink under the same share of failed entries, all InternalFailure and none
     * throttled: tells the cost of retrying apart from the rate limiter's reaction to throttling.
     */
    readonly sinkWithoutThrottles: Measurement;
    /** How failures were injected for each. */
    readonly injection: Readonly<Record<string, string>>;
  };
  readonly goalRatio: number;
  readonly met: boolean;
  readonly chart: {
    readonly byLatency: Readonly<Record<string, readonly ThroughputPoint[]>>;
    readonly byInFlight: {
      readonly latencyMs: number;
      readonly sink: readonly ThroughputPoint[];
      readonly ideal: readonly ThroughputPoint[];
    };
  };
}

function latencyFaults(latencyMs: number, extra: FaultConfig = {}): FaultConfig {
  return { latencyMs, operations: FAULTED_OPERATIONS, ...extra };
}

/** Runs item 3 and the chart's sweeps. */
export async function measureLatency(
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<LatencyResult> {
  const event = sqsEvent(LATENCY.records, SMALL_RECORDS, LATENCY.seed);
  const warmup = sqsEvent(LATENCY.warmupRecords, SMALL_RECORDS, LATENCY.seed + 100);
  const endpoint = service.proxyEndpoint;
  const sinks = new Map<number, Contender>(CHART.inFlightLimits.map((m) => [m, sinkContender(endpoint, m)]));
  if (!sinks.has(LATENCY.maxInFlightRequests)) {
    sinks.set(LATENCY.maxInFlightRequests, sinkContender(endpoint, LATENCY.maxInFlightRequests));
  }
  const sink = sinks.get(LATENCY.maxInFlightRequests)!;
  const powertools = powertoolsContender(endpoint);
  const handRolled = handRolledContender(endpoint);
  const contenders = [...sinks.values(), powertools, handRolled];
  try {
    // Warm-up: open sockets and compile the hot paths of every contender before anything is timed.
    await service.configure({}, latencyFaults(0));
    for (const contender of contenders) await measure(service, contender, warmup);

    const byLatency: Record<string, ThroughputPoint[]> = {
      [sink.name]: [],
      [powertools.name]: [],
      [handRolled.name]: [],
    };
    const atLatency = new Map<
      number,
      { sink: Measurement; powertools: Measurement; handRolled: Measurement }
    >();
    for (const latencyMs of CHART.latenciesMs) {
      await service.configure({}, latencyFaults(latencyMs));
      const sinkRun = await measureMedian(service, sink, event, LATENCY.sinkRepetitions);
      const handRolledRun = await measureMedian(service, handRolled, event, LATENCY.sinkRepetitions);
      const powertoolsRun = await measure(service, powertools, event);
      atLatency.set(latencyMs, { sink: sinkRun, powertools: powertoolsRun, handRolled: handRolledRun });
      for (const run of [sinkRun, powertoolsRun, handRolledRun]) {
        byLatency[run.contender].push({ x: latencyMs, recordsPerSecond: run.recordsPerSecond });
      }
      progress(
        `latency ${latencyMs} ms: sink ${sinkRun.elapsedMs} ms (${sinkRun.sinkRequests} requests), hand-rolled ${handRolledRun.elapsedMs} ms, Powertools ${powertoolsRun.elapsedMs} ms`,
      );
    }
    if (!atLatency.has(LATENCY.latencyMs)) {
      await service.configure({}, latencyFaults(LATENCY.latencyMs));
      atLatency.set(LATENCY.latencyMs, {
        sink: await measureMedian(service, sink, event, LATENCY.sinkRepetitions),
        handRolled: await measureMedian(service, handRolled, event, LATENCY.sinkRepetitions),
        powertools: await measure(service, powertools, event),
      });
    }
    const main = atLatency.get(LATENCY.latencyMs)!;

    await service.configure({}, latencyFaults(LATENCY.latencyMs));
    const byInFlight: ThroughputPoint[] = [];
    const ideal: ThroughputPoint[] = [];
    for (const m of CHART.inFlightLimits) {
      const run = await measureMedian(service, sinks.get(m)!, event, LATENCY.sinkRepetitions);
      byInFlight.push({ x: m, recordsPerSecond: run.recordsPerSecond });
      const idealMs = Math.ceil((run.sinkRequests ?? run.requests) / m) * LATENCY.latencyMs;
      ideal.push({ x: m, recordsPerSecond: round((LATENCY.records * 1_000) / idealMs) });
      progress(`in flight ${m} at ${LATENCY.latencyMs} ms: sink ${run.elapsedMs} ms, ideal ${idealMs} ms`);
    }

    const sample = sqsEvent(LATENCY.sequentialSampleRecords, SMALL_RECORDS, LATENCY.seed + 200);
    const sequential = powertoolsContender(endpoint, true);
    contenders.push(sequential);
    const sequentialRun = await measure(service, sequential, sample);
    const extrapolatedMs = round((sequentialRun.elapsedMs / sample.Records.length) * LATENCY.records, 4);
    progress(
      `Powertools sequential: ${sequentialRun.elapsedMs} ms for ${sample.Records.length} records, about ${extrapolatedMs} ms for ${LATENCY.records}`,
    );

    const rate = LATENCY.entryFailureRate;
    const entryFaults = latencyFaults(LATENCY.latencyMs, { entryFailureRate: rate });
    // PutRecord has no entries to fail one by one: the same share of its calls fails instead,
    // half throttled, half internal errors, as the entry faults are split.
    const callFaults = latencyFaults(LATENCY.latencyMs, {
      throttleRate: rate / 2,
      internalErrorRate: rate / 2,
    });
    await service.configure({}, entryFaults);
    const sinkFailing = await measure(service, sink, event);
    const handRolledFailing = await measure(service, handRolled, event);
    await service.configure({}, callFaults);
    const powertoolsFailing = await measure(service, powertools, event);
    await service.configure(
      {},
      latencyFaults(LATENCY.latencyMs, { entryFailureRate: rate, entryThrottleShare: 0 }),
    );
    const sinkWithoutThrottles = await measure(service, sink, event);
    progress(
      `${rate * 100} % failures: done but missing: sink ${sinkFailing.doneButMissing}, hand-rolled ${handRolledFailing.doneButMissing}, Powertools ${powertoolsFailing.doneButMissing}`,
    );
    progress(
      `${rate * 100} % failures: sink ${sinkFailing.elapsedMs} ms, ${sinkFailing.sinkRequests} requests; with no throttles among them ${sinkWithoutThrottles.elapsedMs} ms, ${sinkWithoutThrottles.sinkRequests} requests`,
    );

    const idealMs =
      Math.ceil((main.sink.sinkRequests ?? main.sink.requests) / LATENCY.maxInFlightRequests) *
      LATENCY.latencyMs;
    const sinkOverIdeal = main.sink.elapsedMs / idealMs;
    return {
      parameters: {
        records: LATENCY.records,
        bodyBytes: SMALL_RECORDS,
        latencyMs: LATENCY.latencyMs,
        maxInFlightRequests: LATENCY.maxInFlightRequests,
        entryFailureRate: rate,
        sinkRepetitions: LATENCY.sinkRepetitions,
        destination:
          'Kinesis stub (bench/kinesis-stub.ts, answers at once) behind local/services/fault-proxy.ts, both in a child process',
        contenders: Object.fromEntries(
          [sink, powertools, sequential, handRolled].map((c) => [c.name, c.parameters]),
        ),
      },
      sink: main.sink,
      powertools: main.powertools,
      handRolled: main.handRolled,
      idealMs,
      sinkOverIdeal: round(sinkOverIdeal),
      powertoolsOverSink: round(main.powertools.elapsedMs / main.sink.elapsedMs),
      handRolledOverSink: round(main.handRolled.elapsedMs / main.sink.elapsedMs),
      powertoolsSequential: { ...sequentialRun, extrapolatedMs },
      underFailures: {
        sink: sinkFailing,
        powertools: powertoolsFailing,
        handRolled: handRolledFailing,
        sinkWithoutThrottles,
        injection: {
          [sink.name]: `${rate * 100} % of PutRecords entries failed by the proxy (half throttled, half InternalFailure), not forwarded`,
          [handRolled.name]: `${rate * 100} % of PutRecords entries failed by the proxy (half throttled, half InternalFailure), not forwarded`,
          [powertools.name]: `${rate * 100} % of PutRecord calls failed by the proxy (half throttled HTTP 400, half HTTP 500), not forwarded`,
          sinkWithoutThrottles: `${rate * 100} % of PutRecords entries failed by the proxy, all InternalFailure, not forwarded`,
        },
      },
      goalRatio: LATENCY.goalRatio,
      met: sinkOverIdeal <= LATENCY.goalRatio,
      chart: {
        byLatency,
        byInFlight: { latencyMs: LATENCY.latencyMs, sink: byInFlight, ideal },
      },
    };
  } finally {
    for (const contender of contenders) contender.close();
  }
}
