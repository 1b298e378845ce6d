/**
 * What an AWS error code means for a sink, shared by the Kinesis, Firehose and SQS
 * destinations. The code lists and where each one comes from are in README.md beside
 * this file; keep the two in step.
 */
import type { EntryResult, ErrorClassification } from '../core/types.js';

/** Codes that mean "slow down": the entry or request is retried and the rate limiter backs off. */
export const THROTTLING_ERROR_CODES: ReadonlySet<string> = new Set([
  // Kinesis PutRecords (per entry and whole request).
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  // Firehose PutRecordBatch: "throughput limits for the Firehose stream may have been exceeded".
  'ServiceUnavailableException',
  // SQS SendMessageBatch.
  'RequestThrottled',
  'KmsThrottled',
  'AWS.SimpleQueueService.RequestThrottled',
  'KMS.ThrottlingException',
  // Common to all AWS APIs, and the SDK's own list (@smithy/core service-error-classification).
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'SlowDown',
  // AWS Common Errors: HTTP 413, "The request entity is too large". Every entry is within the
  // service's limits (they are checked before sending), so the whole request is what is too
  // big: the rate limiter's shrinking window sends fewer entries per request, which fixes it.
  // Fatal would stop every invocation on the same request for good.
  'RequestEntityTooLargeException',
  'RequestEntityTooLarge',
]);

/** Codes that a later attempt may not meet: internal failures, unavailability, timeouts, lost connections. */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  // A per-request timeout of the HTTP handler, or the core cancelling the request.
  'TimeoutError',
  'AbortError',
  // Node.js socket errors.
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_HTTP2_STREAM_ERROR',
  // Our own: a response we could not map back to the entries, and the SQS client's body checksum.
  'MalformedResponse',
  'ChecksumMismatch',
]);

/** Codes that no retry can fix: permissions, missing resources, validation, disabled keys. */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set([
  // Common to all AWS APIs.
  'AccessDenied',
  'AccessDeniedException',
  'NotAuthorized',
  'IncompleteSignature',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'OptInRequired',
  'InvalidAction',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidQueryParameter',
  'MalformedQueryString',
  'MissingAction',
  'MissingParameter',
  'ValidationError',
  'ValidationException',
  'SerializationException',
  'UnknownOperationException',
  'CredentialsProviderError',
  // Kinesis PutRecords.
  'ResourceNotFoundException',
  'InvalidArgumentException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  // Firehose PutRecordBatch.
  'InvalidKMSResourceException',
  'InvalidSourceException',
  // SQS SendMessageBatch (JSON protocol names, then the legacy query codes the SDK keeps in `Code`).
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'UnsupportedOperation',
  'AWS.SimpleQueueService.UnsupportedOperation',
  'InvalidAddress',
  'InvalidSecurity',
  'InvalidMessageContents',
  'BatchEntryIdsNotDistinct',
  'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
  'AWS.SimpleQueueService.BatchRequestTooLong',
  'EmptyBatchRequest',
  'AWS.SimpleQueueService.EmptyBatchRequest',
  'InvalidBatchEntryId',
  'AWS.SimpleQueueService.InvalidBatchEntryId',
  'TooManyEntriesInBatchRequest',
  'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsInvalidKeyUsage',
  'KmsInvalidState',
  'KmsNotFound',
  'KmsOptInRequired',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.InvalidKeyUsageException',
  'KMS.InvalidStateException',
  'KMS.NotFoundException',
  'KMS.OptInRequired',
]);

/**
 * Codes a destination gives one entry when that entry's *content* can never be accepted:
 * the record is poison, and `poisonPolicy` decides its fate. Only these (with the core's
 * `InvalidEntry` and the handler's `ConvertFailed`): a permission, KMS, missing-resource,
 * throttling or service code is never poison, per entry or per request, because fixing
 * the configuration fixes it, and dropping or dead-lettering would lose the record for it.
 * A code on no list is not poison either: when in doubt, the record is retried.
 */
export const POISON_ENTRY_CODES: ReadonlySet<string> = new Set([
  // SQS SendMessageBatch Errors: the message holds characters outside the allowed set.
  'InvalidMessageContents',
  // AWS Common Errors: a value of the entry is invalid, missing or combined wrongly (SQS reports
  // e.g. a message attribute or a FIFO entry without MessageGroupId this way, per entry).
  'InvalidParameterValue',
  'MissingParameter',
  'InvalidParameterCombination',
  'ValidationError',
  'ValidationException',
  // SNS PublishBatch per entry (`SenderFault`), and CloudWatch's parameter codes that the core's
  // bisecting isolates on one entry.
  'InvalidParameter',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  // EventBridge PutEvents per-entry ErrorCode for the entry's own content (eventbridge.ts).
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
]);

