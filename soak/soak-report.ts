/** The soak's report: what it is made of (written as JSON), and how it reads as text. */

import type { ChildProcessStats } from '../local/pollers/child-process-handler.js';
import type { FaultStats } from '../local/services/fault-proxy.js';
import type { FaultLevels, FaultWeather } from './fault-schedule.js';
import type { FunctionTotals } from './function-totals.js';
import type { AttemptOutcome, DuplicateCauses } from './record-ledger.js';
import type { SoakOutcome, SoakPipelineResult } from './soak-pipeline.js';

/** One pipeline's part of the report: what it did and proved, with its rate and its duplicates. */
export interface SoakPipelineReport
  extends Pick<
    SoakPipelineResult,
    | 'pipeline'
    | 'produced'
    | 'delivered'
    | 'deadLettered'
    | 'lost'
    | 'unexpected'
    | 'settled'
    | 'elapsedMs'
    | 'drainMs'
    | 'verifyMs'
    | 'poller'
    | 'processes'
    | 'proxy'
    | 'function'
  > {
  readonly recordsPerSecond: number;
  /** Copies beyond the first of this pipeline's records. */
  readonly duplicates: number;
  readonly duplicateCauses: DuplicateCauses;
  readonly invocations: number;
}

/** Everything a soak run found, as written to soak/results/latest.json; its outcome adds up its pipelines'. */
export interface SoakReport extends SoakOutcome {
  /** Nothing lost, nothing unexpected, nothing dead-lettered, every record settled. */
  readonly ok: boolean;
  readonly duplicates: {
    /** Copies beyond the first (at-least-once delivery allows them). */
    readonly total: number;
    readonly recordsDuplicated: number;
    readonly maxCopies: number;
    /** Every extra copy, put down to one cause; they add up to `total`. */
    readonly causes: DuplicateCauses;
  };
  readonly retries: {
    /**
     * Records the event sources handed to the function again: stream re-reads after a failure,
     * and SQS messages received again (after a failure, or when their visibility timeout ran out
     * before they were deleted). `handOvers` is `produced` plus this, exactly.
     */
    readonly recordsHandedAgain: number;
    /** Records the pollers left for retry: reported failed, or their invocation failed or timed out. */
    readonly retriesScheduled: number;
    /** SQS messages received again beyond the scheduled retries: a visibility timeout ran out before the delete. */
    readonly unscheduledRedeliveries: number;
    /** Hand-overs of a record while an earlier hand-over of it was still unsettled. */
    readonly overlappingHandOvers: number;
    /** SQS messages received again (receive count above 1). */
    readonly sqsMessagesRedelivered: number;
    /** Entries the sink sent again within an invocation (from the function's summary lines). */
    readonly entriesResentBySink: number;
    /** Every hand-over of a record to the function, and how each ended for the record. */
    readonly handOvers: number;
    readonly handOversByOutcome: Readonly<Record<AttemptOutcome, number>>;
  };
  readonly throughput: {
    /** Records produced per second of the pipelines' run (first record produced to last settled). */
    readonly recordsPerSecond: number;
    readonly elapsedMs: number;
    /** With setup and read-back. */
    readonly wallClockMs: number;
  };
  readonly invocations: {
    readonly total: number;
    readonly partial: number;
    /** Failed as a whole: the handler threw or its process died. */
    readonly errors: number;
    readonly timeouts: number;
    readonly invalidResponses: number;
  };
  readonly faults: {
    readonly phases: number;
    readonly weathers: Partial<Record<FaultWeather, number>>;
    readonly entriesSeen: number;
    readonly entriesFailed: number;
    readonly entryFailureRate: number;
    /** What the fault proxies injected. */
    readonly proxy: FaultStats;
    /** Calls delayed by a latency spike (longer than the function timeout). */
    readonly latencySpikes: number;
    /** Invocations whose handler threw, by error name (a handler throws when every record of its batch failed). */
    readonly functionErrors: Readonly<Record<string, number>>;
    /** What happened to the function's processes. */
    readonly processes: ChildProcessStats;
    /** Kills drawn for invocations that ended before the kill came. */
    readonly killsNotReached: number;
    /** Records the function reported failed, by reason (e.g. `DeadlineReached` after a latency spike). */
    readonly functionRecordsFailedByReason: Readonly<Record<string, number>>;
    /** Invocations whose sending stopped at the deadline. */
    readonly deadlineReached: number;
  };
  readonly function: FunctionTotals;
  readonly pipelines: readonly SoakPipelineReport[];
  readonly parameters: {
    readonly records: number;
    readonly minutes: number;
    readonly seed: number;
    readonly pipelines: readonly Readonly<Record<string, unknown>>[];
    readonly recordBytes: number;
    readonly timeoutMs: number;
    readonly phaseSeconds: number;
    readonly drainTimeoutSeconds: number;
    readonly faultLevels: FaultLevels;
    readonly machine: {
      readonly node: string;
      readonly cpus: number;
      readonly platform: string;
      readonly maxRssMb: number;
      readonly cpuSeconds: number;
    };
  };
  readonly startedAt: string;
  readonly finishedAt: string;
}

const n = (value: number) => value.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pad = (label: string) => `  ${label.padEnd(22)}`;
const percent = (part: number, whole: number) => `${whole > 0 ? ((part * 100) / whole).toFixed(1) : '0.0'} %`;

