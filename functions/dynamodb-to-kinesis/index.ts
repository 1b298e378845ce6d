/**
 * Ready-made function: a DynamoDB stream to a Kinesis data stream, one JSON document per
 * change (the new image; the keys and old image on REMOVE), partitioned by the item's key.
 * STREAM_NAME (required; a name or a stream ARN) and the tuning variables of
 * functions/config.ts. Ordered per item key unless ORDERED=false.
 */
import type { KinesisEntry } from '../../lib/destinations/kinesis.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';
import { readTuning, tuningOptions } from '../config.js';
import { kinesisFromEnvironment } from '../kinesis-from-environment.js';
import { dynamoDBToKinesis } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const destination = kinesisFromEnvironment(env, tuning);

/** The Lambda handler. */
export const handler = createSinkHandler<DynamoDBStreamRecord, KinesisEntry>({
  destination,
  convert: dynamoDBToKinesis,
  source: 'dynamodb',
  ...tuningOptions(tuning),
});
