import { type KinesisDestination, kinesisDestination } from '../lib/destinations/kinesis.js';
import { clientOptions, type Environment, fromVariable, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_VARIABLES } from './contract.js';

/** The Kinesis destination the `*-to-kinesis` functions send to: STREAM_NAME (a name or an ARN), with the tuning's client settings. */
export function kinesisFromEnvironment(env: Environment, tuning: SinkTuning): KinesisDestination {
  const variable = DESTINATION_VARIABLES.kinesis;
  const stream = requiredString(env, variable, 'the name of the destination Kinesis data stream');
  return fromVariable(variable, () =>
    kinesisDestination({
      ...(stream.startsWith('arn:') ? { streamArn: stream } : { streamName: stream }),
      ...clientOptions(tuning),
    }),
  );
}
