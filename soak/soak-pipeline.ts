/**
 * One pipeline of a soak: the same rig as `npm start` (local services, a source, a destination
 * behind the fault proxy, a Lambda semantics poller; see local/pipeline/pipeline-rig.ts), with
 * the ready-made function bundled and run in child processes (one per execution environment,
 * killed and hung at random), the proxy's faults following the schedule, a paced producer,
 * and at the end a read-back of the destination and of the dead-letter queues into the
 * shared {@link RecordLedger}.
 */
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { Closers } from '../local/pipeline/closers.js';
import {
  type PipelineRig,
  type PollerShape,
  produceInto,
  readBack,
  rigFunctionEnvironment,
  rigSettled,
  setUpRig,
  startRigPoller,
} from '../local/pipeline/pipeline-rig.js';
import type { PipelineName } from '../local/pipeline/pipeline-settings.js';
import type { SourceShape } from '../local/pipeline/pipeline-source.js';
import { sampleRecordId } from '../local/pipeline/sample-records.js';
import { BackgroundProducer, throwIfInterrupted, waitUntilSettled } from '../local/pipeline/until-settled.js';
import type { ChildProcessHandlers, ChildProcessStats } from '../local/pollers/child-process-handler.js';
import { childProcessHandlers } from '../local/pollers/child-process-handler.js';
import type { KinesisPoller } from '../local/pollers/kinesis-poller.js';
import type { SqsPoller } from '../local/pollers/sqs-poller.js';
import type { PollerStats } from '../local/pollers/types.js';
import type { FaultProxy, FaultStats } from '../local/services/fault-proxy.js';
import type { FaultPhase, FaultSchedule } from './fault-schedule.js';
import { bundleFunction } from './function-bundle.js';
import { type FunctionTotals, FunctionTotalsCollector } from './function-totals.js';
import type { RecordLedger } from './record-ledger.js';
import { recordIndexOf, SoakInvocations } from './soak-invocations.js';

