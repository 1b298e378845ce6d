/** lambda-async-sink: forward SQS and Kinesis records from AWS Lambda to Kinesis, Firehose or SQS. */

export * from './core/index.js';
export * from './destinations/index.js';
export { createSinkHandler, type SinkHandler, type SourceEventOf } from './handler/create-sink-handler.js';
export { HandlerConfigurationError } from './handler/handler-configuration-error.js';
export {
  type Conversion,
  HANDLER_DEFAULTS,
  type RecordOfKind,
  type SchemaSinkHandlerOptions,
  type SinkHandlerOptions,
} from './handler/handler-options.js';
export { HandlerTimeoutError } from './handler/handler-timeout-error.js';
export { type DeadLetter, HandlerFailureCode, PoisonPolicy } from './handler/poison.js';
export { RecordRejectedError } from './handler/record-rejected-error.js';
export type { StandardSchemaV1 } from './handler/standard-schema.js';
export type { FailureLine, InvocationSummary } from './handler/summary.js';
export { FullBatchFailureError, WholeBatchFailedError } from './handler/whole-batch-failed-error.js';
export * from './kpl/index.js';
export * from './sources/index.js';
