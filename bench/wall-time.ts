/**
 * P7 (issue 13): the sink's wall time at +LATENCY.latencyMs against its floor,
 * max(client CPU, ⌈requests / in-flight⌉ × latency), and how soon the first request is on
 * the wire against one request's share of the client CPU. Interleaved, ratios per run: the
 * sink (records converted as it reads them), the library before the streaming intake (the
 * event converted and checked whole first; loaded from git, see previous-code.ts), and the
 * sink with the client as before issue 13.
 *
 * `npm run bench -- p7` runs P7 alone, printed and not written.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Contender } from './contenders.js';
import { sinkContender } from './contenders.js';
import { measure } from './measure.js';
import { LATENCY, SMALL_RECORDS, WALL_TIME } from './parameters.js';
import { previousCode } from './previous-code.js';
import { sqsEvent } from './records.js';
import type { ServiceProcess } from './service-process.js';
import { median, round } from './statistics.js';

/** The medians of one contender's runs. */
export interface WallTimeFigures {
  readonly contender: string;
  readonly elapsedMs: number;
  readonly cpuMs: number;
  /** Requests the sink made (the same every run without faults). */
  readonly requests: number;
  /** ⌈requests / maxInFlightRequests⌉ × latency. */
  readonly idealMs: number;
  /** Wall time / max(client CPU, ideal), the median of the runs' ratios. */
  readonly overFloor: number;
  readonly overFloorAll: readonly number[];
  /** From the run's start to the first HTTP request created (headers and body are written in the same turn). */
  readonly firstRequestMs: number;
  /** Client CPU / requests: one request's share of the work, what the first request should wait at most. */
  readonly cpuPerRequestMs: number;
  /** CPU and wall time per record, for P9. */
  readonly cpuMicrosPerRecord: number;
  readonly elapsedMicrosPerRecord: number;
}

/** P7's result. */
export interface WallTimeResult {
  readonly parameters: {
    readonly records: number;
    readonly bodyBytes: typeof SMALL_RECORDS;
    readonly latencyMs: number;
    readonly maxInFlightRequests: number;
    readonly repetitions: number;
    readonly destination: string;
  };
  readonly sink: WallTimeFigures;
  /** The library before the streaming intake, in the same run; absent without git. */
  readonly beforeStreaming?: WallTimeFigures & { readonly commit: string };
  readonly beforeIssue13: WallTimeFigures;
  readonly goalRatio: number;
  readonly met: boolean;
}

const FAULTS = { latencyMs: LATENCY.latencyMs, operations: ['Kinesis_20131202.PutRecords'] };
const REPETITIONS = 11;

interface Run {
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly requests: number;
  readonly firstRequestMs: number;
}

async function timedRun(service: ServiceProcess, contender: Contender, event: ReturnType<typeof sqsEvent>) {
  let firstAt: number | undefined;
  const onRequest = () => {
    firstAt ??= performance.now();
  };
  diagnosticsChannel.subscribe('http.client.request.start', onRequest);
  const started = performance.now();
  try {
    const run = await measure(service, contender, event);
    if (run.doneButMissing !== 0 || run.reportedFailed !== 0) {
      throw new Error(
        `${contender.name}: ${run.reportedFailed} failed, ${run.doneButMissing} done but missing`,
      );
    }
    return {
      elapsedMs: run.elapsedMs,
      cpuMs: run.cpuMs,
      requests: run.sinkRequests ?? run.requests,
      firstRequestMs: (firstAt ?? Number.NaN) - started,
    } satisfies Run;
  } finally {
    diagnosticsChannel.unsubscribe('http.client.request.start', onRequest);
  }
}

function figures(contender: Contender, runs: readonly Run[], records: number): WallTimeFigures {
  const requests = median(runs.map((run) => run.requests));
  const idealMs = Math.ceil(requests / LATENCY.maxInFlightRequests) * LATENCY.latencyMs;
  const overFloorAll = runs.map((run) => round(run.elapsedMs / Math.max(run.cpuMs, idealMs)));
  const elapsedMs = median(runs.map((run) => run.elapsedMs));
  const cpuMs = median(runs.map((run) => run.cpuMs));
  return {
    contender: contender.name,
    elapsedMs: round(elapsedMs, 4),
    cpuMs: round(cpuMs, 4),
    requests,
    idealMs,
    overFloor: round(median(overFloorAll)),
    overFloorAll,
    firstRequestMs: round(median(runs.map((run) => run.firstRequestMs))),
    cpuPerRequestMs: round(cpuMs / requests),
    cpuMicrosPerRecord: round((cpuMs * 1_000) / records),
    elapsedMicrosPerRecord: round((elapsedMs * 1_000) / records),
  };
}

/** Runs P7. */
export async function measureWallTime(
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<WallTimeResult> {
  const event = sqsEvent(LATENCY.records, SMALL_RECORDS, LATENCY.seed + 7);
  const warmup = sqsEvent(LATENCY.warmupRecords, SMALL_RECORDS, LATENCY.seed + 107);
  const previous = await previousCode();
  const sink = sinkContender(service.proxyEndpoint, LATENCY.maxInFlightRequests);
  const before = sinkContender(service.proxyEndpoint, LATENCY.maxInFlightRequests, true);
  const beforeStreaming = previous
    ? sinkContender(service.proxyEndpoint, LATENCY.maxInFlightRequests, false, {
        previous,
        name: `lambda-async-sink before the streaming intake (${previous.commit.slice(0, 7)})`,
      })
    : undefined;
  const contenders = [sink, ...(beforeStreaming ? [beforeStreaming] : []), before];
  try {
    await service.configure({}, FAULTS);
    for (const contender of contenders) await measure(service, contender, warmup);
    const runs = new Map<Contender, Run[]>(contenders.map((c) => [c, []]));
    for (let i = 0; i < REPETITIONS; i++) {
      // Rotate which goes first, so that none always follows another's garbage.
      for (let j = 0; j < contenders.length; j++) {
        const contender = contenders[(i + j) % contenders.length];
        runs.get(contender)?.push(await timedRun(service, contender, event));
      }
    }
    const all = contenders.map((c) => figures(c, runs.get(c) ?? [], LATENCY.records));
    for (const f of all) {
      progress(
        `P7 ${f.contender}: ${f.elapsedMs} ms, CPU ${f.cpuMs} ms, ideal ${f.idealMs} ms: ${f.overFloor}× the floor; first request after ${f.firstRequestMs} ms (CPU per request ${f.cpuPerRequestMs} ms)`,
      );
    }
    const [sinkFigures] = all;
    const beforeFigures = all[all.length - 1];
    return {
      parameters: {
        records: LATENCY.records,
        bodyBytes: SMALL_RECORDS,
        latencyMs: LATENCY.latencyMs,
        maxInFlightRequests: LATENCY.maxInFlightRequests,
        repetitions: REPETITIONS,
        destination:
          'Kinesis stub behind the fault proxy (+latency on PutRecords), in the destination process',
      },
      sink: sinkFigures,
      ...(previous && beforeStreaming ? { beforeStreaming: { ...all[1], commit: previous.commit } } : {}),
      beforeIssue13: beforeFigures,
      goalRatio: WALL_TIME.goalRatio,
      met: sinkFigures.overFloor <= WALL_TIME.goalRatio,
    };
  } finally {
    for (const contender of contenders) contender.close();
  }
}
