/**
 * Ready-made function: a Kinesis data stream to an Amazon Data Firehose stream.
 * DELIVERY_STREAM_NAME (required), APPEND_NEWLINE (default true), and the tuning
 * variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { type FirehoseEntry, firehoseDestination } from '../../lib/destinations/firehose.js';
import { createSinkHandler } from '../../lib/handler.js';
import { booleanVariable, fromVariable, readTuning, requiredString, tuningOptions } from '../config.js';
import { kinesisToFirehose } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const deliveryStreamName = requiredString(
  env,
  'DELIVERY_STREAM_NAME',
  'the name of the destination Firehose stream',
);
const destination = fromVariable('DELIVERY_STREAM_NAME', () =>
  firehoseDestination({
    deliveryStreamName,
    maxInFlightRequests: tuning.maxInFlightRequests,
    requestTimeoutMs: tuning.requestTimeoutMs,
  }),
);

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, FirehoseEntry>({
  destination,
  convert: kinesisToFirehose(booleanVariable(env, 'APPEND_NEWLINE', true)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
