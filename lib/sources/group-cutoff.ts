import { FailureCode, type RecordFailure, type RecordOutcome } from '../core/types.js';

/**
 * SQS FIFO semantics, written once: once a record of a message group failed, every later
 * record of that group fails too (it will come back after the failed one), while other
 * groups go on. The handler asks it before sending (a record after a failed one is not
 * sent at all) and again over the final outcomes. Records without a group are left alone.
 */
export class GroupCutoff {
  /** Per group, the id of its first failed record. */
  private readonly firstFailure = new Map<string, string>();

  /** Why a record of `group` must fail without being sent, or `undefined` when its group has no failure yet. */
  predecessorFailure(group: string | undefined): RecordFailure | undefined {
    if (group === undefined) return undefined;
    const failedBefore = this.firstFailure.get(group);
    if (failedBefore === undefined) return undefined;
    return {
      code: FailureCode.PredecessorFailed,
      reason: `record ${failedBefore} of message group ${group} failed before it`,
    };
  }

  /** Notes that record `id` of `group` failed: the later records of the group are cut off. */
  failed(group: string | undefined, id: string): void {
    if (group !== undefined && !this.firstFailure.has(group)) this.firstFailure.set(group, id);
  }

  /** The next outcome in record order, failed when an earlier record of its group failed. */
  apply(outcome: RecordOutcome, group: string | undefined): RecordOutcome {
    if (outcome.status === 'failed') {
      this.failed(group, outcome.id);
      return outcome;
    }
    const failure = this.predecessorFailure(group);
    return failure === undefined ? outcome : { id: outcome.id, status: 'failed', ...failure };
  }
}

/**
 * Applies the FIFO cut-off to a whole batch: `groups[i]` is the group of `outcomes[i]`.
 * Returns new outcomes in the same order.
 */
export function cutOffFailedGroups(
  outcomes: readonly RecordOutcome[],
  groups: readonly (string | undefined)[],
): RecordOutcome[] {
  const cutoff = new GroupCutoff();
  return outcomes.map((outcome, index) => cutoff.apply(outcome, groups[index]));
}
