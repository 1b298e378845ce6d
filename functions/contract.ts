/**
 * The contract of the ready-made functions: their names and the environment variables
 * they read. functions/ reads the variables, cdk/ sets them on the function it deploys,
 * local/ and the tests set them on the function they run. Every side imports them from
 * here, so that renaming one breaks the build instead of a deployment.
 */
import type { SourceKind } from '../lib/sources/source-event.js';

/** The kinds of destination a ready-made function writes to. */
export const DestinationKind = {
  Kinesis: 'kinesis',
  Firehose: 'firehose',
  Sqs: 'sqs',
  DynamoDb: 'dynamodb',
  EventBridge: 'eventbridge',
  Sns: 'sns',
  CloudWatch: 'cloudwatch',
} as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/** The ready-made functions, each in functions/<name>/index.ts and named `<source kind>-to-<destination kind>`. */
export const FUNCTION_NAMES = [
  'sqs-to-kinesis',
  'sqs-to-firehose',
  'kinesis-to-sqs',
  'kinesis-to-firehose',
  'sqs-to-dynamodb',
  'kinesis-to-dynamodb',
  'sqs-to-eventbridge',
  'kinesis-to-eventbridge',
  'sqs-to-sns',
  'kinesis-to-sns',
  'sqs-to-cloudwatch',
  'kinesis-to-cloudwatch',
  'dynamodb-to-kinesis',
  'dynamodb-to-firehose',
] as const satisfies readonly `${SourceKind}-to-${DestinationKind}`[];
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The variable that names the destination (a stream name or ARN, a queue URL), by destination kind. */
export const DESTINATION_VARIABLES = {
  [DestinationKind.Kinesis]: 'STREAM_NAME',
  [DestinationKind.Firehose]: 'DELIVERY_STREAM_NAME',
  [DestinationKind.Sqs]: 'QUEUE_URL',
  [DestinationKind.DynamoDb]: 'TABLE_NAME',
  [DestinationKind.EventBridge]: 'EVENT_BUS_NAME',
  [DestinationKind.Sns]: 'TOPIC_ARN',
  [DestinationKind.CloudWatch]: 'METRIC_NAMESPACE',
} as const satisfies Record<DestinationKind, string>;

/** Variables that only the functions of one destination kind read. */
export const DESTINATION_OPTION_VARIABLES = {
  /** The JSON field whose value is the Kinesis partition key. */
  partitionKeyField: 'PARTITION_KEY_FIELD',
  /** End each Firehose record with a newline (default true). */
  appendNewline: 'APPEND_NEWLINE',
  /** The DynamoDB table's partition key attribute (required for a table). */
  tablePartitionKey: 'TABLE_PARTITION_KEY',
  /** The DynamoDB table's sort key attribute, if it has one. */
  tableSortKey: 'TABLE_SORT_KEY',
  /** The type (`S`, `N` or `B`) of the table's partition key, so that items of another fail alone. */
  tablePartitionKeyType: 'TABLE_PARTITION_KEY_TYPE',
  /** The type (`S`, `N` or `B`) of the table's sort key. */
  tableSortKeyType: 'TABLE_SORT_KEY_TYPE',
  /** The EventBridge events' Source (default `lambda-async-sink`). */
  eventSource: 'EVENT_SOURCE',
  /** The EventBridge events' DetailType (default `record`). */
  eventDetailType: 'EVENT_DETAIL_TYPE',
  /** Pace each Kinesis shard on its own: one of {@link ShardRateLimitMode} (default `off`). */
  shardRateLimit: 'SHARD_RATE_LIMIT',
  /** Under per-shard pacing, the longest an entry waits for its shard's turn, in ms (default 1,000). */
  shardMaxWaitMs: 'SHARD_MAX_WAIT_MS',
  /** Pack the records bound for one Kinesis shard into KPL aggregated records (default false). */
  aggregation: 'KPL_AGGREGATION',
} as const;

/**
 * The values of SHARD_RATE_LIMIT. `retry`: an entry whose shard is booked beyond
 * SHARD_MAX_WAIT_MS is retried within the invocation (every source). `defer`: its record goes
 * back to the source at once (standard SQS sources only: see docs/sizing.md).
 */
export const ShardRateLimitMode = { Off: 'off', Retry: 'retry', Defer: 'defer' } as const;
export type ShardRateLimitMode = (typeof ShardRateLimitMode)[keyof typeof ShardRateLimitMode];

/** The destination kind whose functions read each of {@link DESTINATION_OPTION_VARIABLES}. */
export const DESTINATION_OPTION_KINDS = {
  partitionKeyField: DestinationKind.Kinesis,
  appendNewline: DestinationKind.Firehose,
  tablePartitionKey: DestinationKind.DynamoDb,
  tableSortKey: DestinationKind.DynamoDb,
  tablePartitionKeyType: DestinationKind.DynamoDb,
  tableSortKeyType: DestinationKind.DynamoDb,
  eventSource: DestinationKind.EventBridge,
  eventDetailType: DestinationKind.EventBridge,
  shardRateLimit: DestinationKind.Kinesis,
  shardMaxWaitMs: DestinationKind.Kinesis,
  aggregation: DestinationKind.Kinesis,
} as const satisfies Record<keyof typeof DESTINATION_OPTION_VARIABLES, DestinationKind>;

/** The sink's tuning, read by every ready-made function; unset means the handler's default. */
export const TUNING_VARIABLES = {
  maxInFlightRequests: 'MAX_IN_FLIGHT_REQUESTS',
  maxAttempts: 'MAX_ATTEMPTS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  throwOnFullBatchFailure: 'THROW_ON_FULL_BATCH_FAILURE',
  ordered: 'ORDERED',
  logPayloads: 'LOG_PAYLOADS',
} as const;

/** What happens to poison records. The construct owns these: it creates the dead-letter queue. */
export const POISON_VARIABLES = {
  /** `retry`, `dead-letter` or `drop` (the handler's `PoisonPolicy`). */
  poisonPolicy: 'POISON_POLICY',
  /** The dead-letter queue's URL; required when the policy is `dead-letter`. */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
} as const;

/** Powertools' own variables, which the construct and the local pipeline set. */
export const POWERTOOLS_VARIABLES = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

type ValueOf<T> = T[keyof T];

/** A variable of ours that a ready-made function reads. */
export type FunctionVariable =
  | ValueOf<typeof DESTINATION_VARIABLES>
  | ValueOf<typeof DESTINATION_OPTION_VARIABLES>
  | ValueOf<typeof TUNING_VARIABLES>
  | ValueOf<typeof POISON_VARIABLES>;

/** Every variable of ours that the ready-made functions read. */
export const FUNCTION_VARIABLES: readonly FunctionVariable[] = [
  ...Object.values(DESTINATION_VARIABLES),
  ...Object.values(DESTINATION_OPTION_VARIABLES),
  ...Object.values(TUNING_VARIABLES),
  ...Object.values(POISON_VARIABLES),
];
