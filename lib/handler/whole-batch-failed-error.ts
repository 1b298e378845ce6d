import { AsyncSinkError } from '../core/errors.js';
import type { BatchResponse } from '../sources/batch-response.js';

/**
 * Thrown when every record of the batch failed for a reason a retry may fix and
 * `throwOnFullBatchFailure` is on: a failed invocation makes the event source back off,
 * where a partial batch response would not. Not Powertools' `FullBatchFailureError`
 * (thrown by its BatchProcessor when every record's handler threw): this one carries the
 * sink's `batchResponse` and the failure codes.
 */
export class WholeBatchFailedError extends AsyncSinkError {
  override readonly name = 'WholeBatchFailedError';
  /** Kept from the old name, so filters on it still match. */
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

/**
 * @deprecated Renamed {@link WholeBatchFailedError}: Powertools' batch package has a class of
 * this name for another thing. This alias is the same class and goes in the next major version.
 */
export const FullBatchFailureError = WholeBatchFailedError;
/** @deprecated Renamed {@link WholeBatchFailedError}. */
export type FullBatchFailureError = WholeBatchFailedError;
