/**
 * Ready-made function: SQS (standard or FIFO) to a Kinesis data stream.
 * STREAM_NAME (required; a name or a stream ARN), PARTITION_KEY_FIELD (optional), and
 * the tuning variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { KinesisEntry } from '../../lib/destinations/kinesis.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { optionalString, readTuning, tuningOptions } from '../config.js';
import { DESTINATION_OPTION_VARIABLES } from '../contract.js';
import { kinesisFromEnvironment } from '../kinesis-from-environment.js';
import { sqsToKinesis } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const destination = kinesisFromEnvironment(env, tuning);

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, KinesisEntry>({
  destination,
  convert: sqsToKinesis(optionalString(env, DESTINATION_OPTION_VARIABLES.partitionKeyField)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
