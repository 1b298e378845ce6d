/**
 * A whole pipeline on this machine: local services on 127.0.0.1, a source and a destination,
 * the very function module that CDK bundles (loaded from functions/ as Lambda loads it), a
 * local event-source poller with Lambda's semantics, a producer, and a read-back of the
 * destination that proves what arrived. `npm start` is a thin CLI around {@link runPipeline}.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { createFirehoseClient, createKinesisClient, createSqsClient, LOCAL_AWS } from './clients.js';
import type { FaultConfig, FaultStats } from './fault-proxy.js';
import { startFaultProxy } from './fault-proxy.js';
import type { FirehoseServer } from './firehose-server.js';
import { startFirehoseServer } from './firehose-server.js';
import { createKinesisStream, type LocalServer, startKinesisServer } from './kinesis-server.js';
import type { KinesisFailureRecord, KinesisPoller } from './pollers/kinesis-poller.js';
import { startKinesisPoller } from './pollers/kinesis-poller.js';
import type { SqsPoller } from './pollers/sqs-poller.js';
import { startSqsPoller } from './pollers/sqs-poller.js';
import type { BatchHandler, PollerStats } from './pollers/types.js';
import { drainQueue, queueDepth, readShard, readStream } from './read-back.js';
import { sampleRecord, sampleRecordId, sampleRecordIdOf } from './sample-records.js';
import { startSqsServer } from './sqs-server.js';

/** The four ready-made pipelines, named after their function in functions/. */
export const PIPELINE_NAMES = [
  'sqs-to-kinesis',
  'sqs-to-firehose',
  'kinesis-to-sqs',
  'kinesis-to-firehose',
] as const;
export type PipelineName = (typeof PIPELINE_NAMES)[number];

