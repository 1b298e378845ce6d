/**
 * A whole pipeline on this machine: local services on 127.0.0.1, a source and a destination,
 * the very function module that CDK bundles (loaded from functions/ as Lambda loads it, one
 * instance per execution environment), a local event-source poller with Lambda's semantics,
 * a producer, and a read-back of the destination that proves what arrived. `npm start` is a
 * thin CLI around {@link runPipeline}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type DestinationKind, POWERTOOLS_VARIABLES } from '../../functions/contract.js';
import type { KinesisFailureRecord, KinesisPoller } from '../pollers/kinesis-poller.js';
import { startKinesisPoller } from '../pollers/kinesis-poller.js';
import type { SqsPoller } from '../pollers/sqs-poller.js';
import { startSqsPoller } from '../pollers/sqs-poller.js';
import type { PollerStats } from '../pollers/types.js';
import {
  createFirehoseClient,
  createKinesisClient,
  createSqsClient,
  LOCAL_AWS,
} from '../services/clients.js';
import type { FaultProxy, FaultStats } from '../services/fault-proxy.js';
import { startFaultProxy } from '../services/fault-proxy.js';
import type { FirehoseServer } from '../services/firehose-server.js';
import { startFirehoseServer } from '../services/firehose-server.js';
import { createKinesisStream, type LocalServer, startKinesisServer } from '../services/kinesis-server.js';
import { drainQueue, queueDepth, readShard, readStream } from '../services/read-back.js';
import { startSqsServer } from '../services/sqs-server.js';
import { Closers } from './closers.js';
import { CLEARED_VARIABLES, destinationVariables, loadFunction, setEnvironment } from './function-module.js';
import { isNewerDestination, type NewerDestination, startNewerDestination } from './newer-destinations.js';
import type { PipelineOptions, PipelineProgress, PipelineSettings } from './pipeline-settings.js';
import { PIPELINE_DEFAULTS, type PipelineName, pipelineSettings } from './pipeline-settings.js';
import { produceToQueue, produceToStream } from './producers.js';
import { sampleMetricDatum, sampleRecordId, sampleRecordIdOf } from './sample-records.js';

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

const NAMES = {
  source: 'local-source',
  deadLetter: 'local-source-dlq',
  onFailure: 'local-source-on-failure',
  destination: 'local-destination',
} as const;

/** The local services a run needs, started on 127.0.0.1. */
interface Services {
  readonly sqsServer: LocalServer;
  readonly sqs: SQSClient;
  readonly kinesisServer?: LocalServer;
  readonly kinesis?: KinesisClient;
  readonly firehoseServer?: FirehoseServer;
}

async function startServices(
  needsKinesis: boolean,
  needsFirehose: boolean,
  closers: Closers,
): Promise<Services> {
  const sqsServer = await startSqsServer();
  closers.add(() => sqsServer.close());
  const sqs = createSqsClient(sqsServer.endpoint);
  closers.add(() => sqs.destroy());
  let kinesisServer: LocalServer | undefined;
  let kinesis: KinesisClient | undefined;
  if (needsKinesis) {
    const server = await startKinesisServer();
    closers.add(() => server.close());
    const client = createKinesisClient(server.endpoint);
    closers.add(() => client.destroy());
    kinesisServer = server;
    kinesis = client;
  }
  let firehoseServer: FirehoseServer | undefined;
  if (needsFirehose) {
    const dir = await mkdtemp(path.join(tmpdir(), 'lambda-async-sink-firehose-'));
    closers.add(() => rm(dir, { recursive: true, force: true }));
    const server = await startFirehoseServer({ dir });
    closers.add(() => server.close());
    firehoseServer = server;
  }
  return { sqsServer, sqs, kinesisServer, kinesis, firehoseServer };
}

/** The source's queues (SQS: the queue and its dead-letter queue; Kinesis: the on-failure queue). */
interface Source {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly onFailureQueueUrl: string;
}

async function createSource(
  services: Services,
  settings: PipelineSettings,
  fromSqs: boolean,
): Promise<Source> {
  const { sqs } = services;
  if (!fromSqs) {
    await createKinesisStream(services.kinesis!, NAMES.source, settings.shards);
    const onFailure = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.onFailure }));
    return { queueUrl: '', deadLetterQueueUrl: '', onFailureQueueUrl: onFailure.QueueUrl ?? '' };
  }
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: NAMES.deadLetter }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
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
  return { queueUrl: source.QueueUrl ?? '', deadLetterQueueUrl: dlq.QueueUrl ?? '', onFailureQueueUrl: '' };
}

/** The destination, and the variables that point the function at it. */
interface Destination {
  readonly endpoint: string;
  readonly queueUrl: string;
  readonly functionVariables: Readonly<Record<string, string>>;
  /** A DynamoDB, EventBridge, SNS or CloudWatch destination reads itself back. */
  readonly newer?: NewerDestination;
}

