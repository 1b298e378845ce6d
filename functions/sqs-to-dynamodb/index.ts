/**
 * Ready-made function: SQS (standard or FIFO) to DynamoDb.
 * TABLE_NAME, TABLE_PARTITION_KEY (required), TABLE_SORT_KEY, and the tuning variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { DynamoDbEntry } from '../../lib/destinations/dynamodb.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { dynamoDbFromEnvironment, payloadToDynamoDb } from '../dynamodb-from-environment.js';
import { sqsPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = dynamoDbFromEnvironment(env, tuning);
const convert = payloadToDynamoDb;

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, DynamoDbEntry>({
  destination,
  convert: (record) => convert(sqsPayload(record)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
