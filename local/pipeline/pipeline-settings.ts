/** What a local pipeline run is made of: its name, its options, and their defaults, as data. */
import { type DestinationKind, FUNCTION_NAMES, type FunctionName } from '../../functions/contract.js';
import { optionChecks } from '../../lib/core/option-checks.js';
import type { FaultConfig } from '../services/fault-proxy.js';

/** The sources a local pipeline can run: each has an emulator, a producer and a poller here. */
export const LOCAL_SOURCES = ['sqs', 'kinesis', 'dynamodb'] as const;
export type LocalSource = (typeof LOCAL_SOURCES)[number];

/** The ready-made pipelines that run locally, named after their function in functions/. */
export type PipelineName = Extract<FunctionName, `${LocalSource}-to-${string}`>;

/** True for the ready-made functions whose source runs locally. */
export function isPipelineName(name: string): name is PipelineName {
  return (
    (FUNCTION_NAMES as readonly string[]).includes(name) &&
    LOCAL_SOURCES.some((source) => name.startsWith(`${source}-to-`))
  );
}

/** Every ready-made function whose source runs locally, in the contract's order. */
export const PIPELINE_NAMES: readonly PipelineName[] = FUNCTION_NAMES.filter(isPipelineName);

/** The source a pipeline reads, from its name. */
export function sourceOf(pipeline: PipelineName): LocalSource {
  return pipeline.split('-to-')[0] as LocalSource;
}

/** The destination a pipeline writes to, from its name. */
export function destinationOf(pipeline: PipelineName): DestinationKind {
  return pipeline.split('-to-')[1] as DestinationKind;
}

/** The defaults of {@link PipelineOptions}, as data. */
export const PIPELINE_DEFAULTS = {
  pipeline: 'sqs-to-kinesis',
  records: 10_000,
  recordBytes: 300,
  seed: 1,
  /** Lambda's default batch sizes: 10 for SQS, 100 for Kinesis and DynamoDB streams. */
  sqsBatchSize: 10,
  kinesisBatchSize: 100,
  /** SQS pollers, each with one invocation in flight (Lambda starts with 5). */
  concurrency: 5,
  /** Shards of a Kinesis source or destination, or of a DynamoDB source's stream. */
  shards: 2,
  /** The function timeout, Lambda's default. */
  timeoutMs: 3_000,
  /** Short, so that failed messages come back quickly; above the function timeout, as it must be. */
  visibilityTimeoutSeconds: 5,
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceiveCount: 10,
  /** Retries before a Kinesis batch is sent to the on-failure queue (bisection does not use them up). */
  maximumRetryAttempts: 10,
  /** The whole run gives up after this long. */
  runTimeoutMs: 120_000,
  progressIntervalMs: 250,
  /** POWERTOOLS_LOG_LEVEL of the function: its per-invocation summary lines would drown the progress. */
  functionLogLevel: 'SILENT',
} as const;

/** Options of {@link runPipeline}; every one has a default in {@link PIPELINE_DEFAULTS}. */
export interface PipelineOptions {
  readonly pipeline?: PipelineName;
  /** Records to produce. */
  readonly records?: number;
  /** Approximate size of each record's JSON payload. */
  readonly recordBytes?: number;
  /** Faults the proxy in front of the destination injects into the function's calls. None by default. */
  readonly faults?: FaultConfig;
  /** Seed of the fault proxy's PRNG. */
  readonly seed?: number;
  /** Records per invocation. Default 10 from SQS, 100 from Kinesis. */
  readonly batchSize?: number;
  /** Batching window in ms (needed for an SQS batch size above 10). Default 0, or 500 when an SQS batch exceeds 10. */
  readonly maximumBatchingWindowMs?: number;
  /** SQS pollers. */
  readonly concurrency?: number;
  /** Shards of Kinesis streams. */
  readonly shards?: number;
  /** The function timeout in ms. */
  readonly timeoutMs?: number;
  /** The SQS source queue's visibility timeout, in seconds. */
  readonly visibilityTimeoutSeconds?: number;
  /** The SQS source queue's redrive policy: receives before the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** Kinesis source: retries before a batch goes to the on-failure queue. */
  readonly maximumRetryAttempts?: number;
  /** Give up (and report what is missing) after this long. */
  readonly runTimeoutMs?: number;
  /** Extra environment variables for the function, e.g. `{ MAX_ATTEMPTS: '3' }`. */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /** The function's POWERTOOLS_LOG_LEVEL. */
  readonly functionLogLevel?: string;
  readonly progressIntervalMs?: number;
  /** Called every `progressIntervalMs` while records flow, and once at the end. */
  readonly onProgress?: (progress: PipelineProgress) => void;
  /** Called when the run moves on to its next step (starting services, producing, verifying...). */
  readonly onStage?: (stage: string) => void;
  /** Aborting it stops the run: everything started is stopped, and the run rejects. */
  readonly signal?: AbortSignal;
}

