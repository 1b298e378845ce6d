/** The batch write calls whose entries the fault proxy can fail one by one, by `X-Amz-Target`. */
export const BATCH_WRITE_TARGETS = {
  kinesis: 'Kinesis_20131202.PutRecords',
  firehose: 'Firehose_20150804.PutRecordBatch',
  sqs: 'AmazonSQS.SendMessageBatch',
  dynamodb: 'DynamoDB_20120810.BatchWriteItem',
  eventbridge: 'AWSEvents.PutEvents',
  cloudwatch: 'GraniteServiceVersion20100801.PutMetricData',
  // SNS speaks the query protocol: no X-Amz-Target; the proxy names the call after its Action.
  sns: 'AmazonSNS.PublishBatch',
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
  /** JSON for the JSON protocols, a string for SNS's XML. */
  readonly body: Json | string;
}

const TARGET_PREFIXES: Readonly<Record<string, ServiceName>> = {
  Kinesis_20131202: 'kinesis',
  Firehose_20150804: 'firehose',
  AmazonSQS: 'sqs',
  DynamoDB_20120810: 'dynamodb',
  AWSEvents: 'eventbridge',
  GraniteServiceVersion20100801: 'cloudwatch',
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
  dynamodb: 'application/x-amz-json-1.0',
  eventbridge: 'application/x-amz-json-1.1',
  cloudwatch: 'application/x-amz-json-1.0',
  sns: 'text/xml',
};

/** The pseudo-target of a query-protocol (SNS) call, from its form body's `Action`. */
export function snsTargetOf(body: Buffer): string {
  const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
  return `AmazonSNS.${action}`;
}

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
    case 'dynamodb':
      if (fault === 'throttle') {
        return awsJsonError(
          400,
          'com.amazonaws.dynamodb.v20120810#ThrottlingException',
          'Rate of requests exceeds the allowed throughput.',
        );
      }
      return fault === 'internalError'
        ? awsJsonError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error')
        : awsJsonError(503, 'ServiceUnavailable', 'Service unavailable.');
    case 'eventbridge':
      if (fault === 'throttle') return awsJsonError(400, 'ThrottlingException', 'Rate exceeded.');
      return fault === 'internalError'
        ? awsJsonError(500, 'InternalException', 'Internal service failure.')
        : awsJsonError(503, 'ServiceUnavailable', 'Service unavailable.');
    case 'sns': {
      const [status, code, type] =
        fault === 'throttle'
          ? [400, 'Throttled', 'Sender']
          : fault === 'internalError'
            ? [500, 'InternalError', 'Receiver']
            : [503, 'ServiceUnavailable', 'Receiver'];
      return {
        status: status as number,
        headers: {},
        body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>Injected ${code}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
      };
    }
    case 'cloudwatch':
      // CloudWatch speaks AWS JSON 1.0 in query-compatible mode, as SQS does.
      if (fault === 'throttle') return sqsError(400, 'Throttling', 'Sender', 'Rate exceeded');
      return fault === 'internalError'
        ? sqsError(500, 'InternalServiceError', 'Receiver', 'Internal service failure.')
        : sqsError(503, 'ServiceUnavailable', 'Receiver', 'Service unavailable.');
  }
}

/** DynamoDB BatchWriteItem: the write requests of the one table a request writes to. */
function dynamoDbWrites(request: Json): { readonly table: string; readonly writes: unknown[] } | undefined {
  const items = request.RequestItems as Json | undefined;
  const tables = items === undefined ? [] : Object.keys(items);
  if (tables.length !== 1 || !Array.isArray(items?.[tables[0]])) return undefined;
  return { table: tables[0], writes: items[tables[0]] as unknown[] };
}

/** The entries of a batch write request, or undefined when the body is not one. */
export function batchEntries(service: ServiceName, request: Json): unknown[] | undefined {
  // CloudWatch answers for the whole request only; SNS's form and XML are handled in sns-entry-faults.ts.
  if (service === 'cloudwatch' || service === 'sns') return undefined;
  if (service === 'dynamodb') return dynamoDbWrites(request)?.writes;
  const entries = service === 'sqs' || service === 'eventbridge' ? request.Entries : request.Records;
  return Array.isArray(entries) ? entries : undefined;
}

/** The request with only the kept entries. */
export function withEntries(service: ServiceName, request: Json, kept: unknown[]): Json {
  if (service === 'dynamodb') {
    const table = dynamoDbWrites(request)?.table ?? '';
    return { ...request, RequestItems: { [table]: kept } };
  }
  return service === 'sqs' || service === 'eventbridge'
    ? { ...request, Entries: kept }
    : { ...request, Records: kept };
}

function positionalError(
  service: 'kinesis' | 'firehose' | 'eventbridge',
  fault: EntryFault,
  request: Json,
): Json {
  if (service === 'eventbridge') {
    return fault === 'throttle'
      ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded.' }
      : { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
  }
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
  if (service === 'dynamodb') {
    // DynamoDB hands back what it did not write, throttled or not, as UnprocessedItems.
    const table = dynamoDbWrites(request)?.table ?? '';
    const unprocessed = (upstream?.UnprocessedItems as Json | undefined)?.[table];
    const injected = [...failed.keys()].map((i) => entries[i]);
    return {
      ...upstream,
      UnprocessedItems: { [table]: [...(Array.isArray(unprocessed) ? unprocessed : []), ...injected] },
    };
  }
  if (service === 'cloudwatch' || service === 'sns') return { ...upstream };
  const listKey =
    service === 'kinesis' ? 'Records' : service === 'eventbridge' ? 'Entries' : 'RequestResponses';
  const countKey =
    service === 'kinesis'
      ? 'FailedRecordCount'
      : service === 'eventbridge'
        ? 'FailedEntryCount'
        : 'FailedPutCount';
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
