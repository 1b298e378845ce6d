import { AsyncSinkError } from '../core/errors.js';

/**
 * Thrown by middy's last resort when the handler is still running at `timeoutEarlyInMillis`
 * before Lambda's timeout and cannot say which records are done: a failed invocation makes
 * the event source retry the whole batch, which loses nothing.
 */
export class HandlerTimeoutError extends AsyncSinkError {
  override readonly name = 'HandlerTimeoutError';
  readonly code = 'HANDLER_TIMEOUT';
}
