/**
 * Ready-made function: SQS (standard or FIFO) to an Amazon Data Firehose stream.
 * DELIVERY_STREAM_NAME (required), APPEND_NEWLINE (default true), and the tuning
 * variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { booleanVariable, readTuning, tuningOptions } from '../config.js';
import { DESTINATION_OPTION_VARIABLES } from '../contract.js';
import { firehoseFromEnvironment } from '../firehose-from-environment.js';
import { sqsToFirehose } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const destination = firehoseFromEnvironment(env, tuning);

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, FirehoseEntry>({
  destination,
  convert: sqsToFirehose(booleanVariable(env, DESTINATION_OPTION_VARIABLES.appendNewline, true)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
