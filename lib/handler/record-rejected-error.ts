import { AsyncSinkError } from '../core/errors.js';

/**
 * Thrown (and caught by the handler) when a record's content can never be accepted: its
 * body could not be decoded, or the schema refused it. The record fails as poison with
 * `failureCode`; the message names where and why, never the payload.
 */
export class RecordRejectedError extends AsyncSinkError {
  override readonly name = 'RecordRejectedError';
  readonly code = 'RECORD_REJECTED';

  constructor(
    /** The record's failure code: `DecodeFailed` or `SchemaRejected`. */
    readonly failureCode: string,
    message: string,
  ) {
    super(message);
  }
}
