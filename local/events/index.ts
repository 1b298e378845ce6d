/** Real event shapes for calling a handler directly: SQS and Kinesis events and records, and a Lambda context. */
export { lambdaContext } from './context.js';
export { type KinesisRecordOptions, kinesisEvent, kinesisRecord, kinesisRecords } from './kinesis.js';
export { fifoSqsRecords, type SqsRecordOptions, sqsEvent, sqsRecord, sqsRecords } from './sqs.js';
