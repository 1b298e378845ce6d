/**
 * The soak: pushes many records through the local pipelines side by side under randomized,
 * time-varying faults (see fault-schedule.ts), then reads every destination back and reports
 * records lost (must be 0), duplicates and what caused them, retries, throughput and the
 * faults injected. `npm run soak` is a thin CLI around {@link runSoak}.
 */
import os from 'node:os';
import type { ChildProcessStats } from '../local/pollers/child-process-handler.js';
import type { PollerStats } from '../local/pollers/types.js';
import type { FaultStats } from '../local/services/fault-proxy.js';
import type { FaultSchedule, FaultWeather } from './fault-schedule.js';
import { faultSchedule } from './fault-schedule.js';
import { addFunctionTotals } from './function-totals.js';
import { handOverAccounting } from './hand-over-accounting.js';
import { noDuplicates, RecordLedger } from './record-ledger.js';
import type { SoakOptions, SoakPipelineShare, SoakSettings } from './soak-options.js';
import { soakSettings } from './soak-options.js';
import { runSoakPipeline, type SoakPipelineOptions, type SoakPipelineResult } from './soak-pipeline.js';
import type { SoakPipelineReport, SoakReport } from './soak-report.js';

function sumStats<T extends object>(all: readonly T[]): T {
  const out = {} as Record<string, number>;
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      if (typeof value === 'number') out[key] = (out[key] ?? 0) + value;
    }
  }
  return out as T;
}

/** The options of one pipeline of the run: its share of the records and its source's settings. */
function pipelineOptions(
  settings: SoakSettings,
  share: SoakPipelineShare,
  i: number,
  run: Pick<
    SoakPipelineOptions,
    'ledger' | 'schedule' | 'startedAt' | 'produceUntil' | 'onProgress' | 'signal'
  >,
): SoakPipelineOptions {
  const source = share.pipeline.startsWith('sqs-') ? settings.sqs : settings.kinesis;
  return {
    ...run,
    pipeline: share.pipeline,
    records: share.records,
    offset: share.offset,
    idTotal: settings.records,
    recordBytes: settings.recordBytes,
    batchSize: source.batchSize,
    maximumBatchingWindowMs: source.maximumBatchingWindowMs,
    concurrency: settings.sqs.concurrency,
    shards: settings.kinesis.shards,
    timeoutMs: settings.timeoutMs,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    maxReceiveCount: settings.maxReceiveCount,
    maximumRetryAttempts: settings.maximumRetryAttempts,
    maxBacklog: source.maxBacklog,
    // Each pipeline's proxy and process faults draw from their own seeded stream.
    seed: (settings.seed + i * 7919) >>> 0,
    spikeMs: settings.faults.spikeMs,
    drainTimeoutMs: settings.drainTimeoutSeconds * 1000,
  };
}

/** Copies beyond the first, and their causes, per pipeline and in all; only the records produced count. */
function duplicatesOf(ledger: RecordLedger, results: readonly SoakPipelineResult[]) {
  // Every pipeline's records are consecutive from its offset.
  const perPipeline = results.map((r) => ({
    copies: ledger.copyCounts(r.offset, r.offset + r.produced),
    causes: ledger.duplicateCauses(r.offset, r.offset + r.produced),
  }));
  const copies = { duplicates: 0, recordsDuplicated: 0, maxCopies: 0 };
  const causes = noDuplicates();
  for (const part of perPipeline) {
    copies.duplicates += part.copies.duplicates;
    copies.recordsDuplicated += part.copies.recordsDuplicated;
    copies.maxCopies = Math.max(copies.maxCopies, part.copies.maxCopies);
    for (const cause of Object.keys(causes) as (keyof typeof causes)[]) causes[cause] += part.causes[cause];
  }
  return {
    perPipeline,
    total: {
      total: copies.duplicates,
      recordsDuplicated: copies.recordsDuplicated,
      maxCopies: copies.maxCopies,
      causes,
    },
  };
}

/** The faults the run injected, by kind, and the weather of its phases. */
function faultsOf(results: readonly SoakPipelineResult[], schedule: FaultSchedule, wallClockMs: number) {
  const proxy = sumStats<FaultStats>(results.map((r) => r.proxy));
  const functionTotals = addFunctionTotals(results.map((r) => r.function));
  const weathers: Partial<Record<FaultWeather, number>> = {};
  const phases = schedule.phases().slice(0, Math.ceil(wallClockMs / schedule.phaseMs));
  for (const phase of phases) weathers[phase.weather] = (weathers[phase.weather] ?? 0) + 1;
  const entriesFailed = proxy.entryThrottle + proxy.entryInternal + proxy.entrySenderFault;
  return {
    phases: phases.length,
    weathers,
    entriesSeen: proxy.entries,
    entriesFailed,
    entryFailureRate: proxy.entries > 0 ? Number((entriesFailed / proxy.entries).toFixed(4)) : 0,
    proxy,
    latencySpikes: results.reduce((n, r) => n + r.latencySpikes, 0),
    functionErrors: sumStats<Record<string, number>>(results.map((r) => r.functionErrors)),
    processes: sumStats<ChildProcessStats>(results.map((r) => r.processes)),
    killsNotReached: results.reduce((n, r) => n + r.killsNotReached, 0),
    functionRecordsFailedByReason: functionTotals.failedByReason,
    deadlineReached: functionTotals.deadlineReached,
  };
}

