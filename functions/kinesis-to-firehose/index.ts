/**
 * Ready-made function: a Kinesis data stream to an Amazon Data Firehose stream.
 * DELIVERY_STREAM_NAME (required), APPEND_NEWLINE (default true), and the tuning
 * variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { booleanVariable, readTuning, tuningOptions } from '../config.js';
import { DESTINATION_OPTION_VARIABLES } from '../contract.js';
import { firehoseFromEnvironment } from '../firehose-from-environment.js';
import { kinesisToFirehose } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const destination = firehoseFromEnvironment(env, tuning);

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, FirehoseEntry>({
  destination,
  convert: kinesisToFirehose(booleanVariable(env, DESTINATION_OPTION_VARIABLES.appendNewline, true)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
