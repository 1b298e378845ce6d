import { AsyncSinkError } from '../core/errors.js';

/**
 * Thrown by `send` when a 200 response cannot be matched to the entries sent (a count that
 * differs, a missing array). Nothing can be reported done from it, so it is retryable: the
 * entries are sent again, at the risk of a duplicate, never of a loss.
 */
export class MalformedResponseError extends AsyncSinkError {
  // The name doubles as the failure code the error classifier retries (see error-classifier.ts).
  override readonly name = 'MalformedResponse';
  readonly code = 'MALFORMED_RESPONSE';
}
