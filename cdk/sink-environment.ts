import type { Duration } from 'aws-cdk-lib';
import { DestinationKind } from './endpoints.js';

/** What happens to a record no retry will get through (the design's poison policy). */
export const PoisonPolicy = {
  /** Report it failed; the queue's redrive or the stream's on-failure destination takes it. */
  RETRY: 'retry',
  /** Send it with its reason to a dead-letter queue, then count it done. */
  DEAD_LETTER: 'dead-letter',
  /** Log it and count it done. */
  DROP: 'drop',
} as const;
export type PoisonPolicy = (typeof PoisonPolicy)[keyof typeof PoisonPolicy];

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
  /** Keep entries with the same destination key in order (ORDERED; default false). */
  readonly ordered?: boolean;
  /** Log record payloads on failure (LOG_PAYLOADS; default false). */
  readonly logPayloads?: boolean;
  /** Kinesis destination only: the JSON field whose value is the partition key (PARTITION_KEY_FIELD). */
  readonly partitionKeyField?: string;
  /** Firehose destination only: end each record with a newline (APPEND_NEWLINE; default true). */
  readonly appendNewline?: boolean;
}

/** The environment variable of each tuning option. */
export const TUNING_VARIABLES = {
  maxInFlightRequests: 'MAX_IN_FLIGHT_REQUESTS',
  maxAttempts: 'MAX_ATTEMPTS',
  requestTimeout: 'REQUEST_TIMEOUT_MS',
  throwOnFullBatchFailure: 'THROW_ON_FULL_BATCH_FAILURE',
  ordered: 'ORDERED',
  logPayloads: 'LOG_PAYLOADS',
  partitionKeyField: 'PARTITION_KEY_FIELD',
  appendNewline: 'APPEND_NEWLINE',
} as const satisfies Record<keyof SinkTuning, string>;

/** Tuning options that only one destination kind reads. */
export const DESTINATION_ONLY_TUNING = {
  partitionKeyField: DestinationKind.KINESIS,
  appendNewline: DestinationKind.FIREHOSE,
} as const satisfies Partial<Record<keyof SinkTuning, DestinationKind>>;

/** Variables the construct owns: a user's `environment` may not set them. */
export const OWNED_VARIABLES = {
  poisonPolicy: 'POISON_POLICY',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** Why a tuning option does not fit the destination, or `undefined` when every option fits. */
export function tuningMismatch(tuning: SinkTuning, destination: DestinationKind): string | undefined {
  for (const [option, kind] of Object.entries(DESTINATION_ONLY_TUNING)) {
    if (tuning[option as keyof typeof DESTINATION_ONLY_TUNING] !== undefined && kind !== destination) {
      return `tuning.${option} applies only to a ${kind} destination, not to ${destination}`;
    }
  }
  return undefined;
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
