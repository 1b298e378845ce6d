/**
 * Ready-made function: SQS (standard or FIFO) to an Amazon Data Firehose stream.
 * DELIVERY_STREAM_NAME (required), APPEND_NEWLINE (default true), and the tuning
 * variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import { type FirehoseEntry, firehoseDestination } from '../../lib/destinations/firehose.js';
import { createSinkHandler } from '../../lib/handler.js';
import { booleanVariable, fromVariable, readTuning, requiredString, tuningOptions } from '../config.js';
import { sqsToFirehose } from './convert.js';

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
export const handler = createSinkHandler<SQSRecord, FirehoseEntry>({
  destination,
  convert: sqsToFirehose(booleanVariable(env, 'APPEND_NEWLINE', true)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
