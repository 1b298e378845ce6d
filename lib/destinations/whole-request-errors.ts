/**
 * Whole-request errors as one destination reads them, on top of the shared lists: which
 * codes mean "an entry in here is invalid, the service does not say which" (the core then
 * bisects the request), and which codes the service documents as worth retrying.
 */
import type { ErrorClassification } from '../core/types.js';
import { classifyAwsError } from './error-classifier.js';

/** The codes a destination reads differently from the shared lists. */
export interface WholeRequestErrorCodes {
  /** Codes, or HTTP statuses as strings (`'413'`), for which the core bisects the request. */
  readonly bisect: ReadonlySet<string>;
  /** Codes the service documents as transient that the shared lists do not know. */
  readonly retryable?: ReadonlySet<string>;
}

/** Classifies an SDK error with the shared lists, then applies the destination's own codes. */
export function classifyWholeRequestError(
  error: unknown,
  codes: WholeRequestErrorCodes,
): ErrorClassification {
  const classification = classifyAwsError(error);
  if (codes.retryable?.has(classification.code)) {
    return {
      kind: 'retryable',
      code: classification.code,
      message: classification.message,
      throttled: false,
    };
  }
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  // A status the destination bisects on wins over the shared lists: a 413 is retried as a
  // throttle elsewhere (smaller requests), but DynamoDB, say, names the entry by halving.
  if (
    (classification.kind === 'fatal' && codes.bisect.has(classification.code)) ||
    (typeof status === 'number' && codes.bisect.has(String(status)))
  ) {
    return { kind: 'bisect', code: classification.code, message: classification.message };
  }
  return classification;
}