/** What one error code means, or `undefined` when the code is not on any list. */
export type CodeKind = 'throttled' | 'transient' | 'fatal';

/** Looks an AWS or Node.js error code up in the three lists. */
export function kindOfErrorCode(code: string): CodeKind | undefined {
  if (THROTTLING_ERROR_CODES.has(code)) return 'throttled';
  if (FATAL_ERROR_CODES.has(code)) return 'fatal';
  if (TRANSIENT_ERROR_CODES.has(code)) return 'transient';
  return undefined;
}

/**
 * The result of one entry that the service reported as failed with `code`. Codes on no
 * list are retried: the retry budget bounds them, and a failed entry is never reported done.
 */
export function failedEntryResult(code: string, message: string | undefined): EntryResult {
  const kind = kindOfErrorCode(code);
  if (kind === 'fatal') return { status: 'fatal', code, message };
  return { status: 'retryable', code, message, throttled: kind === 'throttled' };
}

/** The fields of an SDK v3 service exception or a Node.js system error that classification reads. */
interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly Error?: { readonly Code?: unknown };
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: unknown };
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly cause?: unknown;
}

/** The codes an error carries, most specific first: SDK name, legacy query code, Node.js code. */
function codesOf(error: ErrorLike): string[] {
  const codes: string[] = [];
  for (const candidate of [error.name, error.Code, error.Error?.Code, error.code]) {
    if (typeof candidate === 'string' && candidate !== '' && !codes.includes(candidate))
      codes.push(candidate);
  }
  return codes;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

function retryable(code: string, message: string, throttled: boolean): ErrorClassification {
  return { kind: 'retryable', code, message, throttled };
}

function fatal(code: string, message: string): ErrorClassification {
  return { kind: 'fatal', code, message };
}

/** The SQS client throws a plain Error when a message's MD5 does not match: the messages did arrive. */
const CHECKSUM_MESSAGE = /^Invalid MD5 checksum/;

/**
 * Classifies an error thrown by an SDK v3 `client.send` as retryable (throttled or not) or
 * fatal, reading the exception's name and legacy code, `$retryable`, the HTTP status and
 * Node.js network error codes, and its `cause` chain.
 *
 * Order matters: throttling first (so `KMSThrottlingException` is not taken for a KMS
 * failure), then the fatal list, then the transient list, then the status code. An error
 * with no status and no known code is taken as transient: it did not come from the
 * service, so a retry may well succeed, and the retry budget bounds it.
 */
export function classifyAwsError(error: unknown, depth = 0): ErrorClassification {
  const message = messageOf(error);
  if (typeof error !== 'object' || error === null) return retryable('UnknownError', message, false);
  const e = error as ErrorLike;
  const codes = codesOf(e);
  const code = codes[0] ?? 'UnknownError';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;

  const throttlingCode = codes.find((c) => THROTTLING_ERROR_CODES.has(c));
  if (throttlingCode !== undefined) return retryable(throttlingCode, message, true);
  if (status === 429 || status === 413 || e.$retryable?.throttling === true)
    return retryable(code, message, true);

  const fatalCode = codes.find((c) => FATAL_ERROR_CODES.has(c));
  if (fatalCode !== undefined) return fatal(fatalCode, message);

  const transientCode = codes.find((c) => TRANSIENT_ERROR_CODES.has(c));
  if (transientCode !== undefined) return retryable(transientCode, message, false);
  if (CHECKSUM_MESSAGE.test(message)) return retryable('ChecksumMismatch', message, false);
  if (e.$retryable !== undefined) return retryable(code, message, false);

  // 408 Request Timeout says nothing of the request's content: the SDK retries it (RequestTimeout).
  if (status !== undefined && (status >= 500 || status === 408)) return retryable(code, message, false);
  if (status !== undefined && status >= 400) return fatal(code, message);
  if (e.$fault === 'server') return retryable(code, message, false);
  if (e.$fault === 'client') return fatal(code, message);

  // The SDK wraps socket errors; the cause may say more than the wrapper.
  if (e.cause !== undefined && depth < 5) {
    const inner = classifyAwsError(e.cause, depth + 1);
    if (inner.code !== 'UnknownError') return inner;
  }
  return retryable(code, message, false);
}
