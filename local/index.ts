export * from './dynamodb-streams/index.js';
export type {
  PipelineName,
  PipelineOptions,
  PipelineProgress,
  PipelineSettings,
  PipelineSummary,
  SimpleFaults,
} from './pipeline/pipeline.js';
export {
  PIPELINE_DEFAULTS,
  PIPELINE_NAMES,
  pipelineSettings,
  runPipeline,
  simpleFaults,
} from './pipeline/pipeline.js';
export { sampleRecord, sampleRecordId, sampleRecordIdOf } from './pipeline/sample-records.js';
export * from './pollers/index.js';
export type { LocalClientOptions } from './services/clients.js';
export {
  createDynamoDbClient,
  createFirehoseClient,
  createKinesisClient,
  createSqsClient,
  LOCAL_AWS,
} from './services/clients.js';
export type {
  CloudWatchServer,
  CloudWatchServerOptions,
  DeliveredDatum,
} from './services/cloudwatch-server.js';
export { LOCAL_CLOUDWATCH_LIMITS, startCloudWatchServer } from './services/cloudwatch-server.js';
export type { DynamoDbServer, DynamoDbServerOptions } from './services/dynamodb-server.js';
export { createDynamoDbTable, scanTable, startDynamoDbServer } from './services/dynamodb-server.js';
export type {
  DeliveredEvent,
  EventBridgeServer,
  EventBridgeServerOptions,
} from './services/eventbridge-server.js';
export { LOCAL_EVENTBRIDGE_LIMITS, startEventBridgeServer } from './services/eventbridge-server.js';
export type {
  FaultConfig,
  FaultEvent,
  FaultProxy,
  FaultProxyOptions,
  FaultStats,
} from './services/fault-proxy.js';
export { startFaultProxy } from './services/fault-proxy.js';
export type { FirehoseServer, FirehoseServerOptions } from './services/firehose-server.js';
export { FIREHOSE_LIMITS, startFirehoseServer } from './services/firehose-server.js';
export type {
  CapacityVerdict,
  KinesisCapacityOptions,
  OfferedRecord,
  ShardCounters,
  ShardWriteLimits,
} from './services/kinesis-capacity.js';
export { KINESIS_SHARD_WRITE_LIMITS, KinesisCapacityModel } from './services/kinesis-capacity.js';
export type {
  KinesisCapacityServer,
  KinesisCapacityServerOptions,
  StoredRecord,
} from './services/kinesis-capacity-server.js';
export { startKinesisCapacityServer } from './services/kinesis-capacity-server.js';
export type { KinesisServerOptions, LocalServer } from './services/kinesis-server.js';
export { createKinesisStream, startKinesisServer } from './services/kinesis-server.js';
export { drainQueue, listShardIds, queueDepth, readShard, readStream } from './services/read-back.js';
export type { Random } from './services/seeded-random.js';
export { seededRandom } from './services/seeded-random.js';
export type { EntryFault, RequestFault, ServiceName } from './services/service-faults.js';
export { BATCH_WRITE_TARGETS, ENTRY_FAULTS, REQUEST_FAULTS } from './services/service-faults.js';
export type { SqsServerOptions } from './services/sqs-server.js';
export { startSqsServer } from './services/sqs-server.js';
