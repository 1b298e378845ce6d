export type {
  CapturedTable,
  DynamoDbStreamCapture,
  DynamoDbStreamCaptureOptions,
  EnableStreamOptions,
} from './stream-capture.js';
export { startDynamoDbStreamCapture } from './stream-capture.js';
export type { DynamoDbStreamPoller, DynamoDbStreamPollerOptions } from './stream-poller.js';
export { dynamoDbStreamEvent, startDynamoDbStreamPoller } from './stream-poller.js';
export type { CapturedChange, ItemChange } from './stream-record.js';
export { capturedChange, StreamViewType, storedEventRecord, streamEventRecord } from './stream-record.js';
