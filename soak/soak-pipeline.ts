/**
 * One pipeline of a soak: the local services, a source and a Firehose / Kinesis / SQS
 * destination behind the fault proxy, the ready-made function from functions/ running in
 * child processes (one per execution environment, killed and hung at random), a Lambda
 * semantics poller, a paced producer, and at the end a read-back of the destination and of
 * the dead-letter queues into the shared {@link RecordLedger}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { type DestinationKind, POWERTOOLS_VARIABLES } from '../functions/contract.js';
import { Closers } from '../local/pipeline/closers.js';
import { destinationVariables as functionVariables } from '../local/pipeline/function-module.js';
import type { PipelineName } from '../local/pipeline/pipeline-settings.js';
import { sampleRecordId, sampleRecordIdOf } from '../local/pipeline/sample-records.js';
import type {
  ChildInvocationFaults,
  ChildInvocationOutcome,
  ChildProcessStats,
} from '../local/pollers/child-process-handler.js';
import { childProcessHandlers } from '../local/pollers/child-process-handler.js';
import type { KinesisFailureRecord, KinesisPoller } from '../local/pollers/kinesis-poller.js';
import { startKinesisPoller } from '../local/pollers/kinesis-poller.js';
import type { SqsPoller } from '../local/pollers/sqs-poller.js';
import { startSqsPoller } from '../local/pollers/sqs-poller.js';
import type { InvocationReport, PollerStats } from '../local/pollers/types.js';
import {
  createFirehoseClient,
  createKinesisClient,
  createSqsClient,
  LOCAL_AWS,
} from '../local/services/clients.js';
import type { FaultStats } from '../local/services/fault-proxy.js';
import { startFaultProxy } from '../local/services/fault-proxy.js';
import type { FirehoseServer } from '../local/services/firehose-server.js';
import { startFirehoseServer } from '../local/services/firehose-server.js';
import {
  createKinesisStream,
  type LocalServer,
  startKinesisServer,
} from '../local/services/kinesis-server.js';
import { drainQueue, queueDepth, readShard, readStream } from '../local/services/read-back.js';
import { seededRandom } from '../local/services/seeded-random.js';
import { startSqsServer } from '../local/services/sqs-server.js';
import type { FaultSchedule } from './fault-schedule.js';
import { bundleFunction } from './function-bundle.js';
import { type FunctionTotals, FunctionTotalsCollector } from './function-totals.js';
import type { AttemptOutcome, RecordLedger } from './record-ledger.js';
import { produceToQueuePaced, produceToStreamPaced } from './soak-producer.js';

/** The settings of one pipeline of a soak. */
export interface SoakPipelineOptions {
  readonly pipeline: PipelineName;
  /** Records to produce at most, numbered from `offset`. */
  readonly records: number;
  readonly offset: number;
  /** The total the record ids are padded for (the soak's record count). */
  readonly idTotal: number;
  readonly recordBytes: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** SQS source: pollers, each with its own execution environment. */
  readonly concurrency: number;
  /** Shards of a Kinesis source or destination; one environment per source shard. */
  readonly shards: number;
  /** The function timeout. */
  readonly timeoutMs: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly maximumRetryAttempts: number;
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

/** What one pipeline of a soak did and proved. */
export interface SoakPipelineResult {
  readonly pipeline: PipelineName;
  /** Records numbered `offset` to `offset + produced - 1` were accepted by the source. */
  readonly offset: number;
  readonly produced: number;
  /** Distinct produced records found at the destination. */
  readonly delivered: number;
  /** Produced records not at the destination but in the dead-letter / on-failure queue. */
  readonly deadLettered: number;
  /** Produced records neither delivered nor dead-lettered: must be 0. */
  readonly lost: number;
  /** Up to 20 ids of lost records. */
  readonly lostIds: readonly string[];
  /** Payloads at the destination that no producer of this pipeline wrote: must be 0. */
  readonly unexpected: number;
  /** Every produced record was settled at the source before the drain timeout. */
  readonly settled: boolean;
  /** Production stopped at the time bound before every record was produced. */
  readonly cutByTimeBound: boolean;
  /** From the first record produced until every record was settled at the source. */
  readonly elapsedMs: number;
  /** Of which after production ended. */
  readonly drainMs: number;
  readonly verifyMs: number;
  readonly poller: PollerStats;
  readonly processes: ChildProcessStats;
  /** Kills drawn that did not happen because the invocation ended first. */
  readonly killsNotReached: number;
  readonly proxy: FaultStats;
  /** Invocations whose handler threw (or whose process died on its own), by error name. */
  readonly functionErrors: Readonly<Record<string, number>>;
  /** Calls the proxy delayed by a latency spike. */
  readonly latencySpikes: number;
  /** Sums over the function's own summary log lines. */
  readonly function: FunctionTotals;
}

const NAMES = {
  source: 'soak-source',
  deadLetter: 'soak-source-dlq',
  onFailure: 'soak-source-on-failure',
  destination: 'soak-destination',
} as const;

/** The record number inside a payload (or its first bytes), or -1. */
function recordIndexOf(text: string): number {
  const id = sampleRecordIdOf(text);
  return id === undefined ? -1 : Number(id.slice(2));
}

/** The first bytes of a Kinesis record's base64 data are enough to read its id. */
function kinesisRecordIndex(base64: string): number {
  return recordIndexOf(Buffer.from(base64.slice(0, 64), 'base64').toString('latin1'));
}

/** What the soak remembers of an invocation until the poller settles it. */
interface PendingInvocation {
  readonly ids: readonly string[];
  readonly indices: readonly number[];
  readonly faults: ChildInvocationFaults;
  outcome?: ChildInvocationOutcome;
  failed?: ReadonlySet<string>;
}

function failedIdentifiers(value: unknown): ReadonlySet<string> {
  const list = (value as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id === 'string') out.add(id);
  }
  return out;
}

