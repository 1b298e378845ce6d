/**
 * Ready-made function: a DynamoDB stream to an Amazon Data Firehose stream, one JSON
 * document per change (the new image; the keys and old image on REMOVE).
 * DELIVERY_STREAM_NAME (required), APPEND_NEWLINE (default true), and the tuning
 * variables of functions/config.ts. Ordered per item key unless ORDERED=false.
 */
import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';
import { booleanVariable, readTuning, tuningOptions } from '../config.js';
import { DESTINATION_OPTION_VARIABLES } from '../contract.js';
import { firehoseFromEnvironment } from '../firehose-from-environment.js';
import { dynamoDBToFirehose } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const destination = firehoseFromEnvironment(env, tuning);

/** The Lambda handler. */
export const handler = createSinkHandler<DynamoDBStreamRecord, FirehoseEntry>({
  destination,
  convert: dynamoDBToFirehose(booleanVariable(env, DESTINATION_OPTION_VARIABLES.appendNewline, true)),
  source: 'dynamodb',
  ...tuningOptions(tuning),
});