async function createDestination(
  services: Services,
  settings: PipelineSettings,
  kind: DestinationKind,
  closers: Closers,
): Promise<Destination> {
  if (isNewerDestination(kind)) {
    const client = services.sqs;
    const newer = await startNewerDestination(kind, closers, {
      endpoint: services.sqsServer.endpoint,
      client,
    });
    return { endpoint: newer.endpoint, queueUrl: '', functionVariables: newer.functionVariables, newer };
  }
  if (kind === 'kinesis') {
    await createKinesisStream(services.kinesis!, NAMES.destination, settings.shards);
    return {
      endpoint: services.kinesisServer!.endpoint,
      queueUrl: '',
      functionVariables: destinationVariables(kind, NAMES.destination),
    };
  }
  if (kind === 'firehose') {
    const client = createFirehoseClient(services.firehoseServer!.endpoint);
    await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: NAMES.destination }));
    client.destroy();
    return {
      endpoint: services.firehoseServer!.endpoint,
      queueUrl: '',
      functionVariables: destinationVariables(kind, NAMES.destination),
    };
  }
  const queue = await services.sqs.send(new CreateQueueCommand({ QueueName: NAMES.destination }));
  const queueUrl = queue.QueueUrl ?? '';
  return {
    endpoint: services.sqsServer.endpoint,
    queueUrl,
    functionVariables: destinationVariables(kind, queueUrl),
  };
}

/**
 * Sets the function's environment as a Lambda's configuration would: the region, dummy
 * credentials, the destination's endpoint (the fault proxy) and the function's own variables.
 */
function setFunctionEnvironment(
  settings: PipelineSettings,
  kind: DestinationKind,
  proxy: FaultProxy,
  destination: Destination,
  extra: Readonly<Record<string, string>> | undefined,
): () => void {
  return setEnvironment({
    ...Object.fromEntries(CLEARED_VARIABLES.map((name) => [name, undefined])),
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    [POWERTOOLS_VARIABLES.serviceName]: settings.pipeline,
    [POWERTOOLS_VARIABLES.logLevel]: settings.functionLogLevel,
    POWERTOOLS_METRICS_DISABLED: 'true',
    [`AWS_ENDPOINT_URL_${kind.toUpperCase()}`]: proxy.endpoint,
    ...destination.functionVariables,
    ...extra,
  });
}

function startPoller(
  services: Services,
  settings: PipelineSettings,
  source: Source,
  fromSqs: boolean,
): Promise<SqsPoller | KinesisPoller> {
  // One module instance per execution environment, as on Lambda: no two invocations share one.
  const createHandler = () => loadFunction(settings.pipeline);
  if (fromSqs) {
    return startSqsPoller({
      client: services.sqs,
      queueUrl: source.queueUrl,
      createHandler,
      batchSize: settings.batchSize,
      maximumBatchingWindowMs: settings.maximumBatchingWindowMs,
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      functionName: settings.pipeline,
    });
  }
  return startKinesisPoller({
    client: services.kinesis!,
    streamName: NAMES.source,
    createHandler,
    batchSize: settings.batchSize,
    maximumBatchingWindowMs: settings.maximumBatchingWindowMs,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: settings.maximumRetryAttempts,
    onFailure: { client: services.sqs, queueUrl: source.onFailureQueueUrl },
    timeoutMs: settings.timeoutMs,
    pollIntervalMs: 50,
    functionName: settings.pipeline,
  });
}

/** Payloads at the destination, each as text. */
async function readDestination(
  services: Services,
  destination: Destination,
  kind: DestinationKind,
): Promise<string[]> {
  if (destination.newer !== undefined) return destination.newer.read();
  if (kind === 'kinesis') return readStream(services.kinesis!, NAMES.destination);
  if (kind === 'firehose') {
    return (await services.firehoseServer!.readDelivered(NAMES.destination)).map((b) => b.toString('utf8'));
  }
  return drainQueue(services.sqs, destination.queueUrl);
}

/** Ids of the records the source gave up: the dead-letter queue's, or those the on-failure queue describes. */
async function readDeadLettered(services: Services, source: Source, fromSqs: boolean): Promise<Set<string>> {
  const ids = new Set<string>();
  const add = (payload: string) => {
    const id = sampleRecordIdOf(payload);
    if (id !== undefined) ids.add(id);
  };
  if (fromSqs) {
    for (const body of await drainQueue(services.sqs, source.deadLetterQueueUrl)) add(body);
    return ids;
  }
  for (const body of await drainQueue(services.sqs, source.onFailureQueueUrl)) {
    // As a user would: the on-failure record says which range of which shard to read again.
    const info = (JSON.parse(body) as KinesisFailureRecord).KinesisBatchInfo;
    const records = await readShard(services.kinesis!, NAMES.source, info.shardId, {
      from: info.startSequenceNumber,
      to: info.endSequenceNumber,
    });
    for (const record of records) add(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
  }
  return ids;
}

function interrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error('the pipeline run was interrupted');
  }
}

