/**
 * A whole pipeline on this machine: local services on 127.0.0.1, a source and a destination,
 * the very function module that CDK bundles (loaded from functions/ as Lambda loads it, one
 * instance per execution environment), a local event-source poller with Lambda's semantics,
 * a producer, and a read-back of the destination that proves what arrived. `npm start` is a
 * thin CLI around {@link runPipeline}; the soak sets up the same rig (see pipeline-rig.ts).
 */
import type { KinesisPoller } from '../pollers/kinesis-poller.js';
import type { SqsPoller } from '../pollers/sqs-poller.js';
import type { PollerStats } from '../pollers/types.js';
import type { FaultStats } from '../services/fault-proxy.js';
import { Closers } from './closers.js';
import { CLEARED_VARIABLES, loadFunction, setEnvironment } from './function-module.js';
import {
  type PipelineRig,
  produceInto,
  readBack,
  rigFunctionEnvironment,
  rigSettled,
  setUpRig,
  startRigPoller,
} from './pipeline-rig.js';
import type { PipelineOptions, PipelineProgress, PipelineSettings } from './pipeline-settings.js';
import { PIPELINE_DEFAULTS, type PipelineName, pipelineSettings } from './pipeline-settings.js';
import { deadLetterDepth } from './pipeline-source.js';
import { sampleRecordId, sampleRecordIdOf } from './sample-records.js';
import { BackgroundProducer, throwIfInterrupted, waitUntilSettled } from './until-settled.js';

export { type SimpleFaults, simpleFaults } from '../services/simple-faults.js';
export type {
  PipelineName,
  PipelineOptions,
  PipelineProgress,
  PipelineSettings,
} from './pipeline-settings.js';
export { PIPELINE_DEFAULTS, PIPELINE_NAMES, pipelineSettings } from './pipeline-settings.js';

/** What the run proved, from reading the destination back. */
export interface PipelineSummary {
  readonly pipeline: PipelineName;
  /** Records written into the source. */
  readonly produced: number;
  /** Distinct produced records found at the destination. */
  readonly delivered: number;
  /** Records asked for that are neither at the destination nor dead-lettered: must be 0. */
  readonly missing: number;
  /** Copies at the destination beyond the first of each record (at-least-once delivery allows them). */
  readonly duplicates: number;
  /** Records that ended in the dead-letter or on-failure queue and are not at the destination. */
  readonly deadLettered: number;
  /** Payloads at the destination that no producer wrote: must be 0. */
  readonly unexpected: number;
  /** Records handed to the function again after a failure. */
  readonly retried: number;
  readonly invocations: number;
  /** Invocations that threw, timed out or answered a response Lambda refuses. */
  readonly failedInvocations: number;
  /** The poller's counters. */
  readonly poller: PollerStats;
  /** What the fault proxy saw and injected. */
  readonly faults: FaultStats;
  /** From the first record produced until every record was settled at the source. */
  readonly elapsedMs: number;
  /** Time to read the destination back. */
  readonly verifyMs: number;
  /** The run hit `runTimeoutMs` before every record was settled. */
  readonly timedOut: boolean;
  /** Up to 20 ids of missing records. */
  readonly missingIds: readonly string[];
  /** Every record asked for was delivered: nothing missing, nothing dead-lettered, nothing unexpected. */
  readonly ok: boolean;
  /** The settings the run used, defaults filled in. */
  readonly settings: PipelineSettings;
}

type Poller = SqsPoller | KinesisPoller;

/**
 * Loads the function in this process, one module instance per execution environment as on
 * Lambda (no two invocations share one), with the environment a Lambda's configuration gives it.
 */
function startFunction(
  rig: PipelineRig,
  settings: PipelineSettings,
  options: PipelineOptions,
  closers: Closers,
): Promise<Poller> {
  closers.add(
    setEnvironment({
      ...Object.fromEntries(CLEARED_VARIABLES.map((name) => [name, undefined])),
      ...rigFunctionEnvironment(rig, settings.functionLogLevel, options.functionEnvironment),
    }),
  );
  return startRigPoller(rig, settings, () => loadFunction(settings.pipeline), closers);
}

