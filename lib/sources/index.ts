export { type BatchResponse, toBatchResponse } from './batch-response.js';
export {
  DYNAMODB_EVENT_SOURCE,
  type DynamoDBChange,
  DynamoDBEventName,
  type DynamoDBItem,
  type DynamoDBStreamRecord,
  dynamoDBChange,
  dynamoDBItemKey,
  dynamoDBRecordId,
  isDynamoDBRecord,
  type UnmarshallOptions,
  unmarshallImage,
} from './dynamodb.js';
export { cutOffFailedGroups } from './group-cutoff.js';
export {
  decodeUtf8,
  isKinesisRecord,
  KINESIS_EVENT_SOURCE,
  kinesisData,
  kinesisJson,
  kinesisRecordId,
  kinesisText,
} from './kinesis.js';
export { type KinesisUserRecord, kinesisUserRecords } from './kinesis-deaggregation.js';
export { MalformedEventError } from './malformed-event-error.js';
export {
  parseSourceEvent,
  type SourceEvent,
  SourceKind,
  type SourceKindOf,
  type SourceRecord,
  type SourceRecordInfo,
  sourceOfRecord,
} from './source-event.js';
export {
  isFifoSqsRecord,
  isSqsRecord,
  SQS_EVENT_SOURCE,
  sqsJson,
  sqsMessageGroupId,
  sqsRecordId,
} from './sqs.js';
