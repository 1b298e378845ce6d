/**
 * What `npm start` and the soak both set up for one pipeline: its local services, its source,
 * its destination behind the fault proxy, the function's environment, the event-source poller
 * and the producer. Each caller adds only what is its own: `npm start` loads the function in
 * process, the soak runs it in child processes with faults of their own.
 */
import type { DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { startDynamoDbStreamPoller } from '../dynamodb-streams/stream-poller.js';
import type { HandlerFactory } from '../pollers/handler-source.js';
import type { KinesisPoller } from '../pollers/kinesis-poller.js';
import { startKinesisPoller } from '../pollers/kinesis-poller.js';
import type { SqsPoller } from '../pollers/sqs-poller.js';
import { startSqsPoller } from '../pollers/sqs-poller.js';
import type { InvocationReport } from '../pollers/types.js';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from '../services/fault-proxy.js';
import type { Closers } from './closers.js';
import { produceToTable } from './dynamodb-source.js';
import { functionEnvironment } from './function-module.js';
import { createDestination, type PipelineDestination } from './pipeline-destination.js';
import { type PipelineServices, startPipelineServices } from './pipeline-services.js';
import { destinationOf, type PipelineName, sourceOf } from './pipeline-settings.js';
import {
  createSource,
  type PipelineSource,
  readDeadLettered,
  type SourceShape,
  sourceSettled,
} from './pipeline-source.js';
import { type ProducedRecords, type ProducerPlan, produceToQueue, produceToStream } from './producers.js';
import { sampleMetricDatum } from './sample-records.js';

/** How the rig is made: the source's shape and the fault proxy's faults. */
export interface RigOptions extends SourceShape {
  readonly pipeline: PipelineName;
  /** The fault proxy in front of the destination (its upstream is the destination). */
  readonly proxy: Omit<FaultProxyOptions, 'upstream'>;
}

/** How the event source mapping polls, as its Lambda settings say. */
export interface PollerShape {
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** SQS: pollers, each with its own execution environment. */
  readonly concurrency: number;
  /** The function timeout. */
  readonly timeoutMs: number;
  /** Kinesis: retries before a batch goes to the on-failure queue. */
  readonly maximumRetryAttempts: number;
}

/** A pipeline set up on this machine, ready for a function, a poller and a producer. */
export interface PipelineRig {
  readonly pipeline: PipelineName;
  readonly services: PipelineServices;
  readonly source: PipelineSource;
  readonly destination: PipelineDestination;
  /** The fault proxy the function sends through. */
  readonly proxy: FaultProxy;
}

/** Starts the services, creates the source and the destination, and puts the fault proxy in front. */
export async function setUpRig(options: RigOptions, closers: Closers): Promise<PipelineRig> {
  const { pipeline } = options;
  const services = await startPipelineServices(pipeline, closers);
  const source = await createSource(services, sourceOf(pipeline), options);
  const destination = await createDestination(services, destinationOf(pipeline), options.shards, closers);
  const proxy = closers.started(
    await startFaultProxy({ ...options.proxy, upstream: destination.endpoint }),
    (started) => started.close(),
  );
  return { pipeline, services, source, destination, proxy };
}

/** The environment of the rig's function: its destination, reached through the fault proxy. */
export function rigFunctionEnvironment(
  rig: PipelineRig,
  logLevel: string,
  extra?: Readonly<Record<string, string>>,
): Record<string, string> {
  return functionEnvironment({
    pipeline: rig.pipeline,
    endpoint: rig.proxy.endpoint,
    destinationVariables: rig.destination.functionVariables,
    logLevel,
    extra,
  });
}

/** Starts the source's poller with Lambda's semantics; `closers` stops it. */
export async function startRigPoller(
  rig: PipelineRig,
  shape: PollerShape,
  createHandler: HandlerFactory<SQSEvent | KinesisStreamEvent>,
  closers: Closers,
  onInvocation?: (report: InvocationReport) => void,
): Promise<SqsPoller | KinesisPoller> {
  const { services, source, pipeline } = rig;
  const common = {
    createHandler,
    batchSize: shape.batchSize,
    maximumBatchingWindowMs: shape.maximumBatchingWindowMs,
    timeoutMs: shape.timeoutMs,
    functionName: pipeline,
    onInvocation,
  };
  const streamPolling = {
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: shape.maximumRetryAttempts,
    onFailure: { client: services.sqs, queueUrl: source.onFailureQueueUrl },
    pollIntervalMs: 50,
  };
  const poller: SqsPoller | KinesisPoller =
    source.table !== undefined
      ? await startDynamoDbStreamPoller({
          ...common,
          ...streamPolling,
          // A dynamodb-* function module takes DynamoDB stream events; loadFunction types modules by the other two.
          createHandler: createHandler as unknown as HandlerFactory<DynamoDBStreamEvent>,
          client: services.kinesis!,
          table: source.table,
        })
      : source.kind === 'sqs'
        ? await startSqsPoller({
            ...common,
            client: services.sqs,
            queueUrl: source.queueUrl,
            concurrency: shape.concurrency,
          })
        : await startKinesisPoller({
            ...common,
            ...streamPolling,
            client: services.kinesis!,
            streamName: source.streamName,
          });
  // Stopping twice is harmless: the run stops it before reading back, the closers again on failure.
  closers.add(() => poller.stop());
  return poller;
}

/** Starts writing `plan` into the rig's source; to CloudWatch, whose functions take metric data only, a datum per record. */
export function produceInto(rig: PipelineRig, given: ProducerPlan): Promise<ProducedRecords> {
  const { services, source } = rig;
  const plan =
    given.payload === undefined && destinationOf(rig.pipeline) === 'cloudwatch'
      ? { ...given, payload: sampleMetricDatum }
      : given;
  if (source.table !== undefined) return produceToTable(services.dynamoDbSource!.client, source.table, plan);
  return source.kind === 'sqs'
    ? produceToQueue(services.sqs, source.queueUrl, plan)
    : produceToStream(services.kinesis!, source.streamName, plan);
}

/** The destination's payloads and the source's given-up payloads, read back. */
export async function readBack(rig: PipelineRig): Promise<{ delivered: string[]; deadLettered: string[] }> {
  return {
    delivered: await rig.destination.read(),
    deadLettered: await readDeadLettered(rig.services, rig.source),
  };
}

/** Every record the producer wrote is settled at the source. */
export function rigSettled(
  rig: PipelineRig,
  poller: SqsPoller | KinesisPoller,
  produced: ProducedRecords,
): Promise<boolean> {
  return sourceSettled(rig.services, rig.source, poller, produced.lastSequenceByShard);
}
