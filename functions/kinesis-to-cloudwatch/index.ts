/**
 * Ready-made function: a Kinesis data stream to CloudWatch.
 * METRIC_NAMESPACE (required), and the tuning variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { CloudWatchEntry } from '../../lib/destinations/cloudwatch.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { cloudWatchFromEnvironment, payloadToCloudWatch } from '../cloudwatch-from-environment.js';
import { readTuning, tuningOptions } from '../config.js';
import { kinesisPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = cloudWatchFromEnvironment(env, tuning);
const convert = payloadToCloudWatch;

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, CloudWatchEntry>({
  destination,
  convert: (record) => convert(kinesisPayload(record)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
