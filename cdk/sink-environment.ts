import type { Duration } from 'aws-cdk-lib';
import {
  DESTINATION_OPTION_KINDS,
  DESTINATION_OPTION_VARIABLES,
  TUNING_VARIABLES as FUNCTION_TUNING_VARIABLES,
  POISON_VARIABLES,
  POWERTOOLS_VARIABLES,
  ShardRateLimitMode,
} from '../functions/contract.js';
import type { DestinationKind, ResolvedDestination } from './endpoints.js';

// The runtime's own policy names: the construct sets POISON_POLICY to one of them.
export { PoisonPolicy } from '../lib/handler/poison.js';
export { ShardRateLimitMode };

/** The sink's tuning, passed to the ready-made function as environment variables. Unset means the function's default. */
export interface SinkTuning {
  /** Most batch calls in flight at once (MAX_IN_FLIGHT_REQUESTS; the function's default is 10). */
  readonly maxInFlightRequests?: number;
  /** Most times one entry is sent, the first included (MAX_ATTEMPTS; default 8). */
  readonly maxAttempts?: number;
  /** How long one batch call may take before its entries are retried (REQUEST_TIMEOUT_MS). */
  readonly requestTimeout?: Duration;
  /** Throw when the whole batch failed, so the event source backs off (THROW_ON_FULL_BATCH_FAILURE; default true). */
  readonly throwOnFullBatchFailure?: boolean;
  /** Keep entries with the same destination key in order (ORDERED; default: on for an SQS FIFO source or a FIFO destination). */
  readonly ordered?: boolean;
  /** Log record payloads on failure (LOG_PAYLOADS; default false). */
  readonly logPayloads?: boolean;
  /** Kinesis destination only: the JSON field whose value is the partition key (PARTITION_KEY_FIELD). */
  readonly partitionKeyField?: string;
  /** Firehose destination only: end each record with a newline (APPEND_NEWLINE; default true). */
  readonly appendNewline?: boolean;
  /** DynamoDB destination only: the table's partition key attribute (TABLE_PARTITION_KEY); read from a new `Table`. */
  readonly tablePartitionKey?: string;
  /** DynamoDB destination only: the table's sort key attribute (TABLE_SORT_KEY); read from a new `Table`. */
  readonly tableSortKey?: string;
  /** DynamoDB destination only: the partition key's type, `S`, `N` or `B` (TABLE_PARTITION_KEY_TYPE); read from a new `Table`. */
  readonly tablePartitionKeyType?: 'S' | 'N' | 'B';
  /** DynamoDB destination only: the sort key's type (TABLE_SORT_KEY_TYPE); read from a new `Table`. */
  readonly tableSortKeyType?: 'S' | 'N' | 'B';
  /** EventBridge destination only: the events' Source (EVENT_SOURCE; default `lambda-async-sink`). */
  readonly eventSource?: string;
  /** EventBridge destination only: the events' DetailType (EVENT_DETAIL_TYPE; default `record`). */
  readonly eventDetailType?: string;
  /**
   * Kinesis destination only: pace each shard on its own, so that a hot shard's throttling
   * does not slow the others (SHARD_RATE_LIMIT; default `off`, the core's one AIMD window).
   * `retry` retries an entry whose shard is booked beyond `shardMaxWait` within the
   * invocation; `defer` gives its record back to the queue at once (standard SQS sources
   * only). The function then reads the shard map with `kinesis:ListShards`. See docs/sizing.md.
   */
  readonly shardRateLimit?: ShardRateLimitMode;
  /** Kinesis destination, with `shardRateLimit` only: the longest an entry waits for its shard's turn (SHARD_MAX_WAIT_MS; default 1 s). */
  readonly shardMaxWait?: Duration;
  /**
   * Kinesis destination only: pack the records bound for one shard into KPL aggregated
   * records (KPL_AGGREGATION; default false). Every consumer of the stream must de-aggregate
   * (KCL, aws-kinesis-agg, this toolkit's Kinesis source). Reads the shard map with `kinesis:ListShards`.
   */
  readonly aggregation?: boolean;
}

