/**
 * Ready-made function: SQS (standard or FIFO) to CloudWatch.
 * METRIC_NAMESPACE (required), and the tuning variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { CloudWatchEntry } from '../../lib/destinations/cloudwatch.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { cloudWatchFromEnvironment, payloadToCloudWatch } from '../cloudwatch-from-environment.js';
import { readTuning, tuningOptions } from '../config.js';
import { sqsPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = cloudWatchFromEnvironment(env, tuning);
const convert = payloadToCloudWatch;

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, CloudWatchEntry>({
  destination,
  convert: (record) => convert(sqsPayload(record)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
