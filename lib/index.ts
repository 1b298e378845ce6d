/** lambda-async-sink: forward SQS and Kinesis records from AWS Lambda to Kinesis, Firehose or SQS. */

export * from './core/index.js';
export * from './destinations/index.js';
export { FullBatchFailureError } from './full-batch-failure-error.js';
export { createSinkHandler, type SinkHandler, type SourceEventOf } from './handler.js';
export { HandlerConfigurationError } from './handler-configuration-error.js';
export {
  type Conversion,
  HANDLER_DEFAULTS,
  type SinkHandlerOptions,
} from './handler-options.js';
export { HandlerTimeoutError } from './handler-timeout-error.js';
export * from './kpl/index.js';
export { type DeadLetter, HandlerFailureCode, PoisonPolicy } from './poison.js';
export * from './sources/index.js';
export type { FailureLine, InvocationSummary } from './summary.js';
