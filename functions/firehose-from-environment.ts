import { type FirehoseDestination, firehoseDestination } from '../lib/destinations/firehose.js';
import { type Environment, fromVariable, requiredString, type SinkTuning } from './config.js';

/** The Firehose destination both `*-to-firehose` functions send to: DELIVERY_STREAM_NAME, with the tuning's client settings. */
export function firehoseFromEnvironment(env: Environment, tuning: SinkTuning): FirehoseDestination {
  const deliveryStreamName = requiredString(
    env,
    'DELIVERY_STREAM_NAME',
    'the name of the destination Firehose stream',
  );
  return fromVariable('DELIVERY_STREAM_NAME', () =>
    firehoseDestination({
      deliveryStreamName,
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}
