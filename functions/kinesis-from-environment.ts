import { type KinesisDestination, kinesisDestination } from '../lib/destinations/kinesis.js';
import { OverBudget, SHARD_RATE_LIMIT_DEFAULTS } from '../lib/destinations/kinesis-shard-rate-limit.js';
import {
  booleanVariable,
  ConfigurationError,
  choiceVariable,
  clientOptions,
  type Environment,
  fromVariable,
  integerVariable,
  requiredString,
  type SinkTuning,
} from './config.js';
import { DESTINATION_OPTION_VARIABLES, DESTINATION_VARIABLES, ShardRateLimitMode } from './contract.js';

/** Longest SHARD_MAX_WAIT_MS: a wait past a Lambda invocation's 15 minutes means nothing. */
const MAX_SHARD_WAIT_MS = 900_000;

/** The pacing SHARD_RATE_LIMIT and SHARD_MAX_WAIT_MS ask for, as the destination's option. */
function shardRateLimitFromEnvironment(
  env: Environment,
): { overBudget: OverBudget; maxWaitMs: number } | undefined {
  const v = DESTINATION_OPTION_VARIABLES;
  const mode = choiceVariable(
    env,
    v.shardRateLimit,
    Object.values(ShardRateLimitMode),
    ShardRateLimitMode.Off,
  );
  const maxWaitMs = integerVariable(env, v.shardMaxWaitMs, undefined, 0, MAX_SHARD_WAIT_MS);
  if (mode === ShardRateLimitMode.Off) {
    if (maxWaitMs !== undefined) {
      throw new ConfigurationError(
        v.shardMaxWaitMs,
        `Environment variable ${v.shardMaxWaitMs} applies only to per-shard pacing: set ${v.shardRateLimit} to retry or defer, or unset ${v.shardMaxWaitMs}`,
      );
    }
    return undefined;
  }
  return {
    overBudget: mode === ShardRateLimitMode.Defer ? OverBudget.Defer : OverBudget.Retry,
    maxWaitMs: maxWaitMs ?? SHARD_RATE_LIMIT_DEFAULTS.maxWaitMs,
  };
}

/**
 * The Kinesis destination the `*-to-kinesis` functions send to: STREAM_NAME (a name or an ARN),
 * SHARD_RATE_LIMIT, SHARD_MAX_WAIT_MS and KPL_AGGREGATION, with the tuning's client settings.
 */
export function kinesisFromEnvironment(env: Environment, tuning: SinkTuning): KinesisDestination {
  const variable = DESTINATION_VARIABLES.kinesis;
  const stream = requiredString(env, variable, 'the name of the destination Kinesis data stream');
  const shardRateLimit = shardRateLimitFromEnvironment(env);
  const aggregation = booleanVariable(env, DESTINATION_OPTION_VARIABLES.aggregation, false);
  return fromVariable(variable, () =>
    kinesisDestination({
      ...(stream.startsWith('arn:') ? { streamArn: stream } : { streamName: stream }),
      ...clientOptions(tuning),
      ...(shardRateLimit === undefined ? {} : { shardRateLimit }),
      aggregation,
    }),
  );
}
