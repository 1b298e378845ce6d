import { AsyncSinkError } from '../core/errors.js';
import type { BatchResponse } from '../sources/batch-response.js';

/**
 * Thrown when every record of the batch failed for a reason a retry may fix and
 * `throwOnFullBatchFailure` is on: a failed invocation makes the event source back off,
 * where a partial batch response would not.
 */
export class FullBatchFailureError extends AsyncSinkError {
  override readonly name = 'FullBatchFailureError';
  readonly code = 'FULL_BATCH_FAILURE';

  constructor(
    /** What the handler would have answered: every record of the batch. */
    readonly batchResponse: BatchResponse,
    /** How many records failed, per failure code. */
    readonly failedByReason: Readonly<Record<string, number>>,
  ) {
    const reasons = Object.entries(failedByReason)
      .map(([code, count]) => `${code}: ${count}`)
      .join(', ');
    super(
      `All ${batchResponse.batchItemFailures.length} records of the batch failed (${reasons}); failing the invocation so that the event source backs off (throwOnFullBatchFailure)`,
    );
  }
}
