/** One measured run of a contender against the destination process, with what arrived there. */
import type { SQSEvent } from 'aws-lambda';
import type { Contender } from './contenders.js';
import type { ServiceProcess } from './service-process.js';
import { median, round } from './statistics.js';

/** A run and what the destination saw of it. */
export interface Measurement {
  readonly contender: string;
  readonly records: number;
  readonly elapsedMs: number;
  /** CPU of the benchmark process (the contender's client side) during the run. */
  readonly cpuMs: number;
  /** CPU of the destination process (stub and fault proxy) during the run. */
  readonly destinationCpuMs: number;
  readonly recordsPerSecond: number;
  /** Calls that reached the fault proxy, retries included. */
  readonly requests: number;
  /** Requests the sink counted itself (the sink only). */
  readonly sinkRequests?: number;
  readonly reportedDone: number;
  readonly reportedFailed: number;
  /** Records reported done that never arrived: data loss. */
  readonly doneButMissing: number;
  /** Extra copies that arrived (at-least-once duplicates). */
  readonly duplicates: number;
  /** Entries the destination accepted. */
  readonly accepted: number;
  /** Entries the destination or the proxy failed. */
  readonly entriesThrottled: number;
  readonly entriesFailedByProxy: number;
}

/** Runs `contender` on `event` once, after clearing the destination, and counts what arrived. */
export function measure(
  service: ServiceProcess,
  contender: Contender,
  event: SQSEvent,
): Promise<Measurement> {
  return measureSeries(service, contender, [event]);
}

/**
 * Runs `contender` on each event in turn, as consecutive invocations, after clearing the
 * destination once; the figures cover the whole series.
 */
export async function measureSeries(
  service: ServiceProcess,
  contender: Contender,
  events: readonly SQSEvent[],
): Promise<Measurement> {
  await service.reset();
  const done: string[] = [];
  let failed = 0;
  let elapsedMs = 0;
  let cpuMs = 0;
  let sinkRequests: number | undefined;
  for (const event of events) {
    const run = await contender.run(event);
    for (const id of run.done) done.push(id);
    failed += run.failed;
    elapsedMs += run.elapsedMs;
    cpuMs += run.cpuMs;
    if (run.sinkStats) sinkRequests = (sinkRequests ?? 0) + run.sinkStats.requests;
  }
  const report = await service.report();
  const arrived = new Map(report.arrived);
  let doneButMissing = 0;
  for (const id of done) if (!arrived.has(id)) doneButMissing++;
  let duplicates = 0;
  for (const count of arrived.values()) duplicates += count - 1;
  const records = events.reduce((sum, event) => sum + event.Records.length, 0);
  return {
    contender: contender.name,
    records,
    elapsedMs: round(elapsedMs, 4),
    cpuMs: round(cpuMs, 4),
    destinationCpuMs: round(report.cpuMs, 4),
    recordsPerSecond: round((records * 1_000) / elapsedMs),
    requests: report.proxy.requests,
    ...(sinkRequests === undefined ? {} : { sinkRequests }),
    reportedDone: done.length,
    reportedFailed: failed,
    doneButMissing,
    duplicates,
    accepted: report.stub.accepted,
    entriesThrottled: report.stub.throttled,
    entriesFailedByProxy: report.proxy.entryThrottle + report.proxy.entryInternal,
  };
}

/** Runs `contender` `times` times and keeps the run of median wall time. */
export async function measureMedian(
  service: ServiceProcess,
  contender: Contender,
  event: SQSEvent,
  times: number,
): Promise<Measurement & { readonly repetitions: number; readonly elapsedMsAll: readonly number[] }> {
  const runs: Measurement[] = [];
  for (let i = 0; i < times; i++) runs.push(await measure(service, contender, event));
  const middle = median(runs.map((run) => run.elapsedMs));
  const chosen = runs.reduce((best, run) =>
    Math.abs(run.elapsedMs - middle) < Math.abs(best.elapsedMs - middle) ? run : best,
  );
  return {
    ...chosen,
    // Losses in any repetition count, not only in the median one.
    doneButMissing: runs.reduce((sum, run) => sum + run.doneButMissing, 0),
    repetitions: times,
    elapsedMsAll: runs.map((run) => run.elapsedMs),
  };
}