/** What the producer writes: the sample records, or for CloudWatch (metric data only) a datum naming each id. */
function producerPlan(settings: PipelineSettings, kind: DestinationKind, onProduced: (n: number) => void) {
  return {
    count: settings.records,
    recordBytes: settings.recordBytes,
    onProduced,
    ...(kind === 'cloudwatch' ? { payload: sampleMetricDatum } : {}),
  };
}

/** Runs one pipeline end to end and returns what reading the destination back proved. */
export async function runPipeline(options: PipelineOptions = {}): Promise<PipelineSummary> {
  const settings = pipelineSettings(options);
  const stage = options.onStage ?? (() => undefined);
  const fromSqs = settings.pipeline.startsWith('sqs-');
  const kind = settings.pipeline.split('-to-')[1] as DestinationKind;
  const closers = new Closers();
  try {
    stage('starting the local services on 127.0.0.1');
    const services = await startServices(!fromSqs || kind === 'kinesis', kind === 'firehose', closers);
    interrupted(options.signal);

    stage('creating the source and the destination');
    const source = await createSource(services, settings, fromSqs);
    const destination = await createDestination(services, settings, kind, closers);
    const proxy = await startFaultProxy({
      upstream: destination.endpoint,
      seed: settings.seed,
      faults: settings.faults,
    });
    closers.add(() => proxy.close());

    stage(`starting the event-source poller, loading functions/${settings.pipeline} as Lambda does`);
    closers.add(setFunctionEnvironment(settings, kind, proxy, destination, options.functionEnvironment));
    const poller = await startPoller(services, settings, source, fromSqs);
    let pollerStopped = false;
    const stopPoller = async () => {
      if (pollerStopped) return;
      pollerStopped = true;
      await poller.stop();
    };
    closers.add(stopPoller);
    interrupted(options.signal);

    stage(`producing ${settings.records.toLocaleString('en-US')} records`);
    const startedAt = Date.now();
    let produced = 0;
    const plan = producerPlan(settings, kind, (n) => (produced += n));
    let producerDone = false;
    let producerError: unknown;
    let lastSequenceByShard = new Map<string, bigint>();
    const producing = fromSqs
      ? produceToQueue(services.sqs, source.queueUrl, plan)
      : produceToStream(services.kinesis!, NAMES.source, plan).then((last) => {
          lastSequenceByShard = last;
        });
    producing.then(
      () => {
        producerDone = true;
      },
      (error: unknown) => {
        producerError = error ?? new Error('the producer failed');
      },
    );

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

    /** Every record produced is settled at the source: deleted or dead-lettered, or checkpointed past. */
    const settled = async (): Promise<boolean> => {
      if (!producerDone) return false;
      if (fromSqs) {
        const depth = await queueDepth(services.sqs, source.queueUrl);
        return depth.visible + depth.inFlight + depth.delayed === 0;
      }
      const checkpoints = (poller as KinesisPoller).checkpoints();
      return [...lastSequenceByShard].every(([shardId, last]) => {
        const checkpoint = checkpoints[shardId];
        return checkpoint !== undefined && BigInt(checkpoint) >= last;
      });
    };

    let timedOut = false;
    let lastProgressAt = 0;
    const progressIntervalMs = options.progressIntervalMs ?? PIPELINE_DEFAULTS.progressIntervalMs;
    for (;;) {
      interrupted(options.signal);
      if (producerError !== undefined) throw producerError;
      const now = Date.now();
      if (now - lastProgressAt >= progressIntervalMs) {
        lastProgressAt = now;
        if (fromSqs) deadLetteredSoFar = (await queueDepth(services.sqs, source.deadLetterQueueUrl)).visible;
        options.onProgress?.(snapshot());
      }
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
    const copies = new Map<string, number>();
    const askedFor = new Set(
      Array.from({ length: settings.records }, (_, i) => sampleRecordId(i, settings.records)),
    );
    let unexpected = 0;
    for (const payload of await readDestination(services, destination, kind)) {
      const id = sampleRecordIdOf(payload);
      if (id === undefined || !askedFor.has(id)) unexpected++;
      else copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const count of copies.values()) duplicates += count - 1;
    const deadLetteredIds = await readDeadLettered(services, source, fromSqs);
    let deadLettered = 0;
    let missing = 0;
    const missingIds: string[] = [];
    for (const id of askedFor) {
      if (copies.has(id)) continue;
      if (deadLetteredIds.has(id)) {
        deadLettered++;
        continue;
      }
      missing++;
      if (missingIds.length < 20) missingIds.push(id);
    }
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
    await closers.closeAll();
  }
}
