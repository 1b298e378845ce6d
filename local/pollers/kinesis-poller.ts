/**
 * A local stand-in for Lambda's Kinesis event source mapping: per shard, one invocation at a
 * time, in sequence order. After a partial failure it checkpoints at the lowest failed
 * sequence number and reads again from there; a batch whose invocation failed as a whole is
 * split in two (BisectBatchOnFunctionError, which does not use up retries); after
 * `maximumRetryAttempts` retries the batch is described on the on-failure SQS queue and skipped.
 */

import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { listShardIds } from '../services/read-back.js';
import { environmentHandlers, type HandlerSource } from './handler-source.js';
import type { KinesisStreamContext } from './kinesis-records.js';
import { ShardPoller, type ShardPolling } from './kinesis-shard-poller.js';
import { integerSettings, PollerState } from './poller-settings.js';
import type { InvocationReport, Poller } from './types.js';

/** Where discarded batches are described: an SQS queue, as Lambda's `DestinationConfig.OnFailure`. */
export interface OnFailureQueue {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

/**
 * Options of {@link startKinesisPoller}; the defaults are Lambda's where Lambda has one. Give
 * `handler` (shared by the shards) or `createHandler` (one handler per shard's execution
 * environment, as on Lambda, where no two invocations share a module instance).
 */
export type KinesisPollerOptions = KinesisPollerSettings & HandlerSource<KinesisStreamEvent>;

/** The settings of a Kinesis poller besides its handler. */
export interface KinesisPollerSettings {
  /** A client for the stream's endpoint, e.g. `createKinesisClient(server.endpoint)`. */
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Most records per invocation, 1 to 10,000. Default 100. */
  readonly batchSize?: number;
  /** Time to gather records before invoking, in ms. Default 0. */
  readonly maximumBatchingWindowMs?: number;
  /** Where each shard starts. Default `TRIM_HORIZON`. */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Split a batch in two when the invocation fails as a whole (error, timeout, invalid response). Default false. */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Retries before a batch is discarded: -1 (infinite, the default) or 0 to 10,000. */
  readonly maximumRetryAttempts?: number;
  /** Read `batchItemFailures` from the response (FunctionResponseTypes: ReportBatchItemFailures). Default true. */
  readonly reportBatchItemFailures?: boolean;
  /** Where a discarded batch is described. Without one, a discarded batch is only counted. */
  readonly onFailure?: OnFailureQueue;
  /** The function timeout in ms. Default 3,000 (Lambda's). */
  readonly timeoutMs?: number;
  /** Wait after a read that found nothing new, in ms. Default 250 (Lambda polls an idle shard about once a second). */
  readonly pollIntervalMs?: number;
  /** The name in the context and in the ARNs. Default `local-function`. */
  readonly functionName?: string;
  /** Called after each invocation has been settled (checkpointed, scheduled for retry, or discarded). */
  readonly onInvocation?: (report: InvocationReport) => void;
}

/** What Lambda puts in `KinesisBatchInfo` of an on-failure record. */
export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/** The document sent to the on-failure queue for a discarded batch. */
export interface KinesisFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KinesisBatchInfo: KinesisBatchInfo;
}

/** A running Kinesis poller. */
export interface KinesisPoller extends Poller {
  readonly streamArn: string;
  readonly shardIds: readonly string[];
  /** Per shard, the sequence number of the last record checkpointed (succeeded or discarded), if any. */
  checkpoints(): Readonly<Record<string, string | undefined>>;
}

/** Lambda's defaults for a Kinesis event source mapping, with the local function timeout and poll interval. */
export const KINESIS_POLLER_DEFAULTS = {
  batchSize: 100,
  maximumBatchingWindowMs: 0,
  startingPosition: 'TRIM_HORIZON',
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  reportBatchItemFailures: true,
  timeoutMs: 3_000,
  pollIntervalMs: 250,
  functionName: 'local-function',
} as const;

/** The range of each integer setting, as Lambda allows it. */
const INTEGER_RANGES = {
  batchSize: [1, 10_000],
  maximumBatchingWindowMs: [0, 300_000],
  maximumRetryAttempts: [-1, 10_000],
  timeoutMs: [1, 900_000],
  pollIntervalMs: [1, 60_000],
} as const;

/** The options with defaults filled in and ranges checked. */
function shardPolling(options: KinesisPollerOptions): ShardPolling {
  const d = KINESIS_POLLER_DEFAULTS;
  const numbers = integerSettings('Kinesis poller', options, d, INTEGER_RANGES);
  return {
    ...numbers,
    windowMs: numbers.maximumBatchingWindowMs,
    startingPosition: options.startingPosition ?? d.startingPosition,
    bisect: options.bisectBatchOnFunctionError ?? d.bisectBatchOnFunctionError,
    reportBatchItemFailures: options.reportBatchItemFailures ?? d.reportBatchItemFailures,
    onFailure: options.onFailure,
  };
}

/** The stream's ARN, and the region and account in it. */
async function describeStream(options: KinesisPollerOptions): Promise<KinesisStreamContext> {
  const { client, streamName } = options;
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn =
    summary.StreamDescriptionSummary?.StreamARN ??
    `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
  const [, , , region, accountId] = streamArn.split(':');
  const functionName = options.functionName ?? KINESIS_POLLER_DEFAULTS.functionName;
  return { client, streamName, streamArn, region, accountId, functionName };
}

/**
 * Starts polling every shard of a Kinesis stream with Lambda's semantics and invoking `handler`.
 * Resolves once the stream and its shards are known and the pollers are running.
 */
export async function startKinesisPoller(options: KinesisPollerOptions): Promise<KinesisPoller> {
  const polling = shardPolling(options);
  const stream = await describeStream(options);
  const shardIds = await listShardIds(options.client, options.streamName);
  const handlers = await environmentHandlers(options, shardIds.length);
  const state = new PollerState(options.onInvocation);
  const shards = shardIds.map((shardId, i) => new ShardPoller(stream, shardId, handlers[i], polling, state));
  const loops = shards.map((shard) => shard.run());
  return {
    streamArn: stream.streamArn,
    shardIds,
    checkpoints: () => Object.fromEntries(shards.map((shard, i) => [shardIds[i], shard.checkpoint])),
    stats: () => ({ ...state.stats }),
    async stop() {
      state.stop();
      await Promise.all(loops);
    },
  };
}