/** Runs one pipeline of a soak until everything it produced is settled and read back. */
export async function runSoakPipeline(options: SoakPipelineOptions): Promise<SoakPipelineResult> {
  const { pipeline, ledger, schedule } = options;
  const fromSqs = pipeline.startsWith('sqs-');
  const kind = pipeline.split('-to-')[1] as DestinationKind;
  const closers = new Closers();
  const aborted = () => {
    if (options.signal?.aborted) throw new Error('the soak was interrupted');
  };
  try {
    // Services on 127.0.0.1.
    const sqsServer = await startSqsServer();
    closers.add(() => sqsServer.close());
    const sqs = createSqsClient(sqsServer.endpoint);
    closers.add(() => sqs.destroy());
    let kinesisServer: LocalServer | undefined;
    let kinesis: KinesisClient | undefined;
    if (!fromSqs || kind === 'kinesis') {
      const server = await startKinesisServer();
      closers.add(() => server.close());
      kinesis = createKinesisClient(server.endpoint);
      const client = kinesis;
      closers.add(() => client.destroy());
      kinesisServer = server;
    }
    let firehoseServer: FirehoseServer | undefined;
    if (kind === 'firehose') {
      const dir = await mkdtemp(path.join(tmpdir(), 'lambda-async-sink-soak-'));
      closers.add(() => rm(dir, { recursive: true, force: true }));
      firehoseServer = await startFirehoseServer({ dir });
      const server = firehoseServer;
      closers.add(() => server.close());
    }
    aborted();

    // The source.
    let queueUrl = '';
    let deadLetterQueueUrl = '';
    let onFailureQueueUrl = '';
    if (fromSqs) {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.deadLetter }));
      deadLetterQueueUrl = dlq.QueueUrl ?? '';
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const source = await sqs.send(
        new CreateQueueCommand({
          QueueName: NAMES.source,
          Attributes: {
            VisibilityTimeout: String(options.visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: Attributes?.QueueArn,
              maxReceiveCount: options.maxReceiveCount,
            }),
          },
        }),
      );
      queueUrl = source.QueueUrl ?? '';
    } else {
      await createKinesisStream(kinesis!, NAMES.source, options.shards);
      const onFailure = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.onFailure }));
      onFailureQueueUrl = onFailure.QueueUrl ?? '';
    }

    // The destination, and the variables that point the function at it.
    let destinationEndpoint: string;
    let destinationQueueUrl = '';
    let destinationVariables: Record<string, string>;
    if (kind === 'kinesis') {
      await createKinesisStream(kinesis!, NAMES.destination, options.shards);
      destinationEndpoint = kinesisServer!.endpoint;
      destinationVariables = functionVariables(kind, NAMES.destination);
    } else if (kind === 'firehose') {
      const client = createFirehoseClient(firehoseServer!.endpoint);
      await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: NAMES.destination }));
      client.destroy();
      destinationEndpoint = firehoseServer!.endpoint;
      destinationVariables = functionVariables(kind, NAMES.destination);
    } else {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.destination }));
      destinationQueueUrl = queue.QueueUrl ?? '';
      destinationEndpoint = sqsServer.endpoint;
      destinationVariables = functionVariables(kind, destinationQueueUrl);
    }

    let latencySpikes = 0;
    const proxy = await startFaultProxy({
      upstream: destinationEndpoint,
      seed: options.seed,
      faults: schedule.phaseAt(Date.now() - options.startedAt).proxy,
      // Every call gets a little latency; the spikes are the delays of at least a spike's length.
      onFault: (event) => {
        if (event.kind === 'latency' && event.ms >= options.spikeMs) latencySpikes++;
      },
    });
    closers.add(() => proxy.close());
    let phaseIndex = -1;
    const followSchedule = () => {
      const phase = schedule.phaseAt(Date.now() - options.startedAt);
      if (phase.index !== phaseIndex) {
        phaseIndex = phase.index;
        proxy.setFaults(phase.proxy);
      }
      return phase;
    };
    followSchedule();
    const scheduleTimer = setInterval(followSchedule, 100);
    closers.add(() => clearInterval(scheduleTimer));

    // The function, in child processes, with faults drawn per invocation.
    const random = seededRandom((options.seed * 0x9e3779b1 + options.offset) >>> 0);
    let typicalDurationMs = 200;
    let killsNotReached = 0;
    const functionErrors: Record<string, number> = {};
    const pending = new Map<string, PendingInvocation>();
    const totals = new FunctionTotalsCollector();
    const bundle = await bundleFunction(pipeline);
    closers.add(() => bundle.remove());
    const handlers = childProcessHandlers<SQSEvent | KinesisStreamEvent>({
      module: bundle.module,
      host: bundle.host,
      environment: {
        AWS_REGION: LOCAL_AWS.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
        AWS_LAMBDA_FUNCTION_NAME: pipeline,
        [POWERTOOLS_VARIABLES.serviceName]: pipeline,
        // The one summary line per invocation is how the soak counts the sink's retries, as CloudWatch would.
        [POWERTOOLS_VARIABLES.logLevel]: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
        [`AWS_ENDPOINT_URL_${kind.toUpperCase()}`]: proxy.endpoint,
        ...destinationVariables,
        ...options.functionEnvironment,
      },
      faults: ({ event, context }) => {
        const phase = followSchedule().process;
        const records = event.Records;
        const ids: string[] = [];
        const indices: number[] = [];
        for (const record of records) {
          if ('messageId' in record) {
            ids.push(record.messageId);
            indices.push(recordIndexOf(record.body.slice(0, 64)));
          } else {
            ids.push(record.kinesis.sequenceNumber);
            indices.push(kinesisRecordIndex(record.kinesis.data));
          }
        }
        const r = random();
        let faults: ChildInvocationFaults = {};
        if (r < phase.killRate) {
          // Part-way through a typical invocation, so that some of its sends are done and some are not.
          faults = { killAfterMs: Math.round(typicalDurationMs * (0.05 + 0.7 * random())) };
        } else if (r < phase.killRate + phase.hangRate) {
          faults = { hangAfterHandler: true };
        } else if (r < phase.killRate + phase.hangRate + phase.stallRate) {
          faults = { stallAfterMs: Math.round(typicalDurationMs * (0.05 + 0.7 * random())) };
        }
        pending.set(context.awsRequestId, { ids, indices, faults });
        return faults;
      },
      onSettled: (report) => {
        const invocation = pending.get(report.requestId);
        if (invocation) {
          invocation.outcome = report.outcome;
          if (report.outcome === 'returned') invocation.failed = failedIdentifiers(report.value);
        }
        if (report.outcome === 'returned') {
          typicalDurationMs = typicalDurationMs * 0.95 + report.durationMs * 0.05;
        }
        if (report.faults.killAfterMs !== undefined && report.outcome !== 'killed') killsNotReached++;
        if (report.outcome === 'threw' || report.outcome === 'exited') {
          const name = report.outcome === 'exited' ? 'process exited' : (report.error ?? '').split(':')[0];
          functionErrors[name] = (functionErrors[name] ?? 0) + 1;
        }
      },
      // Powertools writes WARN lines (a summary with failures) to stderr and INFO lines to stdout.
      onOutput: (line) => totals.line(line),
    });
    closers.add(() => handlers.close());

    /** The poller's verdict on an invocation, applied to each of its records. */
    const onInvocation = (report: InvocationReport) => {
      const invocation = pending.get(report.requestId);
      if (!invocation) return;
      pending.delete(report.requestId);
      const { ids, indices } = invocation;
      let outcomeOf: (position: number) => AttemptOutcome;
      if (report.outcome === 'success') outcomeOf = () => 'done';
      else if (report.outcome === 'partial') {
        const failed = invocation.failed ?? new Set<string>();
        outcomeOf = (i) => (failed.has(ids[i]) ? 'reportedFailed' : 'done');
      } else if (report.outcome === 'timeout') {
        const hung = invocation.faults.hangAfterHandler === true;
        outcomeOf = () => (hung ? 'timedOutHung' : 'timedOut');
      } else if (report.outcome === 'error' && invocation.outcome === 'killed') {
        outcomeOf = () => 'killed';
      } else outcomeOf = () => 'functionError';
      for (let i = 0; i < indices.length; i++) {
        const index = indices[i];
        if (index >= options.offset && index < options.offset + options.records) {
          ledger.attempt(index, outcomeOf(i));
        }
      }
    };

    const poller: SqsPoller | KinesisPoller = fromSqs
      ? await startSqsPoller({
          client: sqs,
          queueUrl,
          createHandler: handlers.createHandler,
          batchSize: options.batchSize,
          maximumBatchingWindowMs: options.maximumBatchingWindowMs,
          concurrency: options.concurrency,
          timeoutMs: options.timeoutMs,
          functionName: pipeline,
          onInvocation,
        })
      : await startKinesisPoller({
          client: kinesis!,
          streamName: NAMES.source,
          createHandler: handlers.createHandler,
          batchSize: options.batchSize,
          maximumBatchingWindowMs: options.maximumBatchingWindowMs,
          bisectBatchOnFunctionError: true,
          maximumRetryAttempts: options.maximumRetryAttempts,
          onFailure: { client: sqs, queueUrl: onFailureQueueUrl },
          timeoutMs: options.timeoutMs,
          pollIntervalMs: 50,
          functionName: pipeline,
          onInvocation,
        });
    let pollerStopped = false;
    const stopPoller = async () => {
      if (pollerStopped) return;
      pollerStopped = true;
      await poller.stop();
    };
    closers.add(stopPoller);
    aborted();

    // Produce, paced, until the records are all written or the time bound comes.
    const startedAt = Date.now();
    let produced = 0;
    const settledAtSource = () => {
      const s = poller.stats();
      return s.succeeded + s.discarded;
    };
    let producerDone = false;
    let producerError: unknown;
    let lastSequenceByShard: ReadonlyMap<string, bigint> = new Map();
    const plan = {
      count: options.records,
      offset: options.offset,
      idTotal: options.idTotal,
      recordBytes: options.recordBytes,
      maxBacklog: options.maxBacklog,
      settled: settledAtSource,
      shouldStop: () => Date.now() >= options.produceUntil || options.signal?.aborted === true,
      onProduced: (n: number) => {
        produced += n;
      },
    };
    let producedAt = startedAt;
    const producing = fromSqs
      ? produceToQueuePaced(sqs, queueUrl, plan)
      : produceToStreamPaced(kinesis!, NAMES.source, plan);
    producing.then(
      (out) => {
        lastSequenceByShard = out.lastSequenceByShard;
        producedAt = Date.now();
        producerDone = true;
      },
      (error: unknown) => {
        producerError = error ?? new Error('the producer failed');
      },
    );

    const settled = async (): Promise<boolean> => {
      if (!producerDone) return false;
      if (fromSqs) {
        const depth = await queueDepth(sqs, queueUrl);
        return depth.visible + depth.inFlight + depth.delayed === 0;
      }
      const checkpoints = (poller as KinesisPoller).checkpoints();
      return [...lastSequenceByShard].every(([shardId, last]) => {
        const checkpoint = checkpoints[shardId];
        return checkpoint !== undefined && BigInt(checkpoint) >= last;
      });
    };

    const progressIntervalMs = options.progressIntervalMs ?? 1_000;
    let lastProgressAt = 0;
    let lastProgressSettled = 0;
    const progress = (now: number) => {
      const settledNow = settledAtSource();
      const span = lastProgressAt === 0 ? now - startedAt : now - lastProgressAt;
      const rate = span > 0 ? Math.round(((settledNow - lastProgressSettled) * 1000) / span) : 0;
      lastProgressAt = now;
      lastProgressSettled = settledNow;
      const processes = handlers.stats();
      options.onProgress?.({
        pipeline,
        produced,
        settled: settledNow,
        invocations: poller.stats().invocations,
        killed: processes.killed,
        timedOut: processes.timedOut,
        weather: followSchedule().weather,
        elapsedMs: now - startedAt,
        recordsPerSecond: rate,
      });
    };

    let isSettled = false;
    for (;;) {
      aborted();
      if (producerError !== undefined) throw producerError;
      const now = Date.now();
      if (now - lastProgressAt >= progressIntervalMs) progress(now);
      if (await settled()) {
        isSettled = true;
        break;
      }
      if (producerDone && now - producedAt > options.drainTimeoutMs) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const endedAt = Date.now();
    progress(endedAt);
    await stopPoller();
    await handlers.close();
    clearInterval(scheduleTimer);

    // Read the destination and the dead-letter queues back.
    const verifyStartedAt = Date.now();
    const first = options.offset;
    const end = options.offset + produced;
    let unexpected = 0;
    const count = (text: string) => {
      const index = recordIndexOf(text);
      if (index < first || index >= end) unexpected++;
      else ledger.copy(index);
    };
    if (kind === 'firehose') {
      for (const bytes of await firehoseServer!.readDelivered(NAMES.destination)) {
        count(bytes.toString('latin1', 0, 64));
      }
    } else if (kind === 'kinesis') {
      for (const text of await readStream(kinesis!, NAMES.destination)) count(text);
    } else {
      for (const text of await drainQueue(sqs, destinationQueueUrl)) count(text);
    }
    const deadLetteredIndices = new Set<number>();
    const addDeadLettered = (text: string) => {
      const index = recordIndexOf(text);
      if (index >= first && index < end) deadLetteredIndices.add(index);
    };
    if (fromSqs) {
      for (const body of await drainQueue(sqs, deadLetterQueueUrl)) addDeadLettered(body);
    } else {
      for (const body of await drainQueue(sqs, onFailureQueueUrl)) {
        // As a user would: the on-failure record says which range of which shard to read again.
        const info = (JSON.parse(body) as KinesisFailureRecord).KinesisBatchInfo;
        const records = await readShard(kinesis!, NAMES.source, info.shardId, {
          from: info.startSequenceNumber,
          to: info.endSequenceNumber,
        });
        for (const record of records) {
          addDeadLettered(Buffer.from(record.Data ?? new Uint8Array()).toString('latin1', 0, 64));
        }
      }
    }
    let delivered = 0;
    let deadLettered = 0;
    let lost = 0;
    const lostIds: string[] = [];
    for (let index = first; index < end; index++) {
      if (ledger.delivered(index)) delivered++;
      else if (deadLetteredIndices.has(index)) deadLettered++;
      else {
        lost++;
        if (lostIds.length < 20) lostIds.push(sampleRecordId(index, options.idTotal));
      }
    }
    const verifyMs = Date.now() - verifyStartedAt;

    return {
      pipeline,
      offset: options.offset,
      produced,
      delivered,
      deadLettered,
      lost,
      lostIds,
      unexpected,
      settled: isSettled,
      cutByTimeBound: produced < options.records,
      elapsedMs: endedAt - startedAt,
      drainMs: endedAt - producedAt,
      verifyMs,
      poller: poller.stats(),
      processes: handlers.stats(),
      killsNotReached,
      proxy: proxy.stats(),
      latencySpikes,
      functionErrors,
      function: totals.totals(),
    };
  } finally {
    await closers.closeAll();
  }
}
