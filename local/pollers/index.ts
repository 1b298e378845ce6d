export type {
  ChildInvocation,
  ChildInvocationFaults,
  ChildInvocationOutcome,
  ChildInvocationReport,
  ChildProcessHandlerOptions,
  ChildProcessHandlers,
  ChildProcessStats,
} from './child-process-handler.js';
export {
  CHILD_INVOCATION_OUTCOMES,
  CHILD_PROCESS_HANDLER_DEFAULTS,
  ChildProcessExitError,
  ChildProcessInitError,
  ChildProcessTimeoutError,
  childProcessHandlers,
} from './child-process-handler.js';
export type { HandlerFactory, HandlerSource } from './handler-source.js';
export type { HandlerResult } from './invocation.js';
export { invokeHandler } from './invocation.js';
export type {
  KinesisBatchInfo,
  KinesisFailureRecord,
  KinesisPoller,
  KinesisPollerOptions,
  KinesisPollerSettings,
  OnFailureQueue,
} from './kinesis-poller.js';
export { KINESIS_POLLER_DEFAULTS, startKinesisPoller } from './kinesis-poller.js';
export type { LambdaContextOptions } from './lambda-context.js';
export { createLambdaContext } from './lambda-context.js';
export type { SqsPoller, SqsPollerOptions, SqsPollerSettings } from './sqs-poller.js';
export { SQS_POLLER_DEFAULTS, startSqsPoller } from './sqs-poller.js';
export type {
  BatchHandler,
  BatchHandlerResult,
  BatchItemFailuresResponse,
  InvocationOutcome,
  InvocationReport,
  Poller,
  PollerStats,
} from './types.js';
export { INVOCATION_OUTCOMES } from './types.js';
