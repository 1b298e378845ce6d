/**
 * Ready-made function: a Kinesis data stream to an SQS queue, standard or FIFO.
 * QUEUE_URL (required), and the tuning variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { type SqsEntry, sqsDestination } from '../../lib/destinations/sqs.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { clientOptions, fromVariable, readTuning, requiredString, tuningOptions } from '../config.js';
import { DESTINATION_VARIABLES } from '../contract.js';
import { kinesisToSqs } from './convert.js';

const env = process.env;
const tuning = readTuning(env);
const queueUrl = requiredString(env, DESTINATION_VARIABLES.sqs, 'the URL of the destination SQS queue');
const destination = fromVariable(DESTINATION_VARIABLES.sqs, () =>
  sqsDestination({
    queueUrl,
    ...clientOptions(tuning),
  }),
);

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, SqsEntry>({
  destination,
  convert: kinesisToSqs(destination.fifo),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