/** The settings of one pipeline of a soak; its source and poller are shaped as a local pipeline's. */
export interface SoakPipelineOptions extends SourceShape, PollerShape {
  readonly pipeline: PipelineName;
  /** Records to produce at most, numbered from `offset`. */
  readonly records: number;
  readonly offset: number;
  /** The total the record ids are padded for (the soak's record count). */
  readonly idTotal: number;
  readonly recordBytes: number;
  /** Records produced and not yet settled at the source, beyond which the producer waits. */
  readonly maxBacklog: number;
  readonly seed: number;
  readonly schedule: FaultSchedule;
  /** The soak's start, which the schedule's phases count from. */
  readonly startedAt: number;
  /** A latency spike's length: delays this long are counted as spikes. */
  readonly spikeMs: number;
  /** Epoch ms after which nothing more is produced. */
  readonly produceUntil: number;
  /** After production ends, the longest wait for every record to be settled at the source. */
  readonly drainTimeoutMs: number;
  /** The soak's ledger; this pipeline writes records `offset` to `offset + records - 1`. */
  readonly ledger: RecordLedger;
  /** Extra environment variables of the function. */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  readonly onProgress?: (progress: SoakPipelineProgress) => void;
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/** A snapshot while the pipeline runs. */
export interface SoakPipelineProgress {
  readonly pipeline: PipelineName;
  readonly produced: number;
  /** Records the event source settled for good. */
  readonly settled: number;
  readonly invocations: number;
  readonly killed: number;
  readonly timedOut: number;
  readonly weather: string;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
}

/** What a soak proved of the records it produced: each delivered, dead-lettered, or lost. */
export interface SoakOutcome {
  /** Records the source accepted. */
  readonly produced: number;
  /** Distinct produced records found at the destination. */
  readonly delivered: number;
  /** Produced records not at the destination but in a dead-letter or on-failure queue (0 with the soak's limits). */
  readonly deadLettered: number;
  /** Produced records neither delivered nor dead-lettered: must be 0. */
  readonly lost: number;
  /** Up to 20 ids of lost records. */
  readonly lostIds: readonly string[];
  /** Payloads at the destination that no producer wrote: must be 0. */
  readonly unexpected: number;
  /** Every produced record was settled at its source before the drain timeout. */
  readonly settled: boolean;
  /** Production stopped at the time bound before every record was produced. */
  readonly cutByTimeBound: boolean;
}

/** What one pipeline of a soak did and proved. */
export interface SoakPipelineResult extends SoakOutcome {
  readonly pipeline: PipelineName;
  /** Records numbered `offset` to `offset + produced - 1` were accepted by the source. */
  readonly offset: number;
  /** From the first record produced until every record was settled at the source. */
  readonly elapsedMs: number;
  /** Of which after production ended. */
  readonly drainMs: number;
  readonly verifyMs: number;
  readonly poller: PollerStats;
  readonly processes: ChildProcessStats;
  /** Kills drawn that did not happen because the invocation ended first. */
  readonly killsNotReached: number;
  /** Hand-overs of a record while an earlier one of it was unsettled (an SQS visibility timeout ran out). */
  readonly overlappingHandOvers: number;
  readonly proxy: FaultStats;
  /** Invocations whose handler threw (or whose process died on its own), by error name. */
  readonly functionErrors: Readonly<Record<string, number>>;
  /** Calls the proxy delayed by a latency spike. */
  readonly latencySpikes: number;
  /** Sums over the function's own summary log lines. */
  readonly function: FunctionTotals;
}

type Poller = SqsPoller | KinesisPoller;
type Handlers = ChildProcessHandlers<SQSEvent | KinesisStreamEvent>;

/** The proxy follows the schedule: its faults change with each phase. Answers the phase now. */
function followSchedule(options: SoakPipelineOptions, proxy: FaultProxy, closers: Closers): () => FaultPhase {
  let phaseIndex = -1;
  const follow = () => {
    const phase = options.schedule.phaseAt(Date.now() - options.startedAt);
    if (phase.index !== phaseIndex) {
      phaseIndex = phase.index;
      proxy.setFaults(phase.proxy);
    }
    return phase;
  };
  follow();
  const timer = setInterval(follow, 100);
  closers.add(() => clearInterval(timer));
  return follow;
}

/** The bundled function in child processes, with faults drawn per invocation at the phase's rates. */
async function startFunction(
  rig: PipelineRig,
  options: SoakPipelineOptions,
  invocations: SoakInvocations,
  phaseNow: () => FaultPhase,
  closers: Closers,
): Promise<{ handlers: Handlers; totals: FunctionTotalsCollector }> {
  const totals = new FunctionTotalsCollector();
  const bundle = await bundleFunction(options.pipeline);
  closers.add(() => bundle.remove());
  const handlers = childProcessHandlers<SQSEvent | KinesisStreamEvent>({
    module: bundle.module,
    host: bundle.host,
    // The one summary line per invocation is how the soak counts the sink's retries, as CloudWatch would.
    environment: rigFunctionEnvironment(rig, 'INFO', options.functionEnvironment),
    faults: (invocation) => invocations.draw(invocation, phaseNow().process),
    onSettled: (report) => invocations.endedInChild(report),
    // Powertools writes WARN lines (a summary with failures) to stderr and INFO lines to stdout.
    onOutput: (line) => totals.line(line),
  });
  closers.add(() => handlers.close());
  return { handlers, totals };
}

/** Reports progress: records settled at the source, and their rate since the last report. */
function progressReporter(
  options: SoakPipelineOptions,
  poller: Poller,
  handlers: Handlers,
  phaseNow: () => FaultPhase,
  counted: { produced: number; startedAt: number },
) {
  let lastAt = 0;
  let lastSettled = 0;
  return (now: number) => {
    const stats = poller.stats();
    const settled = stats.succeeded + stats.discarded;
    const span = lastAt === 0 ? now - counted.startedAt : now - lastAt;
    const rate = span > 0 ? Math.round(((settled - lastSettled) * 1000) / span) : 0;
    lastAt = now;
    lastSettled = settled;
    const processes = handlers.stats();
    options.onProgress?.({
      pipeline: options.pipeline,
      produced: counted.produced,
      settled,
      invocations: stats.invocations,
      killed: processes.killed,
      timedOut: processes.timedOut,
      weather: phaseNow().weather,
      elapsedMs: now - counted.startedAt,
      recordsPerSecond: rate,
    });
  };
}

/** Produces, paced, until the records are all written or the time bound comes, then waits for the drain. */
async function produceUntilSettled(
  rig: PipelineRig,
  poller: Poller,
  options: SoakPipelineOptions,
  progress: (now: number) => void,
  counted: { produced: number; startedAt: number },
) {
  const producer = new BackgroundProducer(
    produceInto(rig, {
      count: options.records,
      offset: options.offset,
      idTotal: options.idTotal,
      recordBytes: options.recordBytes,
      onProduced: (n) => (counted.produced += n),
      pace: {
        maxBacklog: options.maxBacklog,
        settled: () => poller.stats().succeeded + poller.stats().discarded,
        shouldStop: () => Date.now() >= options.produceUntil || options.signal?.aborted === true,
      },
    }),
  );
  const settled = await waitUntilSettled({
    producer,
    settled: (produced) => rigSettled(rig, poller, produced),
    progressIntervalMs: options.progressIntervalMs ?? 1_000,
    onProgress: progress,
    giveUp: (now) => producer.finishedAt !== undefined && now - producer.finishedAt > options.drainTimeoutMs,
    pollMs: 100,
    signal: options.signal,
  });
  const endedAt = Date.now();
  progress(endedAt);
  return { settled, endedAt, producedAt: producer.finishedAt ?? counted.startedAt };
}

/** Reads the destination and the dead-letter queues back into the ledger; accounts for every record produced. */
async function verify(rig: PipelineRig, options: SoakPipelineOptions, produced: number) {
  const verifyStartedAt = Date.now();
  const { ledger } = options;
  const first = options.offset;
  const end = options.offset + produced;
  const { delivered: payloads, deadLettered: givenUp } = await readBack(rig);
  let unexpected = 0;
  for (const text of payloads) {
    const index = recordIndexOf(text);
    if (index < first || index >= end) unexpected++;
    else ledger.copy(index);
  }
  const deadLetteredIndices = new Set(givenUp.map(recordIndexOf));
  let delivered = 0;
  let deadLettered = 0;
  const lostIds: string[] = [];
  for (let index = first; index < end; index++) {
    if (ledger.delivered(index)) delivered++;
    else if (deadLetteredIndices.has(index)) deadLettered++;
    else lostIds.push(sampleRecordId(index, options.idTotal));
  }
  const verifyMs = Date.now() - verifyStartedAt;
  return {
    delivered,
    deadLettered,
    lost: lostIds.length,
    lostIds: lostIds.slice(0, 20),
    unexpected,
    verifyMs,
  };
}

/** Runs one pipeline of a soak until everything it produced is settled and read back. */
export async function runSoakPipeline(options: SoakPipelineOptions): Promise<SoakPipelineResult> {
  const closers = new Closers();
  try {
    const spikes = { count: 0 };
    const rig = await setUpRig(
      {
        ...options,
        proxy: {
          seed: options.seed,
          faults: options.schedule.phaseAt(Date.now() - options.startedAt).proxy,
          // Every call gets a little latency; the spikes are the delays of at least a spike's length.
          onFault: (event) => {
            if (event.kind === 'latency' && event.ms >= options.spikeMs) spikes.count++;
          },
        },
      },
      closers,
    );
    const phaseNow = followSchedule(options, rig.proxy, closers);
    const invocations = new SoakInvocations(options.seed, options.ledger, options.offset, options.records);
    const { handlers, totals } = await startFunction(rig, options, invocations, phaseNow, closers);
    const poller = await startRigPoller(rig, options, handlers.createHandler, closers, (report) =>
      invocations.settledByPoller(report),
    );
    throwIfInterrupted(options.signal);

    const counted = { produced: 0, startedAt: Date.now() };
    const progress = progressReporter(options, poller, handlers, phaseNow, counted);
    const run = await produceUntilSettled(rig, poller, options, progress, counted);
    await poller.stop();
    await handlers.close();

    const verified = await verify(rig, options, counted.produced);
    return {
      pipeline: options.pipeline,
      offset: options.offset,
      produced: counted.produced,
      ...verified,
      settled: run.settled,
      cutByTimeBound: counted.produced < options.records,
      elapsedMs: run.endedAt - counted.startedAt,
      drainMs: run.endedAt - run.producedAt,
      poller: poller.stats(),
      processes: handlers.stats(),
      killsNotReached: invocations.killsNotReached,
      overlappingHandOvers: invocations.overlappingHandOvers,
      proxy: rig.proxy.stats(),
      latencySpikes: spikes.count,
      functionErrors: invocations.functionErrors,
      function: totals.totals(),
    };
  } finally {
    await closers.closeAll();
  }
}
