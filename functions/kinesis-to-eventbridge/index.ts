/**
 * Ready-made function: a Kinesis data stream to EventBridge.
 * EVENT_BUS_NAME (required), EVENT_SOURCE, EVENT_DETAIL_TYPE, and the tuning variables of functions/config.ts.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventBridgeEntry } from '../../lib/destinations/eventbridge.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { eventBridgeFromEnvironment, payloadToEventBridge } from '../eventbridge-from-environment.js';
import { kinesisPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = eventBridgeFromEnvironment(env, tuning);
const convert = payloadToEventBridge(env);

/** The Lambda handler. */
export const handler = createSinkHandler<KinesisStreamRecord, EventBridgeEntry>({
  destination,
  convert: (record) => convert(kinesisPayload(record)),
  source: 'kinesis',
  ...tuningOptions(tuning),
});
