/** What a soak run is made of: its options, and their defaults, as data. */
import { optionChecks } from '../lib/core/option-checks.js';
import {
  PIPELINE_NAMES,
  type PipelineName,
  type PipelineOptions,
  retrySettings,
} from '../local/pipeline/pipeline-settings.js';
import type { FaultLevels } from './fault-schedule.js';
import type { SoakPipelineProgress } from './soak-pipeline.js';

/** The function timeout of every pipeline, Lambda's default. */
const TIMEOUT_MS = 3_000;

/**
 * The base fault levels: about 10 % of entries fail, and every other kind comes up steadily;
 * the phases' weather scales them (see fault-schedule.ts).
 */
export const SOAK_FAULT_LEVELS: FaultLevels = {
  entryFailureRate: 0.1,
  entryThrottleShare: 0.5,
  throttleRate: 0.02,
  internalErrorRate: 0.01,
  unavailableRate: 0.01,
  dropBeforeRate: 0.005,
  dropAfterRate: 0.005,
  latencyMs: 2,
  latencyJitterMs: 8,
  spikeRate: 0.005,
  // Longer than the whole invocation: a call caught in a spike always outlasts the function's remaining time.
  spikeMs: TIMEOUT_MS + 500,
  killRate: 0.02,
  hangRate: 0.01,
  stallRate: 0.01,
};

/** How a Kinesis source is polled. */
export interface KinesisSourceSettings {
  /** Shards, each with its own execution environment. */
  readonly shards: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** Records written and not yet settled, beyond which the producer waits. */
  readonly maxBacklog: number;
}

/** How an SQS source is polled. */
export interface SqsSourceSettings {
  /** Pollers, each with its own execution environment. */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** Records sent and not yet settled, beyond which the producer waits. */
  readonly maxBacklog: number;
}

/** How each source is polled; Lambda's own limits apply (SQS: a batch above 10 needs a batching window). */
export const SOAK_SOURCE_DEFAULTS: {
  readonly kinesis: KinesisSourceSettings;
  readonly sqs: SqsSourceSettings;
} = {
  kinesis: {
    /** One execution environment per shard, as Lambda runs one invocation per shard at a time. */
    shards: 8,
    batchSize: 1_000,
    maximumBatchingWindowMs: 0,
    /** Records written and not yet checkpointed past, beyond which the producer waits. */
    maxBacklog: 40_000,
  },
  sqs: {
    /** Pollers, each with its own execution environment. */
    concurrency: 16,
    batchSize: 100,
    /** Lambda counts the window in whole seconds and needs one for a batch above 10. */
    maximumBatchingWindowMs: 1_000,
    maxBacklog: 20_000,
  },
};

/** The defaults of {@link SoakOptions}, as data. */
export const SOAK_DEFAULTS = {
  records: 1_000_000,
  /** Production stops after this long; what was produced is still drained and verified. */
  minutes: 10,
  seed: 1,
  /** The pipelines run side by side, each with its share of the records. */
  pipelines: [
    { pipeline: 'kinesis-to-firehose', share: 0.6 },
    { pipeline: 'sqs-to-firehose', share: 0.4 },
  ] as readonly { readonly pipeline: PipelineName; readonly share: number }[],
  /** About the size of a small event; the destination is cheap, so the run measures the pipeline. */
  recordBytes: 150,
  timeoutMs: TIMEOUT_MS,
  /** Twice the function timeout: failed messages come back soon (AWS advises six times for production). */
  visibilityTimeoutSeconds: 6,
  /** High enough that no record is ever dead-lettered by the soak's faults: the DLQ must stay empty. */
  maxReceiveCount: 1_000,
  /** Infinite, Lambda's default for streams: a batch is retried until it succeeds. */
  maximumRetryAttempts: -1,
  /** Length of a phase of fault weather. */
  phaseSeconds: 10,
  /** After production, the longest wait for every record to be settled at its source. */
  drainTimeoutSeconds: 180,
} as const;

/**
 * Options of a soak run; every one has a default in {@link SOAK_DEFAULTS}. Those it shares with
 * a local pipeline run mean the same for each of its pipelines.
 */
export interface SoakOptions
  extends Pick<
    PipelineOptions,
    | 'seed'
    | 'recordBytes'
    | 'timeoutMs'
    | 'visibilityTimeoutSeconds'
    | 'maxReceiveCount'
    | 'maximumRetryAttempts'
    | 'onStage'
    | 'signal'
  > {
  /** Records to produce in all, split among the pipelines by their share. */
  readonly records?: number;
  /** Time bound: production stops after this many minutes. */
  readonly minutes?: number;
  /** The pipelines and their shares; the shares are normalised. */
  readonly pipelines?: readonly { readonly pipeline: PipelineName; readonly share?: number }[];
  readonly phaseSeconds?: number;
  readonly drainTimeoutSeconds?: number;
  /** Overrides of the base fault levels. */
  readonly faults?: Partial<FaultLevels>;
  /** Overrides of how the sources are polled. */
  readonly kinesis?: Partial<KinesisSourceSettings>;
  readonly sqs?: Partial<SqsSourceSettings>;
  /** Called about once a second with each pipeline's progress. */
  readonly onProgress?: (progress: SoakPipelineProgress) => void;
}

