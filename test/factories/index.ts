export { lambdaContext } from './context.js';
export { type KinesisRecordOptions, kinesisEvent, kinesisRecord, kinesisRecords } from './kinesis.js';
export { fifoSqsRecords, type SqsRecordOptions, sqsEvent, sqsRecord, sqsRecords } from './sqs.js';
