/** The batch write calls whose entries the fault proxy can fail one by one, by `X-Amz-Target`. */
export const BATCH_WRITE_TARGETS = {
  kinesis: 'Kinesis_20131202.PutRecords',
  firehose: 'Firehose_20150804.PutRecordBatch',
  sqs: 'AmazonSQS.SendMessageBatch',
} as const;

/** A service the fault proxy knows how to speak for. */
export type ServiceName = keyof typeof BATCH_WRITE_TARGETS;

/** How a single entry of a batch call is made to fail. */
export const ENTRY_FAULTS = {
  throttle: 'throttle',
  internal: 'internal',
  senderFault: 'senderFault',
} as const;
export type EntryFault = (typeof ENTRY_FAULTS)[keyof typeof ENTRY_FAULTS];

/** How a whole call is made to fail with an HTTP error response. */
export const REQUEST_FAULTS = {
  internalError: 'internalError',
  unavailable: 'unavailable',
  throttle: 'throttle',
} as const;
export type RequestFault = (typeof REQUEST_FAULTS)[keyof typeof REQUEST_FAULTS];

type Json = Record<string, unknown>;

/** An HTTP error response as the service itself would send it. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Json;
}

const TARGET_PREFIXES: Readonly<Record<string, ServiceName>> = {
  Kinesis_20131202: 'kinesis',
  Firehose_20150804: 'firehose',
  AmazonSQS: 'sqs',
};

/** The service an `X-Amz-Target` header belongs to, if it is one of ours. */
export function serviceOfTarget(target: string): ServiceName | undefined {
  const prefix = target.slice(0, target.indexOf('.'));
  return Object.hasOwn(TARGET_PREFIXES, prefix) ? TARGET_PREFIXES[prefix] : undefined;
}

/** The content type each service answers with (Kinesis and Firehose: AWS JSON 1.1, SQS: AWS JSON 1.0). */
export const CONTENT_TYPES: Readonly<Record<ServiceName, string>> = {
  kinesis: 'application/x-amz-json-1.1',
  firehose: 'application/x-amz-json-1.1',
  sqs: 'application/x-amz-json-1.0',
};

function awsJsonError(status: number, type: string, message: string): ErrorResponse {
  return { status, headers: { 'x-amzn-errortype': type }, body: { __type: type, message } };
}

// SQS speaks AWS JSON 1.0 in query-compatible mode: the SDK names the error after x-amzn-query-error.
function sqsError(
  status: number,
  code: string,
  fault: 'Sender' | 'Receiver',
  message: string,
): ErrorResponse {
  return {
    status,
    headers: { 'x-amzn-query-error': `${code};${fault}` },
    body: { __type: `com.amazonaws.sqs#${code}`, message },
  };
}

/** The error response a service sends for a whole-request fault. */
export function requestErrorResponse(service: ServiceName, fault: RequestFault): ErrorResponse {
  switch (service) {
    case 'kinesis':
      if (fault === 'throttle') {
        return awsJsonError(
          400,
          'ProvisionedThroughputExceededException',
          'Rate exceeded for stream under account 000000000000.',
        );
      }
      return fault === 'internalError'
        ? awsJsonError(500, 'InternalFailure', 'Internal service failure.')
        : awsJsonError(503, 'ServiceUnavailable', 'Service unavailable.');
    case 'firehose':
      // Firehose throttles with its ServiceUnavailableException (HTTP 503), not a 400.
      if (fault === 'throttle') return awsJsonError(503, 'ServiceUnavailableException', 'Slow down.');
      return fault === 'internalError'
        ? awsJsonError(500, 'InternalFailure', 'Internal service failure.')
        : awsJsonError(503, 'ServiceUnavailableException', 'Service unavailable.');
    case 'sqs':
      if (fault === 'throttle') return sqsError(400, 'RequestThrottled', 'Sender', 'Request is throttled.');
      return fault === 'internalError'
        ? sqsError(500, 'InternalFailure', 'Receiver', 'Internal service failure.')
        : sqsError(503, 'ServiceUnavailable', 'Receiver', 'Service unavailable.');
  }
}

/** The entries of a batch write request, or undefined when the body is not one. */
export function batchEntries(service: ServiceName, request: Json): unknown[] | undefined {
  const entries = service === 'sqs' ? request.Entries : request.Records;
  return Array.isArray(entries) ? entries : undefined;
}

/** The request with only the kept entries. */
export function withEntries(service: ServiceName, request: Json, kept: unknown[]): Json {
  return service === 'sqs' ? { ...request, Entries: kept } : { ...request, Records: kept };
}

function positionalError(service: 'kinesis' | 'firehose', fault: EntryFault, request: Json): Json {
  if (fault === 'throttle') {
    return service === 'kinesis'
      ? {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${String(request.StreamName ?? '')} under account 000000000000.`,
        }
      : { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
  }
  return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
}

function sqsFailedEntry(fault: EntryFault, entry: unknown): Json {
  const Id = (entry as Json | null)?.Id;
  switch (fault) {
    case 'throttle':
      return { Id, SenderFault: false, Code: 'RequestThrottled', Message: 'Request is throttled.' };
    case 'internal':
      return { Id, SenderFault: false, Code: 'InternalError', Message: 'Internal service failure.' };
    case 'senderFault':
      return { Id, SenderFault: true, Code: 'InvalidParameterValue', Message: 'Invalid parameter value.' };
  }
}

/**
 * The response the client sees: the upstream's answer for the entries it was sent (undefined when none was),
 * with the injected failures put back at their positions (Kinesis, Firehose) or into `Failed` (SQS).
 */
export function mergeBatchResponse(
  service: ServiceName,
  request: Json,
  entries: readonly unknown[],
  failed: ReadonlyMap<number, EntryFault>,
  upstream: Json | undefined,
): Json {
  if (service === 'sqs') {
    const injected = [...failed].map(([i, fault]) => sqsFailedEntry(fault, entries[i]));
    const upstreamFailed = Array.isArray(upstream?.Failed) ? upstream.Failed : [];
    return {
      ...upstream,
      Successful: Array.isArray(upstream?.Successful) ? upstream.Successful : [],
      Failed: [...upstreamFailed, ...injected],
    };
  }
  const listKey = service === 'kinesis' ? 'Records' : 'RequestResponses';
  const countKey = service === 'kinesis' ? 'FailedRecordCount' : 'FailedPutCount';
  const upstreamResults = Array.isArray(upstream?.[listKey]) ? (upstream[listKey] as unknown[]) : [];
  const results: unknown[] = new Array(entries.length);
  let next = 0;
  for (let i = 0; i < entries.length; i++) {
    const fault = failed.get(i);
    results[i] = fault === undefined ? upstreamResults[next++] : positionalError(service, fault, request);
  }
  const upstreamFailedCount = typeof upstream?.[countKey] === 'number' ? (upstream[countKey] as number) : 0;
  return {
    ...(service === 'firehose' ? { Encrypted: false } : {}),
    ...upstream,
    [countKey]: upstreamFailedCount + failed.size,
    [listKey]: results,
  };
}