/** One pipeline of the run, with its records. */
export interface SoakPipelineShare {
  readonly pipeline: PipelineName;
  readonly records: number;
  readonly offset: number;
}

/** The options with defaults filled in and ranges checked. */
export interface SoakSettings {
  readonly records: number;
  readonly minutes: number;
  readonly seed: number;
  readonly pipelines: readonly SoakPipelineShare[];
  readonly recordBytes: number;
  readonly timeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly maximumRetryAttempts: number;
  readonly phaseSeconds: number;
  readonly drainTimeoutSeconds: number;
  readonly faults: FaultLevels;
  readonly kinesis: KinesisSourceSettings;
  readonly sqs: SqsSourceSettings;
}

const check = optionChecks((_option, message) => new RangeError(message));

function checkNumber(name: string, value: number, min: number, max: number, integer = true): number {
  return check.number(name, value, { min, max, integer });
}

/** Splits `records` among the pipelines by share; record numbers are consecutive, pipeline after pipeline. */
function shareRecords(
  records: number,
  pipelines: readonly { readonly pipeline: PipelineName; readonly share?: number }[],
): SoakPipelineShare[] {
  if (pipelines.length === 0) throw new RangeError('a soak needs at least one pipeline');
  const seen = new Set<PipelineName>();
  for (const { pipeline } of pipelines) {
    check.oneOf('pipeline', pipeline, PIPELINE_NAMES);
    if (seen.has(pipeline)) throw new RangeError(`pipeline ${pipeline} is named twice`);
    seen.add(pipeline);
  }
  const shares = pipelines.map((p) =>
    checkNumber(`the share of ${p.pipeline}`, p.share ?? 1, 0, 1_000, false),
  );
  const total = shares.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('the pipelines shares must add up to more than 0');
  let offset = 0;
  return pipelines.map(({ pipeline }, i) => {
    const count =
      i === pipelines.length - 1
        ? records - offset
        : Math.min(records - offset, Math.round((records * shares[i]) / total));
    const share = { pipeline, records: count, offset };
    offset += count;
    return share;
  });
}

/** The options with defaults filled in and ranges checked. */
export function soakSettings(options: SoakOptions = {}): SoakSettings {
  const d = SOAK_DEFAULTS;
  const records = checkNumber('records', options.records ?? d.records, 1, 10_000_000);
  // Every soak may run an SQS pipeline: the visibility timeout is checked whatever the pipelines.
  const retries = retrySettings(
    options,
    { ...d, visibilityTimeoutSeconds: () => d.visibilityTimeoutSeconds },
    true,
  );
  const faults: FaultLevels = { ...SOAK_FAULT_LEVELS, ...options.faults };
  for (const [name, value] of Object.entries(faults)) {
    const isRate = !name.endsWith('Ms');
    checkNumber(`faults.${name}`, value, 0, isRate ? 1 : 600_000, false);
  }
  return {
    records,
    minutes: checkNumber('minutes', options.minutes ?? d.minutes, 0.01, 24 * 60, false),
    seed: checkNumber('seed', options.seed ?? d.seed, 0, 2 ** 32 - 1),
    pipelines: shareRecords(records, options.pipelines ?? d.pipelines),
    recordBytes: checkNumber('recordBytes', options.recordBytes ?? d.recordBytes, 100, 256 * 1024),
    ...retries,
    phaseSeconds: checkNumber('phaseSeconds', options.phaseSeconds ?? d.phaseSeconds, 0.1, 3_600, false),
    drainTimeoutSeconds: checkNumber(
      'drainTimeoutSeconds',
      options.drainTimeoutSeconds ?? d.drainTimeoutSeconds,
      1,
      3_600,
      false,
    ),
    faults,
    kinesis: checkSource('kinesis', { ...SOAK_SOURCE_DEFAULTS.kinesis, ...options.kinesis }),
    sqs: checkSource('sqs', { ...SOAK_SOURCE_DEFAULTS.sqs, ...options.sqs }),
  };
}

/** Checks the counts of a source's settings; the pollers check the batch limits themselves. */
function checkSource<T extends KinesisSourceSettings | SqsSourceSettings>(source: string, settings: T): T {
  for (const [name, value] of Object.entries(settings)) {
    checkNumber(`${source}.${name}`, value, name === 'maximumBatchingWindowMs' ? 0 : 1, 1_000_000);
  }
  return settings;
}
