/** The public surface of the CDK part: the construct, its props and types, and its defaults as data. */
export { AsyncSinkPipeline, type AsyncSinkPipelineProps } from './async-sink-pipeline.js';
export {
  ALARM_DEFAULTS,
  BUNDLING_DEFAULTS,
  FUNCTION_DEFAULTS,
  QUEUE_DEFAULTS,
  QUEUE_SOURCE_DEFAULTS,
  STREAM_SOURCE_DEFAULTS,
  SUPPORTED_RUNTIMES,
} from './defaults.js';
export {
  type CloudWatchNamespace,
  cloudWatchNamespace,
  DestinationKind,
  type PipelineDestination,
  type PipelineSource,
  SourceKind,
} from './endpoints.js';
export {
  EXAMPLE_PIPELINES,
  type ExamplePipelineName,
  ExamplePipelineStack,
  type ExamplePipelineStackProps,
  exampleStackName,
} from './examples/example-pipeline-stack.js';
export { DELIVERY_PREFIXES, FIREHOSE_S3_ACTIONS, S3DeliveryStream } from './examples/s3-delivery-stream.js';
export { QueueFailureDestination } from './failure-destinations.js';
export { IAM_ACTIONS } from './least-privilege.js';
export { PipelineAlarmSet, type PipelineAlarms } from './pipeline-alarms.js';
export { PipelineConfigurationError } from './pipeline-configuration-error.js';
export { READY_MADE_FUNCTIONS, type ReadyMadeFunctionName } from './ready-made-functions.js';
export { createSecureQueue } from './secure-queue.js';
export { PoisonPolicy, ShardRateLimitMode, type SinkTuning, TUNING_VARIABLES } from './sink-environment.js';
