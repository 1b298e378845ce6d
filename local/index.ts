export type { LocalClientOptions } from './clients.js';
export { createFirehoseClient, createKinesisClient, createSqsClient, LOCAL_AWS } from './clients.js';
export type { FaultConfig, FaultEvent, FaultProxy, FaultProxyOptions, FaultStats } from './fault-proxy.js';
export { startFaultProxy } from './fault-proxy.js';
export type { FirehoseServer, FirehoseServerOptions } from './firehose-server.js';
export { FIREHOSE_LIMITS, startFirehoseServer } from './firehose-server.js';
export type { KinesisServerOptions, LocalServer } from './kinesis-server.js';
export { createKinesisStream, startKinesisServer } from './kinesis-server.js';
export type {
  PipelineName,
  PipelineOptions,
  PipelineProgress,
  PipelineSettings,
  PipelineSummary,
  SimpleFaults,
} from './pipeline.js';
export {
  PIPELINE_DEFAULTS,
  PIPELINE_NAMES,
  pipelineSettings,
  runPipeline,
  simpleFaults,
} from './pipeline.js';
export * from './pollers/index.js';
export { drainQueue, listShardIds, queueDepth, readShard, readStream } from './read-back.js';
export { sampleRecord, sampleRecordId, sampleRecordIdOf } from './sample-records.js';
export type { Random } from './seeded-random.js';
export { seededRandom } from './seeded-random.js';
export type { EntryFault, RequestFault, ServiceName } from './service-faults.js';
export { BATCH_WRITE_TARGETS, ENTRY_FAULTS, REQUEST_FAULTS } from './service-faults.js';
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
export type { SqsServerOptions } from './sqs-server.js';
export { startSqsServer } from './sqs-server.js';
