import { type FirehoseDestination, firehoseDestination } from '../lib/destinations/firehose.js';
import { clientOptions, type Environment, fromVariable, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_VARIABLES } from './contract.js';

/** The Firehose destination both `*-to-firehose` functions send to: DELIVERY_STREAM_NAME, with the tuning's client settings. */
export function firehoseFromEnvironment(env: Environment, tuning: SinkTuning): FirehoseDestination {
  const variable = DESTINATION_VARIABLES.firehose;
  const deliveryStreamName = requiredString(env, variable, 'the name of the destination Firehose stream');
  return fromVariable(variable, () =>
    firehoseDestination({
      deliveryStreamName,
      ...clientOptions(tuning),
    }),
  );
}