/** The defaults of {@link PipelineOptions}, as data. */
export const PIPELINE_DEFAULTS = {
  pipeline: 'sqs-to-kinesis',
  records: 10_000,
  recordBytes: 300,
  seed: 1,
  /** Lambda's default batch sizes: 10 for SQS, 100 for Kinesis. */
  sqsBatchSize: 10,
  kinesisBatchSize: 100,
  /** SQS pollers, each with one invocation in flight (Lambda starts with 5). */
  concurrency: 5,
  /** Shards of a Kinesis source or destination. */
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

/** What the run proved, from reading the destination back. */
export interface PipelineSummary {
  readonly pipeline: PipelineName;
  readonly produced: number;
  /** Distinct produced records found at the destination. */
  readonly delivered: number;
  /** Produced records neither at the destination nor dead-lettered: must be 0. */
  readonly missing: number;
  /** Copies at the destination beyond the first of each record (at-least-once delivery allows them). */
  readonly duplicates: number;
  /** Produced records that ended in the dead-letter or on-failure queue and are not at the destination. */
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
  /** Every record produced was delivered: nothing missing, nothing dead-lettered, nothing unexpected. */
  readonly ok: boolean;
  /** The settings the run used, defaults filled in. */
  readonly settings: PipelineSettings;
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

const NAMES = {
  source: 'local-source',
  deadLetter: 'local-source-dlq',
  onFailure: 'local-source-on-failure',
  destination: 'local-destination',
} as const;

/** Every variable the ready-made functions read: cleared, so that the shell's values do not leak in. */
const FUNCTION_VARIABLES = [
  'STREAM_NAME',
  'PARTITION_KEY_FIELD',
  'DELIVERY_STREAM_NAME',
  'APPEND_NEWLINE',
  'QUEUE_URL',
  'MAX_IN_FLIGHT_REQUESTS',
  'MAX_ATTEMPTS',
  'REQUEST_TIMEOUT_MS',
  'POISON_POLICY',
  'DEAD_LETTER_QUEUE_URL',
  'THROW_ON_FULL_BATCH_FAILURE',
  'ORDERED',
  'LOG_PAYLOADS',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_KINESIS',
  'AWS_ENDPOINT_URL_FIREHOSE',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
  return value;
}

/** The options with defaults filled in and ranges checked. */
export function pipelineSettings(options: PipelineOptions = {}): PipelineSettings {
  const d = PIPELINE_DEFAULTS;
  const pipeline = options.pipeline ?? d.pipeline;
  if (!PIPELINE_NAMES.includes(pipeline)) {
    throw new RangeError(`pipeline must be one of ${PIPELINE_NAMES.join(', ')}; got ${String(pipeline)}`);
  }
  const fromSqs = pipeline.startsWith('sqs-');
  const batchSize = integer(
    'batchSize',
    options.batchSize ?? (fromSqs ? d.sqsBatchSize : d.kinesisBatchSize),
    1,
    10_000,
  );
  const timeoutMs = integer('timeoutMs', options.timeoutMs ?? d.timeoutMs, 100, 900_000);
  const visibilityTimeoutSeconds = integer(
    'visibilityTimeoutSeconds',
    options.visibilityTimeoutSeconds ?? Math.max(d.visibilityTimeoutSeconds, Math.ceil(timeoutMs / 1000) + 1),
    1,
    43_200,
  );
  if (fromSqs && visibilityTimeoutSeconds * 1000 <= timeoutMs) {
    throw new RangeError(
      `visibilityTimeoutSeconds (${visibilityTimeoutSeconds} s) must exceed the function timeout (${timeoutMs} ms), or messages come back while they are processed`,
    );
  }
  return {
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
    timeoutMs,
    visibilityTimeoutSeconds,
    maxReceiveCount: integer('maxReceiveCount', options.maxReceiveCount ?? d.maxReceiveCount, 1, 1_000),
    maximumRetryAttempts: integer(
      'maximumRetryAttempts',
      options.maximumRetryAttempts ?? d.maximumRetryAttempts,
      -1,
      10_000,
    ),
    runTimeoutMs: integer('runTimeoutMs', options.runTimeoutMs ?? d.runTimeoutMs, 1_000, 86_400_000),
    functionLogLevel: options.functionLogLevel ?? d.functionLogLevel,
  };
}

/** The three knobs of `npm start`: entry failures (with some 5xx), whole-call throttling, added latency. */
export interface SimpleFaults {
  /** Share of batch entries that fail (half throttled, half internal errors); calls get a 500 or a 503 at a tenth of it each. */
  readonly faultRate?: number;
  /** Share of calls throttled as a whole. */
  readonly throttleRate?: number;
  /** Milliseconds added to every call, plus up to half as much jitter. */
  readonly latencyMs?: number;
}

/** The fault proxy configuration for {@link SimpleFaults}. */
export function simpleFaults(faults: SimpleFaults): FaultConfig {
  const faultRate = faults.faultRate ?? 0;
  const throttleRate = faults.throttleRate ?? 0;
  const latencyMs = faults.latencyMs ?? 0;
  const requestErrorRate = faultRate / 10;
  if (!(faultRate >= 0 && faultRate <= 1) || !(throttleRate >= 0 && throttleRate <= 1)) {
    throw new RangeError('the fault rate and the throttle rate must be from 0 to 1');
  }
  if (2 * requestErrorRate + throttleRate > 1) {
    throw new RangeError('the throttle rate plus a fifth of the fault rate must not exceed 1');
  }
  if (!(latencyMs >= 0)) throw new RangeError(`the latency must be 0 ms or more; got ${latencyMs}`);
  return {
    ...(faultRate > 0
      ? {
          entryFailureRate: faultRate,
          internalErrorRate: requestErrorRate,
          unavailableRate: requestErrorRate,
        }
      : {}),
    ...(throttleRate > 0 ? { throttleRate } : {}),
    ...(latencyMs > 0 ? { latencyMs, latencyJitterMs: latencyMs / 2 } : {}),
  };
}

let functionInstances = 0;

/**
 * Imports functions/<name>/index as Lambda does at a cold start, after the environment is
 * set. The query string makes each run a fresh module instance, so its configuration is read anew.
 */
async function loadFunction(name: PipelineName): Promise<BatchHandler<SQSEvent | KinesisStreamEvent>> {
  const base = new URL(`../functions/${name}/index`, import.meta.url);
  const extension = existsSync(`${fileURLToPath(base)}.ts`) ? '.ts' : '.js';
  functionInstances += 1;
  const module = (await import(`${base.href}${extension}?instance=${functionInstances}`)) as {
    handler?: unknown;
  };
  if (typeof module.handler !== 'function') {
    throw new Error(`functions/${name}/index${extension} does not export a handler function`);
  }
  return module.handler as BatchHandler<SQSEvent | KinesisStreamEvent>;
}

/** Sets variables and returns how to put the previous values back. */
function setEnvironment(values: Readonly<Record<string, string | undefined>>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

async function produceToQueue(
  client: SQSClient,
  queueUrl: string,
  settings: PipelineSettings,
  onProduced: (count: number) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < settings.records) {
      const start = next;
      next = Math.min(settings.records, start + 10);
      let entries = Array.from({ length: next - start }, (_, i) => ({
        Id: String(start + i),
        MessageBody: sampleRecord(start + i, settings.records, settings.recordBytes),
      }));
      while (entries.length > 0) {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        onProduced(out.Successful?.length ?? 0);
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function produceToStream(
  client: KinesisClient,
  streamName: string,
  settings: PipelineSettings,
  lastSequenceByShard: Map<string, bigint>,
  onProduced: (count: number) => void,
): Promise<void> {
  for (let start = 0; start < settings.records; start += 500) {
    const end = Math.min(settings.records, start + 500);
    let entries: PutRecordsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({
        Data: Buffer.from(sampleRecord(i, settings.records, settings.recordBytes)),
        PartitionKey: sampleRecordId(i, settings.records),
      });
    }
    while (entries.length > 0) {
      const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      const retry: PutRecordsRequestEntry[] = [];
      (out.Records ?? []).forEach((result, i) => {
        if (result.ErrorCode || !result.ShardId || !result.SequenceNumber) {
          retry.push(entries[i]);
          return;
        }
        const sequence = BigInt(result.SequenceNumber);
        if (sequence > (lastSequenceByShard.get(result.ShardId) ?? -1n)) {
          lastSequenceByShard.set(result.ShardId, sequence);
        }
      });
      onProduced(entries.length - retry.length);
      entries = retry;
    }
  }
}

/** Runs one pipeline end to end and returns what reading the destination back proved. */
export async function runPipeline(options: PipelineOptions = {}): Promise<PipelineSummary> {
  const settings = pipelineSettings(options);
  const stage = options.onStage ?? (() => undefined);
  const fromSqs = settings.pipeline.startsWith('sqs-');
  const destinationKind = settings.pipeline.split('-to-')[1] as 'kinesis' | 'firehose' | 'sqs';
  const closers: (() => Promise<void> | void)[] = [];

  try {
    stage('starting the local services on 127.0.0.1');
    const sqsServer = await startSqsServer();
    closers.push(() => sqsServer.close());
    const sqs = createSqsClient(sqsServer.endpoint);
    closers.push(() => sqs.destroy());
    let kinesisServer: LocalServer | undefined;
    let kinesis: KinesisClient | undefined;
    if (!fromSqs || destinationKind === 'kinesis') {
      kinesisServer = await startKinesisServer();
      const server = kinesisServer;
      closers.push(() => server.close());
      kinesis = createKinesisClient(kinesisServer.endpoint);
      const client = kinesis;
      closers.push(() => client.destroy());
    }
    let firehoseServer: FirehoseServer | undefined;
    if (destinationKind === 'firehose') {
      const dir = await mkdtemp(path.join(tmpdir(), 'lambda-async-sink-firehose-'));
      closers.push(() => rm(dir, { recursive: true, force: true }));
      firehoseServer = await startFirehoseServer({ dir });
      const server = firehoseServer;
      closers.push(() => server.close());
    }

    stage('creating the source and the destination');
    let sourceQueueUrl = '';
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
            VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: Attributes?.QueueArn,
              maxReceiveCount: settings.maxReceiveCount,
            }),
          },
        }),
      );
      sourceQueueUrl = source.QueueUrl ?? '';
    } else {
      await createKinesisStream(kinesis!, NAMES.source, settings.shards);
      const onFailure = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.onFailure }));
      onFailureQueueUrl = onFailure.QueueUrl ?? '';
    }
    let destinationQueueUrl = '';
    let destinationEndpoint: string;
    const functionVariables: Record<string, string> = {};
    if (destinationKind === 'kinesis') {
      await createKinesisStream(kinesis!, NAMES.destination, settings.shards);
      destinationEndpoint = kinesisServer!.endpoint;
      functionVariables.STREAM_NAME = NAMES.destination;
      functionVariables.PARTITION_KEY_FIELD = 'id';
    } else if (destinationKind === 'firehose') {
      const client = createFirehoseClient(firehoseServer!.endpoint);
      await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: NAMES.destination }));
      client.destroy();
      destinationEndpoint = firehoseServer!.endpoint;
      functionVariables.DELIVERY_STREAM_NAME = NAMES.destination;
      functionVariables.APPEND_NEWLINE = 'true';
    } else {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.destination }));
      destinationQueueUrl = queue.QueueUrl ?? '';
      destinationEndpoint = sqsServer.endpoint;
      functionVariables.QUEUE_URL = destinationQueueUrl;
    }
    const proxy = await startFaultProxy({
      upstream: destinationEndpoint,
      seed: settings.seed,
      faults: settings.faults,
    });
    closers.push(() => proxy.close());

    stage(`starting the event-source poller, loading functions/${settings.pipeline} as Lambda does`);
    const endpointVariable = `AWS_ENDPOINT_URL_${destinationKind.toUpperCase()}`;
    const restoreEnvironment = setEnvironment({
      ...Object.fromEntries(FUNCTION_VARIABLES.map((name) => [name, undefined])),
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      POWERTOOLS_SERVICE_NAME: settings.pipeline,
      POWERTOOLS_LOG_LEVEL: settings.functionLogLevel,
      POWERTOOLS_METRICS_DISABLED: 'true',
      [endpointVariable]: proxy.endpoint,
      ...functionVariables,
      ...options.functionEnvironment,
    });
    closers.push(restoreEnvironment);
    // One module instance per execution environment, as Lambda: no two invocations share one.
    const createHandler = () => loadFunction(settings.pipeline);

    let poller: SqsPoller | KinesisPoller;
    if (fromSqs) {
      poller = await startSqsPoller({
        client: sqs,
        queueUrl: sourceQueueUrl,
        createHandler,
        batchSize: settings.batchSize,
        maximumBatchingWindowMs: settings.maximumBatchingWindowMs,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        functionName: settings.pipeline,
      });
    } else {
      poller = await startKinesisPoller({
        client: kinesis!,
        streamName: NAMES.source,
        createHandler,
        batchSize: settings.batchSize,
        maximumBatchingWindowMs: settings.maximumBatchingWindowMs,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: settings.maximumRetryAttempts,
        onFailure: { client: sqs, queueUrl: onFailureQueueUrl },
        timeoutMs: settings.timeoutMs,
        pollIntervalMs: 50,
        functionName: settings.pipeline,
      });
    }
    let pollerStopped = false;
    const stopPoller = async () => {
      if (pollerStopped) return;
      pollerStopped = true;
      await poller.stop();
    };
    closers.push(stopPoller);

    stage(`producing ${settings.records.toLocaleString('en-US')} records`);
    const startedAt = Date.now();
    let produced = 0;
    let producerError: unknown;
    const lastSequenceByShard = new Map<string, bigint>();
    const producing = (
      fromSqs
        ? produceToQueue(sqs, sourceQueueUrl, settings, (n) => {
            produced += n;
          })
        : produceToStream(kinesis!, NAMES.source, settings, lastSequenceByShard, (n) => {
            produced += n;
          })
    ).then(
      () => true,
      (error: unknown) => {
        producerError = error;
        return true;
      },
    );
    let producerDone = false;
    void producing.then(() => {
      producerDone = true;
    });

    let deadLetteredSoFar = 0;
    const rateSamples: { at: number; delivered: number }[] = [];
    const snapshot = (): PipelineProgress => {
      const stats = poller.stats();
      const now = Date.now();
      rateSamples.push({ at: now, delivered: stats.succeeded });
      while (rateSamples.length > 2 && now - rateSamples[1].at >= 1_000) rateSamples.shift();
      const oldest = rateSamples[0];
      const span = now - oldest.at;
      return {
        produced,
        delivered: stats.succeeded,
        retried: stats.retried,
        deadLettered: fromSqs ? deadLetteredSoFar : stats.discarded,
        invocations: stats.invocations,
        elapsedMs: now - startedAt,
        recordsPerSecond: span > 0 ? Math.round(((stats.succeeded - oldest.delivered) * 1000) / span) : 0,
      };
    };

    const settled = async (): Promise<boolean> => {
      if (!producerDone) return false;
      if (fromSqs) {
        const source = await queueDepth(sqs, sourceQueueUrl);
        return source.visible + source.inFlight + source.delayed === 0;
      }
      const checkpoints = (poller as KinesisPoller).checkpoints();
      return [...lastSequenceByShard].every(([shardId, last]) => {
        const checkpoint = checkpoints[shardId];
        return checkpoint !== undefined && BigInt(checkpoint) >= last;
      });
    };

    let timedOut = false;
    let lastProgressAt = 0;
    for (;;) {
      const now = Date.now();
      if (now - lastProgressAt >= (options.progressIntervalMs ?? PIPELINE_DEFAULTS.progressIntervalMs)) {
        lastProgressAt = now;
        if (fromSqs) deadLetteredSoFar = (await queueDepth(sqs, deadLetterQueueUrl)).visible;
        options.onProgress?.(snapshot());
      }
      if (producerError !== undefined) throw producerError;
      if (await settled()) break;
      if (now - startedAt > settings.runTimeoutMs) {
        timedOut = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const elapsedMs = Date.now() - startedAt;
    await stopPoller();
    options.onProgress?.(snapshot());

    stage('reading the destination back');
    const verifyStartedAt = Date.now();
    const payloads =
      destinationKind === 'kinesis'
        ? await readStream(kinesis!, NAMES.destination)
        : destinationKind === 'firehose'
          ? (await firehoseServer!.readDelivered(NAMES.destination)).map((b) => b.toString('utf8'))
          : await drainQueue(sqs, destinationQueueUrl);
    const copies = new Map<string, number>();
    const producedIds = new Set(
      Array.from({ length: produced }, (_, i) => sampleRecordId(i, settings.records)),
    );
    let unexpected = 0;
    for (const payload of payloads) {
      const id = sampleRecordIdOf(payload);
      if (id === undefined || !producedIds.has(id)) unexpected++;
      else copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const count of copies.values()) duplicates += count - 1;

    const deadLetteredIds = new Set<string>();
    if (fromSqs) {
      for (const body of await drainQueue(sqs, deadLetterQueueUrl)) {
        const id = sampleRecordIdOf(body);
        if (id !== undefined) deadLetteredIds.add(id);
      }
    } else {
      for (const body of await drainQueue(sqs, onFailureQueueUrl)) {
        const info = (JSON.parse(body) as KinesisFailureRecord).KinesisBatchInfo;
        const records = await readShard(kinesis!, NAMES.source, info.shardId, {
          from: info.startSequenceNumber,
          to: info.endSequenceNumber,
        });
        for (const record of records) {
          const id = sampleRecordIdOf(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
          if (id !== undefined) deadLetteredIds.add(id);
        }
      }
    }
    let deadLettered = 0;
    const missingIds: string[] = [];
    let missing = 0;
    for (const id of producedIds) {
      if (copies.has(id)) continue;
      if (deadLetteredIds.has(id)) {
        deadLettered++;
        continue;
      }
      missing++;
      if (missingIds.length < 20) missingIds.push(id);
    }
    // Records the producer could not write count as missing too: they were asked for.
    missing += settings.records - produced;
    const verifyMs = Date.now() - verifyStartedAt;
    const stats = poller.stats();
    return {
      pipeline: settings.pipeline,
      produced,
      delivered: copies.size,
      missing,
      duplicates,
      deadLettered,
      unexpected,
      retried: stats.retried,
      invocations: stats.invocations,
      failedInvocations: stats.errors + stats.timeouts + stats.invalidResponses,
      poller: stats,
      faults: proxy.stats(),
      elapsedMs,
      verifyMs,
      timedOut,
      missingIds,
      ok: missing === 0 && deadLettered === 0 && unexpected === 0 && !timedOut,
      settings,
    };
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch {
        // Closing is best effort: one service failing to stop must not hide the run's outcome.
      }
    }
  }
}
