/**
 * Thrown by `send` when a 200 response cannot be matched to the entries sent (a count that
 * differs, a missing array). Nothing can be reported done from it, so it is retryable: the
 * entries are sent again, at the risk of a duplicate, never of a loss.
 */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponse';
}