/** Each pipeline's part of the report. */
function pipelineReports(
  results: readonly SoakPipelineResult[],
  duplicates: ReturnType<typeof duplicatesOf>,
): SoakPipelineReport[] {
  return results.map((r, i) => ({
    pipeline: r.pipeline,
    produced: r.produced,
    delivered: r.delivered,
    deadLettered: r.deadLettered,
    lost: r.lost,
    unexpected: r.unexpected,
    settled: r.settled,
    elapsedMs: r.elapsedMs,
    drainMs: r.drainMs,
    verifyMs: r.verifyMs,
    recordsPerSecond: r.elapsedMs > 0 ? Math.round((r.produced * 1000) / r.elapsedMs) : 0,
    duplicates: duplicates.perPipeline[i].copies.duplicates,
    duplicateCauses: duplicates.perPipeline[i].causes,
    invocations: r.poller.invocations,
    poller: r.poller,
    processes: r.processes,
    proxy: r.proxy,
    function: r.function,
  }));
}

/** The parameters the run used, and the machine it ran on, so anyone can reproduce it. */
function parametersOf(settings: SoakSettings): SoakReport['parameters'] {
  return {
    records: settings.records,
    minutes: settings.minutes,
    seed: settings.seed,
    pipelines: settings.pipelines.map((p) => ({
      ...p,
      ...(p.pipeline.startsWith('sqs-')
        ? {
            source: 'sqs' as const,
            concurrency: settings.sqs.concurrency,
            batchSize: settings.sqs.batchSize,
            maximumBatchingWindowMs: settings.sqs.maximumBatchingWindowMs,
            visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
            maxReceiveCount: settings.maxReceiveCount,
          }
        : {
            source: 'kinesis' as const,
            shards: settings.kinesis.shards,
            batchSize: settings.kinesis.batchSize,
            maximumBatchingWindowMs: settings.kinesis.maximumBatchingWindowMs,
            bisectBatchOnFunctionError: true,
            maximumRetryAttempts: settings.maximumRetryAttempts,
          }),
    })),
    recordBytes: settings.recordBytes,
    timeoutMs: settings.timeoutMs,
    phaseSeconds: settings.phaseSeconds,
    drainTimeoutSeconds: settings.drainTimeoutSeconds,
    faultLevels: settings.faults,
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      platform: `${os.platform()} ${os.arch()}`,
      // The soak's own process: the services, pollers and proxies (each environment is a child of its own).
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e6),
    },
  };
}

/** Runs the soak and returns its report; it never throws for lost records, it reports them. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const settings = soakSettings(options);
  const ledger = new RecordLedger(settings.records);
  const schedule = faultSchedule(settings.faults, settings.seed, settings.phaseSeconds * 1000);
  const startedAt = Date.now();
  const run = { ledger, schedule, startedAt, produceUntil: startedAt + settings.minutes * 60_000 };
  options.onStage?.(
    `running ${settings.pipelines.map((p) => `${p.pipeline} (${p.records.toLocaleString('en-US')} records)`).join(' and ')}`,
  );
  const results = await Promise.all(
    settings.pipelines.map((share, i) =>
      runSoakPipeline(
        pipelineOptions(settings, share, i, {
          ...run,
          onProgress: options.onProgress,
          signal: options.signal,
        }),
      ),
    ),
  );
  const finishedAt = Date.now();

  const sum = (count: (r: SoakPipelineResult) => number) => results.reduce((n, r) => n + count(r), 0);
  const [produced, lost, unexpected, deadLettered] = [
    sum((r) => r.produced),
    sum((r) => r.lost),
    sum((r) => r.unexpected),
    sum((r) => r.deadLettered),
  ];
  const settled = results.every((r) => r.settled);
  const duplicates = duplicatesOf(ledger, results);
  const poller = sumStats<PollerStats>(results.map((r) => r.poller));
  const functionTotals = addFunctionTotals(results.map((r) => r.function));
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const handOvers = handOverAccounting(ledger.handed(), results);
  return {
    ok: lost === 0 && unexpected === 0 && deadLettered === 0 && settled,
    produced,
    delivered: sum((r) => r.delivered),
    deadLettered,
    lost,
    lostIds: results.flatMap((r) => r.lostIds).slice(0, 20),
    unexpected,
    settled,
    cutByTimeBound: results.some((r) => r.cutByTimeBound),
    duplicates: duplicates.total,
    retries: {
      recordsHandedAgain: handOvers.recordsHandedAgain,
      retriesScheduled: handOvers.retriesScheduled,
      unscheduledRedeliveries: handOvers.unscheduledRedeliveries,
      overlappingHandOvers: handOvers.overlappingHandOvers,
      sqsMessagesRedelivered: poller.redelivered,
      entriesResentBySink: functionTotals.entriesRetried,
      handOvers: handOvers.handOvers,
      handOversByOutcome: ledger.attemptsByOutcome(),
    },
    throughput: {
      recordsPerSecond: elapsedMs > 0 ? Math.round((produced * 1000) / elapsedMs) : 0,
      elapsedMs,
      wallClockMs: finishedAt - startedAt,
    },
    invocations: {
      total: poller.invocations,
      partial: poller.partial,
      errors: poller.errors,
      timeouts: poller.timeouts,
      invalidResponses: poller.invalidResponses,
    },
    faults: faultsOf(results, schedule, finishedAt - startedAt),
    function: functionTotals,
    pipelines: pipelineReports(results, duplicates),
    parameters: parametersOf(settings),
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
  };
}
