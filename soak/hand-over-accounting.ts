/**
 * How a soak's hand-overs add up. Every record produced is handed to the function once, and
 * again each time its event source hands it again. A stream (Kinesis, DynamoDB) hands a record
 * again only when the poller re-reads from its checkpoint after a failure: the retries the
 * poller scheduled. An SQS queue hands a message again each time it is received again
 * (`ApproximateReceiveCount` above 1): after the poller left it for retry, but also when its
 * visibility timeout ran out before it was deleted (a batching window plus a slow invocation on
 * a loaded machine), which no poller schedules and Lambda cannot prevent either. So on an SQS
 * source the receives, not the scheduled retries, add up to the hand-overs; a difference
 * between the two is told apart, so that a recurrence says what happened.
 */
import type { PipelineName } from '../local/pipeline/pipeline-settings.js';
import type { PollerStats } from '../local/pollers/types.js';

/** What one pipeline tells of its hand-overs. */
export interface PipelineHandOvers {
  readonly pipeline: PipelineName;
  readonly poller: Pick<PollerStats, 'retried' | 'redelivered'>;
  /** Hand-overs of a record while an earlier one of it was not yet settled (soak-invocations.ts). */
  readonly overlappingHandOvers: number;
}

/** The hand-overs of a run, and what they are made of. */
export interface HandOverAccounting {
  /** Hand-overs the ledger counted, every retry included. */
  readonly handOvers: number;
  /** Hand-overs after a record's first: stream re-reads, and SQS receives beyond the first. */
  readonly recordsHandedAgain: number;
  /** Records the pollers left for retry: reported failed, or their invocation failed or timed out. */
  readonly retriesScheduled: number;
  /** SQS receives beyond the scheduled retries (net): a visibility timeout ran out before the delete. */
  readonly unscheduledRedeliveries: number;
  /** Hand-overs of a record while an earlier hand-over of it was still unsettled. */
  readonly overlappingHandOvers: number;
}

function fromQueue(pipeline: PipelineName): boolean {
  return pipeline.startsWith('sqs-');
}

/** Adds up the pipelines' hand-overs; `handOvers` is the ledger's count. */
export function handOverAccounting(
  handOvers: number,
  pipelines: readonly PipelineHandOvers[],
): HandOverAccounting {
  let recordsHandedAgain = 0;
  let retriesScheduled = 0;
  let unscheduledRedeliveries = 0;
  let overlappingHandOvers = 0;
  for (const { pipeline, poller, overlappingHandOvers: overlapping } of pipelines) {
    const again = fromQueue(pipeline) ? poller.redelivered : poller.retried;
    recordsHandedAgain += again;
    retriesScheduled += poller.retried;
    if (fromQueue(pipeline)) unscheduledRedeliveries += Math.max(0, again - poller.retried);
    overlappingHandOvers += overlapping;
  }
  return { handOvers, recordsHandedAgain, retriesScheduled, unscheduledRedeliveries, overlappingHandOvers };
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * The hand-overs in words, for a check's message: `handOvers` must be `produced + recordsHandedAgain`;
 * when it is not, the ledger missed a hand-over or counted one twice.
 */
export function describeHandOvers(accounting: HandOverAccounting, produced: number): string {
  const a = accounting;
  const unexplained = a.handOvers - produced - a.recordsHandedAgain;
  return [
    `${n(a.handOvers)} hand-overs = ${n(produced)} produced + ${n(a.recordsHandedAgain)} handed again` +
      (unexplained === 0
        ? ''
        : ` + ${n(unexplained)} UNEXPLAINED (the ledger missed or double-counted hand-overs)`),
    `${n(a.retriesScheduled)} retries scheduled by the pollers`,
    `${n(a.unscheduledRedeliveries)} SQS receives beyond them (a visibility timeout ran out before the delete)`,
    `${n(a.overlappingHandOvers)} hand-overs while an earlier one of the same record was unsettled`,
  ].join('; ');
}