// The construct takes a Duration where the function reads milliseconds.
const { shardMaxWaitMs: shardMaxWaitVariable, ...SAME_NAMED_OPTION_VARIABLES } = DESTINATION_OPTION_VARIABLES;
const { shardMaxWaitMs: shardMaxWaitKind, ...SAME_NAMED_OPTION_KINDS } = DESTINATION_OPTION_KINDS;

/** The environment variable of each tuning option. */
export const TUNING_VARIABLES = {
  maxInFlightRequests: FUNCTION_TUNING_VARIABLES.maxInFlightRequests,
  maxAttempts: FUNCTION_TUNING_VARIABLES.maxAttempts,
  requestTimeout: FUNCTION_TUNING_VARIABLES.requestTimeoutMs,
  throwOnFullBatchFailure: FUNCTION_TUNING_VARIABLES.throwOnFullBatchFailure,
  ordered: FUNCTION_TUNING_VARIABLES.ordered,
  logPayloads: FUNCTION_TUNING_VARIABLES.logPayloads,
  ...SAME_NAMED_OPTION_VARIABLES,
  shardMaxWait: shardMaxWaitVariable,
} as const satisfies Record<keyof SinkTuning, string>;

/** Tuning options that only one destination kind reads. */
export const DESTINATION_ONLY_TUNING = {
  ...SAME_NAMED_OPTION_KINDS,
  shardMaxWait: shardMaxWaitKind,
} as const satisfies Partial<Record<keyof SinkTuning, DestinationKind>>;

/** Whether the function reads the Kinesis stream's shard map (per-shard pacing or aggregation), so needs `kinesis:ListShards`. */
export function readsShardMap(tuning: SinkTuning): boolean {
  return (
    (tuning.shardRateLimit ?? ShardRateLimitMode.Off) !== ShardRateLimitMode.Off ||
    tuning.aggregation === true
  );
}

/** Variables the construct owns: a user's `environment` may not set them. */
export const OWNED_VARIABLES = {
  ...POISON_VARIABLES,
  serviceName: POWERTOOLS_VARIABLES.serviceName,
  metricsNamespace: POWERTOOLS_VARIABLES.metricsNamespace,
} as const;

/** Why a tuning option does not fit the destination, or `undefined` when every option fits. */
export function tuningMismatch(tuning: SinkTuning, destination: DestinationKind): string | undefined {
  for (const [option, kind] of Object.entries(DESTINATION_ONLY_TUNING)) {
    if (tuning[option as keyof typeof DESTINATION_ONLY_TUNING] !== undefined && kind !== destination) {
      return `tuning.${option} applies only to a ${kind} destination, not to ${destination}`;
    }
  }
  if (
    tuning.shardMaxWait !== undefined &&
    (tuning.shardRateLimit ?? ShardRateLimitMode.Off) === ShardRateLimitMode.Off
  ) {
    return "tuning.shardMaxWait applies only with tuning.shardRateLimit 'retry' or 'defer'";
  }
  return undefined;
}

/** A DynamoDB table's key attributes as the function's variables, when the construct can see them. */
export function tableKeyVariables(destination: ResolvedDestination): Record<string, string> {
  const keys = destination.tableKeys;
  if (keys === undefined) return {};
  return {
    [DESTINATION_OPTION_VARIABLES.tablePartitionKey]: keys.partitionKey.name,
    [DESTINATION_OPTION_VARIABLES.tablePartitionKeyType]: keys.partitionKey.type,
    ...(keys.sortKey === undefined
      ? {}
      : {
          [DESTINATION_OPTION_VARIABLES.tableSortKey]: keys.sortKey.name,
          [DESTINATION_OPTION_VARIABLES.tableSortKeyType]: keys.sortKey.type,
        }),
  };
}

/** The tuning as environment variables; unset options are left out, so the function's defaults hold. */
export function tuningVariables(tuning: SinkTuning): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [option, variable] of Object.entries(TUNING_VARIABLES)) {
    const value = tuning[option as keyof SinkTuning];
    if (value === undefined) continue;
    variables[variable] =
      typeof value === 'object'
        ? String(value.toMilliseconds())
        : String(value satisfies string | number | boolean);
  }
  return variables;
}
