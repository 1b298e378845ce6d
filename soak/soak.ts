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
import type { FaultWeather } from './fault-schedule.js';
import { faultSchedule } from './fault-schedule.js';
import { addFunctionTotals } from './function-totals.js';
import { noDuplicates, RecordLedger } from './record-ledger.js';
import type { SoakOptions } from './soak-options.js';
import { soakSettings } from './soak-options.js';
import { runSoakPipeline, type SoakPipelineResult } from './soak-pipeline.js';
import type { SoakReport } from './soak-report.js';

function sumStats<T extends object>(all: readonly T[]): T {
  const out = {} as Record<string, number>;
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      if (typeof value === 'number') out[key] = (out[key] ?? 0) + value;
    }
  }
  return out as T;
}

/** Runs the soak and returns its report; it never throws for lost records, it reports them. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const settings = soakSettings(options);
  const stage = options.onStage ?? (() => undefined);
  const ledger = new RecordLedger(settings.records);
  const schedule = faultSchedule(settings.faults, settings.seed, settings.phaseSeconds * 1000);
  const startedAt = Date.now();
  const produceUntil = startedAt + settings.minutes * 60_000;
  stage(
    `running ${settings.pipelines.map((p) => `${p.pipeline} (${p.records.toLocaleString('en-US')} records)`).join(' and ')}`,
  );

  const results: SoakPipelineResult[] = await Promise.all(
    settings.pipelines.map((share, i) => {
      const fromSqs = share.pipeline.startsWith('sqs-');
      const source = fromSqs ? settings.sqs : settings.kinesis;
      return runSoakPipeline({
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
        schedule,
        spikeMs: settings.faults.spikeMs,
        startedAt,
        produceUntil,
        drainTimeoutMs: settings.drainTimeoutSeconds * 1000,
        ledger,
        onProgress: options.onProgress,
        signal: options.signal,
      });
    }),
  );
  const finishedAt = Date.now();

  const produced = results.reduce((n, r) => n + r.produced, 0);
  const delivered = results.reduce((n, r) => n + r.delivered, 0);
  const deadLettered = results.reduce((n, r) => n + r.deadLettered, 0);
  const lost = results.reduce((n, r) => n + r.lost, 0);
  const unexpected = results.reduce((n, r) => n + r.unexpected, 0);
  const settled = results.every((r) => r.settled);
  const cutByTimeBound = results.some((r) => r.cutByTimeBound);
  // Every pipeline's records are consecutive from its offset; only those produced count.
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
  const poller = sumStats<PollerStats>(results.map((r) => r.poller));
  const processes = sumStats<ChildProcessStats>(results.map((r) => r.processes));
  const proxy = sumStats<FaultStats>(results.map((r) => r.proxy));
  const functionTotals = addFunctionTotals(results.map((r) => r.function));
  const attempts = ledger.attemptsByOutcome();
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  const weathers: Partial<Record<FaultWeather, number>> = {};
  const phases = schedule.phases().slice(0, Math.ceil((finishedAt - startedAt) / schedule.phaseMs));
  for (const phase of phases) weathers[phase.weather] = (weathers[phase.weather] ?? 0) + 1;

  return {
    ok: lost === 0 && unexpected === 0 && deadLettered === 0 && settled,
    produced,
    delivered,
    deadLettered,
    lost,
    lostIds: results.flatMap((r) => r.lostIds).slice(0, 20),
    unexpected,
    settled,
    cutByTimeBound,
    duplicates: {
      total: copies.duplicates,
      recordsDuplicated: copies.recordsDuplicated,
      maxCopies: copies.maxCopies,
      causes,
    },
    retries: {
      recordsHandedAgain: poller.retried,
      sqsMessagesRedelivered: poller.redelivered,
      entriesResentBySink: functionTotals.entriesRetried,
      handOvers: ledger.handed(),
      handOversByOutcome: attempts,
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
    faults: {
      phases: phases.length,
      weathers,
      entriesSeen: proxy.entries,
      entriesFailed: proxy.entryThrottle + proxy.entryInternal + proxy.entrySenderFault,
      entryFailureRate:
        proxy.entries > 0
          ? Number(
              ((proxy.entryThrottle + proxy.entryInternal + proxy.entrySenderFault) / proxy.entries).toFixed(
                4,
              ),
            )
          : 0,
      proxy,
      latencySpikes: results.reduce((n, r) => n + r.latencySpikes, 0),
      functionErrors: sumStats<Record<string, number>>(results.map((r) => r.functionErrors)),
      processes,
      killsNotReached: results.reduce((n, r) => n + r.killsNotReached, 0),
      functionRecordsFailedByReason: functionTotals.failedByReason,
      deadlineReached: functionTotals.deadlineReached,
    },
    function: functionTotals,
    pipelines: results.map((r, i) => ({
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
      duplicates: perPipeline[i].copies.duplicates,
      duplicateCauses: perPipeline[i].causes,
      invocations: r.poller.invocations,
      poller: r.poller,
      processes: r.processes,
      proxy: r.proxy,
      function: r.function,
    })),
    parameters: {
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
    },
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
  };
}
