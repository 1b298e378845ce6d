/** The destinations: Kinesis Data Streams, Amazon Data Firehose, Amazon SQS, DynamoDB, EventBridge, SNS and CloudWatch metrics. */

export {
  CLOUDWATCH_LIMITS,
  type CloudWatchDestination,
  type CloudWatchDestinationOptions,
  type CloudWatchEntry,
  cloudWatchDestination,
} from './cloudwatch.js';
export { deduplicationIdFor } from './deduplication-id.js';
export {
  DEFAULT_CLIENT_SETTINGS,
  type DefaultClientOptions,
  defaultClientConfig,
  endpointFromEnvironment,
} from './default-client.js';
export { DestinationConfigurationError } from './destination-configuration-error.js';
export {
  DYNAMODB_LIMITS,
  type DynamoDbDestination,
  type DynamoDbDestinationOptions,
  type DynamoDbEntry,
  type DynamoDbItem,
  dynamoDbDestination,
} from './dynamodb.js';
export {
  classifyAwsError,
  FATAL_ERROR_CODES,
  failedEntryResult,
  kindOfErrorCode,
  POISON_ENTRY_CODES,
  THROTTLING_ERROR_CODES,
  TRANSIENT_ERROR_CODES,
} from './error-classifier.js';
export {
  EVENTBRIDGE_LIMITS,
  type EventBridgeDestination,
  type EventBridgeDestinationOptions,
  type EventBridgeEntry,
  eventBridgeDestination,
} from './eventbridge.js';
export {
  FIREHOSE_LIMITS,
  type FirehoseDestination,
  type FirehoseDestinationOptions,
  type FirehoseEntry,
  firehoseDestination,
} from './firehose.js';
export {
  KINESIS_LIMITS,
  type KinesisDestination,
  type KinesisDestinationOptions,
  type KinesisEntry,
  kinesisDestination,
} from './kinesis.js';
export { AGGREGATION_OVERHEAD_PER_RECORD } from './kinesis-aggregation.js';
export { evenShardRanges, kinesisHashKey, type ShardRange, shardIndexOf } from './kinesis-hash-key.js';
export { KinesisShardMap, listOpenShards, type StreamReference } from './kinesis-shard-map.js';
export {
  OverBudget,
  SHARD_BUSY_CODE,
  SHARD_RATE_LIMIT_DEFAULTS,
  ShardRateLimiter,
  type ShardRateLimitOptions,
} from './kinesis-shard-rate-limit.js';
export { MalformedResponseError } from './malformed-response-error.js';
export type { RequestBodyMode } from './prebuilt-body.js';
export {
  SNS_LIMITS,
  type SnsDestination,
  type SnsDestinationOptions,
  type SnsEntry,
  snsDestination,
} from './sns.js';
export {
  type MessageAttributeValue,
  SQS_LIMITS,
  type SqsDestination,
  type SqsDestinationOptions,
  type SqsEntry,
  sqsDestination,
} from './sqs.js';
