/**
 * The soak's side of each invocation: the process faults drawn for it (a kill part-way
 * through, a hang, a stall), what the child process saw, and, once the poller settles it,
 * the verdict on each of its records written into the {@link RecordLedger}.
 */
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { sampleRecordIdOf } from '../local/pipeline/sample-records.js';
import type {
  ChildInvocation,
  ChildInvocationFaults,
  ChildInvocationOutcome,
  ChildInvocationReport,
} from '../local/pollers/child-process-handler.js';
import type { InvocationReport } from '../local/pollers/types.js';
import { seededRandom } from '../local/services/seeded-random.js';
import type { ProcessFaultRates } from './fault-schedule.js';
import type { AttemptOutcome, RecordLedger } from './record-ledger.js';

/** The record number inside a payload (or its first bytes), or -1. */
export function recordIndexOf(text: string): number {
  const id = sampleRecordIdOf(text);
  return id === undefined ? -1 : Number(id.slice(2));
}

/** The first bytes of a Kinesis record's base64 data are enough to read its id. */
function kinesisRecordIndex(base64: string): number {
  return recordIndexOf(Buffer.from(base64.slice(0, 64), 'base64').toString('latin1'));
}

/** What the soak remembers of an invocation until the poller settles it. */
interface PendingInvocation {
  readonly ids: readonly string[];
  readonly indices: readonly number[];
  readonly faults: ChildInvocationFaults;
  outcome?: ChildInvocationOutcome;
  failed?: ReadonlySet<string>;
}

function failedIdentifiers(value: unknown): ReadonlySet<string> {
  const list = (value as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id === 'string') out.add(id);
  }
  return out;
}

/** The ids the poller names the records by, and the record numbers their payloads hold. */
function recordsOf(event: SQSEvent | KinesisStreamEvent): { ids: string[]; indices: number[] } {
  const ids: string[] = [];
  const indices: number[] = [];
  for (const record of event.Records) {
    if ('messageId' in record) {
      ids.push(record.messageId);
      indices.push(recordIndexOf(record.body.slice(0, 64)));
    } else {
      ids.push(record.kinesis.sequenceNumber);
      indices.push(kinesisRecordIndex(record.kinesis.data));
    }
  }
  return { ids, indices };
}

/** The invocations of one pipeline of a soak; its records are `first` to `first + count - 1`. */
export class SoakInvocations {
  /** Kills drawn that did not happen because the invocation ended first. */
  killsNotReached = 0;
  /**
   * Hand-overs of a record while an earlier hand-over of it was not yet settled by the poller:
   * an SQS message whose visibility timeout ran out while its invocation ran (or before its delete).
   */
  overlappingHandOvers = 0;
  /** Invocations whose handler threw (or whose process died on its own), by error name. */
  readonly functionErrors: Record<string, number> = {};
  private readonly pending = new Map<string, PendingInvocation>();
  private readonly random: () => number;
  /** Per record of this pipeline, its hand-overs not yet settled by the poller. */
  private readonly inFlight: Uint8Array;
  private typicalDurationMs = 200;

  constructor(
    seed: number,
    private readonly ledger: RecordLedger,
    private readonly first: number,
    private readonly count: number,
  ) {
    this.random = seededRandom((seed * 0x9e3779b1 + first) >>> 0);
    this.inFlight = new Uint8Array(count);
  }

  private owns(index: number): boolean {
    return index >= this.first && index < this.first + this.count;
  }

  /** Draws the faults of an invocation about to start, at the phase's rates. */
  draw(
    invocation: ChildInvocation<SQSEvent | KinesisStreamEvent>,
    rates: ProcessFaultRates,
  ): ChildInvocationFaults {
    const { ids, indices } = recordsOf(invocation.event);
    const r = this.random();
    // Part-way through a typical invocation, so that some of its sends are done and some are not.
    const partWay = () => Math.round(this.typicalDurationMs * (0.05 + 0.7 * this.random()));
    let faults: ChildInvocationFaults = {};
    if (r < rates.killRate) faults = { killAfterMs: partWay() };
    else if (r < rates.killRate + rates.hangRate) faults = { hangAfterHandler: true };
    else if (r < rates.killRate + rates.hangRate + rates.stallRate) faults = { stallAfterMs: partWay() };
    this.pending.set(invocation.context.awsRequestId, { ids, indices, faults });
    for (const index of indices) {
      if (!this.owns(index)) continue;
      const slot = index - this.first;
      if (this.inFlight[slot] > 0) this.overlappingHandOvers++;
      if (this.inFlight[slot] < 0xff) this.inFlight[slot]++;
    }
    return faults;
  }

  /** What the child process saw of an invocation. */
  endedInChild(report: ChildInvocationReport): void {
    const invocation = this.pending.get(report.requestId);
    if (invocation) {
      invocation.outcome = report.outcome;
      if (report.outcome === 'returned') invocation.failed = failedIdentifiers(report.value);
    }
    if (report.outcome === 'returned') {
      this.typicalDurationMs = this.typicalDurationMs * 0.95 + report.durationMs * 0.05;
    }
    if (report.faults.killAfterMs !== undefined && report.outcome !== 'killed') this.killsNotReached++;
    if (report.outcome === 'threw' || report.outcome === 'exited') {
      const name = report.outcome === 'exited' ? 'process exited' : (report.error ?? '').split(':')[0];
      this.functionErrors[name] = (this.functionErrors[name] ?? 0) + 1;
    }
  }

  /** The poller's verdict on an invocation, applied to each of its records. */
  settledByPoller(report: InvocationReport): void {
    const invocation = this.pending.get(report.requestId);
    if (!invocation) return;
    this.pending.delete(report.requestId);
    const outcomeOf = this.outcomes(report, invocation);
    invocation.indices.forEach((index, i) => {
      if (!this.owns(index)) return;
      this.ledger.attempt(index, outcomeOf(i));
      if (this.inFlight[index - this.first] > 0) this.inFlight[index - this.first]--;
    });
  }

  private outcomes(
    report: InvocationReport,
    invocation: PendingInvocation,
  ): (position: number) => AttemptOutcome {
    if (report.outcome === 'success') return () => 'done';
    if (report.outcome === 'partial') {
      const failed = invocation.failed ?? new Set<string>();
      return (i) => (failed.has(invocation.ids[i]) ? 'reportedFailed' : 'done');
    }
    if (report.outcome === 'timeout') {
      const hung = invocation.faults.hangAfterHandler === true;
      return () => (hung ? 'timedOutHung' : 'timedOut');
    }
    if (report.outcome === 'error' && invocation.outcome === 'killed') return () => 'killed';
    return () => 'functionError';
  }
}
