/**
 * Ready-made function: SQS (standard or FIFO) to EventBridge.
 * EVENT_BUS_NAME (required), EVENT_SOURCE, EVENT_DETAIL_TYPE, and the tuning variables of functions/config.ts.
 */
import type { SQSRecord } from 'aws-lambda';
import type { EventBridgeEntry } from '../../lib/destinations/eventbridge.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { readTuning, tuningOptions } from '../config.js';
import { eventBridgeFromEnvironment, payloadToEventBridge } from '../eventbridge-from-environment.js';
import { sqsPayload } from '../record-payload.js';

const env = process.env;
const tuning = readTuning(env);
const destination = eventBridgeFromEnvironment(env, tuning);
const convert = payloadToEventBridge(env);

/** The Lambda handler. */
export const handler = createSinkHandler<SQSRecord, EventBridgeEntry>({
  destination,
  convert: (record) => convert(sqsPayload(record)),
  source: 'sqs',
  ...tuningOptions(tuning),
});
