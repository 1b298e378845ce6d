/**
 * Ready-made function: a Kinesis data stream to DynamoDb.
 * TABLE_NAME, TABLE_PARTITION_KEY (required), TABLE_SORT_KEY, and the tuning variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { DynamoDbEntry } from '../../lib/destinations/dynamodb.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { dynamoDbFromEnvironment, payloadToDynamoDb } from '../dynamodb-from-environment.js';
import { kinesisPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = dynamoDbFromEnvironment(env, tuning);
const convert = payloadToDynamoDb;

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, DynamoDbEntry>({
  destination,
  convert: (record) => convert(kinesisPayload(record)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