/** A snapshot while the run goes on. */
export interface PipelineProgress {
  readonly produced: number;
  /** Records the function handled that the event source settled for good (deleted / checkpointed). */
  readonly delivered: number;
  /** Records handed to the function again after a failure. */
  readonly retried: number;
  /** Records moved to the dead-letter queue (SQS) or given up to the on-failure queue (Kinesis). */
  readonly deadLettered: number;
  readonly invocations: number;
  readonly elapsedMs: number;
  /** Records delivered per second over the last second or so. */
  readonly recordsPerSecond: number;
}

/** Options with every default filled in. */
export interface PipelineSettings {
  readonly pipeline: PipelineName;
  readonly records: number;
  readonly recordBytes: number;
  readonly faults: FaultConfig;
  readonly seed: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  readonly concurrency: number;
  readonly shards: number;
  readonly timeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly maximumRetryAttempts: number;
  readonly runTimeoutMs: number;
  readonly functionLogLevel: string;
}

const check = optionChecks((_option, message) => new RangeError(message));

function integer(name: string, value: number, min: number, max: number): number {
  return check.number(name, value, { min, max, integer: true });
}

/** The function timeout and how the source retries, as a local pipeline and the soak both take them. */
export interface RetrySettings {
  readonly timeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly maximumRetryAttempts: number;
}

/**
 * The function timeout and the sources' retry settings, defaults filled in and ranges
 * checked; an SQS source's visibility timeout must exceed the function timeout.
 */
export function retrySettings(
  given: Partial<RetrySettings>,
  defaults: Omit<RetrySettings, 'visibilityTimeoutSeconds'> & {
    readonly visibilityTimeoutSeconds: (timeoutMs: number) => number;
  },
  fromSqs: boolean,
): RetrySettings {
  const timeoutMs = integer('timeoutMs', given.timeoutMs ?? defaults.timeoutMs, 100, 900_000);
  const visibilityTimeoutSeconds = integer(
    'visibilityTimeoutSeconds',
    given.visibilityTimeoutSeconds ?? defaults.visibilityTimeoutSeconds(timeoutMs),
    1,
    43_200,
  );
  if (fromSqs && visibilityTimeoutSeconds * 1000 <= timeoutMs) {
    throw new RangeError(
      `visibilityTimeoutSeconds (${visibilityTimeoutSeconds} s) must exceed the function timeout (${timeoutMs} ms), or messages come back while they are processed`,
    );
  }
  return {
    timeoutMs,
    visibilityTimeoutSeconds,
    maxReceiveCount: integer('maxReceiveCount', given.maxReceiveCount ?? defaults.maxReceiveCount, 1, 1_000),
    maximumRetryAttempts: integer(
      'maximumRetryAttempts',
      given.maximumRetryAttempts ?? defaults.maximumRetryAttempts,
      -1,
      10_000,
    ),
  };
}

/** The options with defaults filled in and ranges checked. */
export function pipelineSettings(options: PipelineOptions = {}): PipelineSettings {
  const d = PIPELINE_DEFAULTS;
  const pipeline = check.oneOf('pipeline', options.pipeline ?? d.pipeline, PIPELINE_NAMES);
  const fromSqs = sourceOf(pipeline) === 'sqs';
  const batchSize = integer(
    'batchSize',
    options.batchSize ?? (fromSqs ? d.sqsBatchSize : d.kinesisBatchSize),
    1,
    10_000,
  );
  const retries = retrySettings(
    options,
    {
      ...d,
      // Above the function timeout, as it must be.
      visibilityTimeoutSeconds: (timeoutMs) =>
        Math.max(d.visibilityTimeoutSeconds, Math.ceil(timeoutMs / 1000) + 1),
    },
    fromSqs,
  );
  return {
    ...retries,
    pipeline,
    records: integer('records', options.records ?? d.records, 1, 10_000_000),
    recordBytes: integer('recordBytes', options.recordBytes ?? d.recordBytes, 64, 256 * 1024),
    faults: options.faults ?? {},
    seed: options.seed ?? d.seed,
    batchSize,
    maximumBatchingWindowMs: integer(
      'maximumBatchingWindowMs',
      options.maximumBatchingWindowMs ?? (fromSqs && batchSize > 10 ? 500 : 0),
      0,
      300_000,
    ),
    concurrency: integer('concurrency', options.concurrency ?? d.concurrency, 1, 1_000),
    shards: integer('shards', options.shards ?? d.shards, 1, 100),
    runTimeoutMs: integer('runTimeoutMs', options.runTimeoutMs ?? d.runTimeoutMs, 1_000, 86_400_000),
    functionLogLevel: options.functionLogLevel ?? d.functionLogLevel,
  };
}
