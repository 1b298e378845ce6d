/**
 * Ready-made function: a Kinesis data stream to Sns.
 * TOPIC_ARN (required), and the tuning variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { SnsEntry } from '../../lib/destinations/sns.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { kinesisPayload } from '../record-payload.js';
import { payloadToSns, snsFromEnvironment } from '../sns-from-environment.js';

const env = process.env;
const tuning = readTuning(env);
const destination = snsFromEnvironment(env, tuning);
const convert = payloadToSns(destination.fifo);

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, SnsEntry>({
  destination,
  convert: (record) => convert(kinesisPayload(record)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
