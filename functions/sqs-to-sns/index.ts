/**
 * Ready-made function: SQS (standard or FIFO) to Sns.
 * TOPIC_ARN (required), and the tuning variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { SnsEntry } from '../../lib/destinations/sns.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { sqsPayload } from '../record-payload.js';
import { payloadToSns, snsFromEnvironment } from '../sns-from-environment.js';

const env = process.env;
const tuning = readTuning(env);
const destination = snsFromEnvironment(env, tuning);
const convert = payloadToSns(destination.fifo);

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, SnsEntry>({
  destination,
  convert: (record) => convert(sqsPayload(record)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
