import { FailureCode, type RecordOutcome } from '../core/types.js';

/**
 * SQS FIFO semantics: once a record of a message group failed, every later record of
 * that group fails too (it will come back after the failed one), while other groups go
 * on. `groups[i]` is the group of `outcomes[i]`; records without a group are left alone.
 * Returns new outcomes in the same order.
 */
export function cutOffFailedGroups(
  outcomes: readonly RecordOutcome[],
  groups: readonly (string | undefined)[],
): RecordOutcome[] {
  const firstFailure = new Map<string, string>();
  return outcomes.map((outcome, index) => {
    const group = groups[index];
    if (group === undefined) return outcome;
    const failedBefore = firstFailure.get(group);
    if (outcome.status === 'failed') {
      if (failedBefore === undefined) firstFailure.set(group, outcome.id);
      return outcome;
    }
    if (failedBefore === undefined) return outcome;
    return {
      id: outcome.id,
      status: 'failed',
      code: FailureCode.PredecessorFailed,
      reason: `record ${failedBefore} of message group ${group} failed before it`,
    };
  });
}