const CAUSE_TEXT: Readonly<Record<keyof DuplicateCauses, string>> = {
  handedAgainAfterSuccess:
    'handed again after the function succeeded with it (Kinesis re-read from the checkpoint; an SQS visibility timeout ran out before the delete)',
  timedOutAfterSends: 'the invocation timed out after its sends (the function hung)',
  timedOutMidBatch: 'the invocation timed out mid-batch (event loop frozen, calls in flight)',
  killedAfterSends: 'the process was killed after some of its sends',
  reportedFailedButStored: 'reported failed though stored (answer lost, or a spike past the deadline)',
  functionErrorAfterSends: 'the invocation failed as a whole after some sends',
  resentWithinInvocation: 'sent twice within one invocation (connection dropped after forwarding)',
};

/** The report as text, for the terminal. */
export function formatSoakReport(report: SoakReport): string[] {
  const f = report.faults;
  const p = f.proxy;
  const pr = f.processes;
  const lines = [
    'Soak report (read back from the destinations)',
    `${pad('produced')}${n(report.produced)}${report.cutByTimeBound ? `   (of ${n(report.parameters.records)}: the time bound stopped production)` : ''}`,
    `${pad('delivered')}${n(report.delivered)}   distinct records found at the destinations`,
    `${pad('dead-lettered')}${n(report.deadLettered)}`,
    `${pad('LOST')}${n(report.lost)}${report.lostIds.length > 0 ? `   e.g. ${report.lostIds.slice(0, 5).join(', ')}` : ''}`,
    ...(report.unexpected > 0
      ? [`${pad('unexpected')}${n(report.unexpected)}   payloads nobody produced`]
      : []),
    ...(report.settled
      ? []
      : [`${pad('NOT SETTLED')}records were still at a source when the drain timeout came`]),
    `${pad('duplicates')}${n(report.duplicates.total)} extra copies (${percent(report.duplicates.total, report.produced)} of the records produced) of ${n(report.duplicates.recordsDuplicated)} records, at most ${report.duplicates.maxCopies} copies of one:`,
  ];
  for (const [cause, count] of Object.entries(report.duplicates.causes) as [
    keyof DuplicateCauses,
    number,
  ][]) {
    if (count > 0) lines.push(`${pad('')}  ${n(count).padStart(9)}  ${CAUSE_TEXT[cause]}`);
  }
  lines.push(
    `${pad('retries')}${n(report.retries.recordsHandedAgain)} records handed to the function again by the event sources, ${n(report.retries.entriesResentBySink)} entries resent by the sink`,
    ...(report.retries.unscheduledRedeliveries > 0
      ? [
          `${pad('')}of which ${n(report.retries.unscheduledRedeliveries)} SQS messages came back unasked: their visibility timeout ran out before the delete (${n(report.retries.overlappingHandOvers)} while still being handled)`,
        ]
      : []),
    `${pad('invocations')}${n(report.invocations.total)} (${n(report.invocations.partial)} partial, ${n(report.invocations.errors)} failed as a whole, ${n(report.invocations.timeouts)} timed out)`,
    `${pad('failed as a whole')}${n(pr.killed)} killed${Object.entries(f.functionErrors)
      .map(([name, count]) => `, ${n(count)} ${name}`)
      .join('')}`,
    `${pad('throughput')}${n(report.throughput.recordsPerSecond)} records/s over ${s(report.throughput.elapsedMs)} (${s(report.throughput.wallClockMs)} with setup and read-back)`,
    `${pad('faults: entries')}${n(f.entriesFailed)} of ${n(f.entriesSeen)} failed (${(f.entryFailureRate * 100).toFixed(1)} %: ${n(p.entryThrottle)} throttled, ${n(p.entryInternal)} internal errors)`,
    `${pad('faults: calls')}${n(p.throttle)} throttled, ${n(p.internalError)} × 500, ${n(p.unavailable)} × 503, ${n(p.dropBefore)} dropped before and ${n(p.dropAfter)} after forwarding`,
    `${pad('faults: latency')}${n(f.latencySpikes)} spikes of ${s(report.parameters.faultLevels.spikeMs)}, longer than the function timeout; ${n(f.deadlineReached)} invocations stopped sending at their deadline`,
    `${pad('faults: processes')}${n(pr.killed)} killed mid-batch, ${n(pr.timedOut)} timed out (${n(pr.hung)} hung, ${n(pr.stalled)} frozen), ${n(pr.spawned)} cold starts`,
    `${pad('weather')}${Object.entries(f.weathers)
      .map(([w, count]) => `${w} ${count}`)
      .join(', ')} (phases of ${report.parameters.phaseSeconds} s)`,
  );
  for (const pipeline of report.pipelines) {
    lines.push(
      `${pad(pipeline.pipeline)}${n(pipeline.produced)} produced, ${n(pipeline.delivered)} delivered, ${n(pipeline.lost)} lost, ${n(pipeline.duplicates)} duplicates, ${n(pipeline.recordsPerSecond)} records/s, drained in ${s(pipeline.drainMs)}`,
    );
  }
  lines.push(`${pad('seed')}${report.parameters.seed}`);
  lines.push(
    report.ok
      ? `OK: 0 lost of ${n(report.produced)} records.`
      : `FAILED: ${n(report.lost)} lost, ${n(report.deadLettered)} dead-lettered, ${n(report.unexpected)} unexpected${report.settled ? '' : ', not settled'}.`,
  );
  return lines;
}