/** Progress snapshots, with the rate of delivery over the last second or so. */
function progressTracker(
  rig: PipelineRig,
  poller: Poller,
  producer: { produced: number },
  startedAt: number,
) {
  let deadLettered = 0;
  const rateSamples: { at: number; delivered: number }[] = [];
  const snapshot = (): PipelineProgress => {
    const stats = poller.stats();
    const now = Date.now();
    rateSamples.push({ at: now, delivered: stats.succeeded });
    while (rateSamples.length > 2 && now - rateSamples[1].at >= 1_000) rateSamples.shift();
    const oldest = rateSamples[0];
    const span = now - oldest.at;
    return {
      produced: producer.produced,
      delivered: stats.succeeded,
      retried: stats.retried,
      deadLettered: rig.source.kind === 'sqs' ? deadLettered : stats.discarded,
      invocations: stats.invocations,
      elapsedMs: now - startedAt,
      recordsPerSecond: span > 0 ? Math.round(((stats.succeeded - oldest.delivered) * 1000) / span) : 0,
    };
  };
  /** Looks at the dead-letter queue, then takes a snapshot. */
  const refresh = async (): Promise<PipelineProgress> => {
    deadLettered = await deadLetterDepth(rig.services, rig.source);
    return snapshot();
  };
  return { snapshot, refresh };
}

/** Produces every record and waits until the source has settled them all, or the run's time bound. */
async function produceUntilSettled(
  rig: PipelineRig,
  poller: Poller,
  settings: PipelineSettings,
  options: PipelineOptions,
) {
  const startedAt = Date.now();
  const counted = { produced: 0 };
  const progress = progressTracker(rig, poller, counted, startedAt);
  const producer = new BackgroundProducer(
    produceInto(rig, {
      count: settings.records,
      recordBytes: settings.recordBytes,
      onProduced: (n) => (counted.produced += n),
    }),
  );
  const settled = await waitUntilSettled({
    producer,
    settled: (produced) => rigSettled(rig, poller, produced),
    progressIntervalMs: options.progressIntervalMs ?? PIPELINE_DEFAULTS.progressIntervalMs,
    onProgress: async () => options.onProgress?.(await progress.refresh()),
    giveUp: (now) => now - startedAt > settings.runTimeoutMs,
    pollMs: 50,
    signal: options.signal,
  });
  return { produced: counted.produced, timedOut: !settled, elapsedMs: Date.now() - startedAt, progress };
}

/** Reads the destination and the source's failure queue back and accounts for every record asked for. */
async function verify(rig: PipelineRig, settings: PipelineSettings) {
  const verifyStartedAt = Date.now();
  const askedFor = new Set(
    Array.from({ length: settings.records }, (_, i) => sampleRecordId(i, settings.records)),
  );
  const { delivered, deadLettered: givenUp } = await readBack(rig);
  const copies = new Map<string, number>();
  let unexpected = 0;
  for (const payload of delivered) {
    const id = sampleRecordIdOf(payload);
    if (id === undefined || !askedFor.has(id)) unexpected++;
    else copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  const deadLetteredIds = new Set(givenUp.map(sampleRecordIdOf));
  let deadLettered = 0;
  const missingIds: string[] = [];
  for (const id of askedFor) {
    if (copies.has(id)) continue;
    if (deadLetteredIds.has(id)) deadLettered++;
    else missingIds.push(id);
  }
  let duplicates = 0;
  for (const count of copies.values()) duplicates += count - 1;
  return {
    delivered: copies.size,
    duplicates,
    unexpected,
    deadLettered,
    missing: missingIds.length,
    missingIds: missingIds.slice(0, 20),
    verifyMs: Date.now() - verifyStartedAt,
  };
}

/** Runs one pipeline end to end and returns what reading the destination back proved. */
export async function runPipeline(options: PipelineOptions = {}): Promise<PipelineSummary> {
  const settings = pipelineSettings(options);
  const stage = options.onStage ?? (() => undefined);
  const closers = new Closers();
  try {
    stage('starting the local services on 127.0.0.1, the source and the destination');
    const rig = await setUpRig(
      { ...settings, proxy: { seed: settings.seed, faults: settings.faults } },
      closers,
    );
    throwIfInterrupted(options.signal);

    stage(`starting the event-source poller, loading functions/${settings.pipeline} as Lambda does`);
    const poller = await startFunction(rig, settings, options, closers);
    throwIfInterrupted(options.signal);

    stage(`producing ${settings.records.toLocaleString('en-US')} records`);
    const run = await produceUntilSettled(rig, poller, settings, options);
    await poller.stop();
    options.onProgress?.(run.progress.snapshot());

    stage('reading the destination back');
    const verified = await verify(rig, settings);
    const stats = poller.stats();
    return {
      pipeline: settings.pipeline,
      produced: run.produced,
      ...verified,
      retried: stats.retried,
      invocations: stats.invocations,
      failedInvocations: stats.errors + stats.timeouts + stats.invalidResponses,
      poller: stats,
      faults: rig.proxy.stats(),
      elapsedMs: run.elapsedMs,
      timedOut: run.timedOut,
      ok: verified.missing === 0 && verified.deadLettered === 0 && verified.unexpected === 0 && !run.timedOut,
      settings,
    };
  } finally {
    await closers.closeAll();
  }
}
