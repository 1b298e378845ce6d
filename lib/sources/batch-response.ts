import type { RecordOutcome } from '../core/types.js';

/** Lambda's partial batch response, the same for SQS and Kinesis. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Lists every record that is not done, each id once, in record order. `ids` are the
 * event's record ids and `outcomes[i]` must be the outcome of `ids[i]`: an empty or
 * unknown `itemIdentifier` makes Lambda fail (and retry) the whole batch, so a mismatch
 * throws instead of answering.
 */
export function toBatchResponse(ids: readonly string[], outcomes: readonly RecordOutcome[]): BatchResponse {
  if (outcomes.length !== ids.length) {
    throw new Error(`toBatchResponse: ${outcomes.length} outcomes for ${ids.length} records`);
  }
  const failed = new Set<string>();
  outcomes.forEach((outcome, index) => {
    if (outcome.id !== ids[index] || outcome.id === '') {
      throw new Error(
        `toBatchResponse: outcome ${index} names record "${outcome.id}", expected "${ids[index]}"`,
      );
    }
    if (outcome.status === 'failed') failed.add(outcome.id);
  });
  // A message delivered twice in one batch is reported once if any of its copies failed.
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}
