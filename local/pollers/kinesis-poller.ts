/**
 * A local stand-in for Lambda's Kinesis event source mapping: per shard, one invocation at a
 * time, in sequence order. After a partial failure it checkpoints at the lowest failed
 * sequence number and reads again from there; a batch whose invocation failed as a whole is
 * split in two (BisectBatchOnFunctionError, which does not use up retries); after
 * `maximumRetryAttempts` retries the batch is described on the on-failure SQS queue and skipped.
 */

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { _Record, KinesisClient, ShardIteratorType } from '@aws-sdk/client-kinesis';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { listShardIds } from '../services/read-back.js';
import { environmentHandlers, type HandlerSource } from './handler-source.js';
import { invokeHandler, readResponse } from './invocation.js';
import { createLambdaContext } from './lambda-context.js';
import { integerSetting, isAbort, MAX_EVENT_BYTES, pauseUnlessStopped } from './poller-settings.js';
import type { BatchHandler, InvocationOutcome, InvocationReport, Poller, PollerStats } from './types.js';
import { emptyPollerStats, INVOCATION_OUTCOMES } from './types.js';

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

/** Bytes a record adds to the event besides its base64 data and partition key. */
const RECORD_OVERHEAD_BYTES = 500;

const checkInteger = integerSetting('Kinesis poller');

function arrivalSeconds(record: _Record): number {
  return (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000;
}

/**
 * Starts polling every shard of a Kinesis stream with Lambda's semantics and invoking `handler`.
 * Resolves once the stream and its shards are known and the pollers are running.
 */
export async function startKinesisPoller(options: KinesisPollerOptions): Promise<KinesisPoller> {
  const batchSize = checkInteger(
    'batchSize',
    options.batchSize ?? KINESIS_POLLER_DEFAULTS.batchSize,
    1,
    10_000,
  );
  const windowMs = checkInteger(
    'maximumBatchingWindowMs',
    options.maximumBatchingWindowMs ?? KINESIS_POLLER_DEFAULTS.maximumBatchingWindowMs,
    0,
    300_000,
  );
  const maxRetries = checkInteger(
    'maximumRetryAttempts',
    options.maximumRetryAttempts ?? KINESIS_POLLER_DEFAULTS.maximumRetryAttempts,
    -1,
    10_000,
  );
  const timeoutMs = checkInteger(
    'timeoutMs',
    options.timeoutMs ?? KINESIS_POLLER_DEFAULTS.timeoutMs,
    1,
    900_000,
  );
  const pollIntervalMs = checkInteger(
    'pollIntervalMs',
    options.pollIntervalMs ?? KINESIS_POLLER_DEFAULTS.pollIntervalMs,
    1,
    60_000,
  );
  const bisect = options.bisectBatchOnFunctionError ?? KINESIS_POLLER_DEFAULTS.bisectBatchOnFunctionError;
  const reportBatchItemFailures =
    options.reportBatchItemFailures ?? KINESIS_POLLER_DEFAULTS.reportBatchItemFailures;
  const startingPosition: ShardIteratorType =
    options.startingPosition ?? KINESIS_POLLER_DEFAULTS.startingPosition;
  const functionName = options.functionName ?? KINESIS_POLLER_DEFAULTS.functionName;
  const { client, streamName } = options;

  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn =
    summary.StreamDescriptionSummary?.StreamARN ??
    `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
  const [, , , region, accountId] = streamArn.split(':');
  const shardIds = await listShardIds(client, streamName);
  const handlers = await environmentHandlers(options, shardIds.length);

  const stats: PollerStats = emptyPollerStats();
  const checkpoints: Record<string, string | undefined> = Object.fromEntries(
    shardIds.map((id) => [id, undefined]),
  );
  const abort = new AbortController();
  // Every call in flight listens to this one signal.
  setMaxListeners(0, abort.signal);
  let stopped = false;

  const pause = (ms: number) => pauseUnlessStopped(abort.signal, ms);

  function toRecord(record: _Record, shardId: string): KinesisStreamRecord {
    const sequenceNumber = record.SequenceNumber ?? '';
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey ?? '',
        sequenceNumber,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: arrivalSeconds(record),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${accountId}:role/${functionName}-role`,
      awsRegion: region,
      eventSourceARN: streamArn,
    };
  }

  /** Sends the description of a discarded batch, retrying until it is accepted or the poller stops. */
  async function describeDiscarded(
    shardId: string,
    batch: readonly _Record[],
    invokeCount: number,
    functionError: boolean,
  ): Promise<boolean> {
    if (!options.onFailure) return true;
    const first = batch[0];
    const last = batch[batch.length - 1];
    const document: KinesisFailureRecord = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError ? { functionError: 'Unhandled' } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber ?? '',
        endSequenceNumber: last.SequenceNumber ?? '',
        approximateArrivalOfFirstRecord: new Date(arrivalSeconds(first) * 1000).toISOString(),
        approximateArrivalOfLastRecord: new Date(arrivalSeconds(last) * 1000).toISOString(),
        batchSize: batch.length,
        streamArn,
      },
    };
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await options.onFailure.client.send(
          new SendMessageCommand({
            QueueUrl: options.onFailure.queueUrl,
            MessageBody: JSON.stringify(document),
          }),
        );
        return true;
      } catch {
        stats.sourceErrors++;
        await pause(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
    return false;
  }

  async function runShard(shardId: string, handler: BatchHandler<KinesisStreamEvent>): Promise<void> {
    /** Records read and not yet checkpointed, in sequence order; every batch is a prefix of it. */
    let buffer: _Record[] = [];
    /** Sizes of the batches a bisection left to run before reading on. */
    const splits: number[] = [];
    /** Retries used so far, by the sequence number of the first record of the retried batch. */
    const retries = new Map<string, number>();
    let iterator: string | undefined;
    /** Where a new iterator starts: undefined means the starting position. */
    let resumeAt: { type: ShardIteratorType; sequenceNumber: string } | undefined;
    let closed = false;

    async function read(want: number): Promise<void> {
      const startedAt = Date.now();
      while (!stopped && !closed && buffer.length < want) {
        let found = 0;
        try {
          if (iterator === undefined) {
            const out = await client.send(
              new GetShardIteratorCommand({
                StreamName: streamName,
                ShardId: shardId,
                ShardIteratorType: resumeAt?.type ?? startingPosition,
                ...(resumeAt ? { StartingSequenceNumber: resumeAt.sequenceNumber } : {}),
              }),
              { abortSignal: abort.signal },
            );
            iterator = out.ShardIterator;
          }
          const out = await client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, want - buffer.length) }),
            { abortSignal: abort.signal },
          );
          iterator = out.NextShardIterator;
          if (iterator === undefined) closed = true;
          const records = out.Records ?? [];
          found = records.length;
          if (found > 0) {
            buffer.push(...records);
            // Should the iterator expire, reading resumes right after what is buffered.
            resumeAt = {
              type: 'AFTER_SEQUENCE_NUMBER',
              sequenceNumber: records[found - 1].SequenceNumber ?? '',
            };
          }
        } catch (error) {
          if (stopped || isAbort(error)) return;
          if (!(error instanceof Error && error.name === 'ExpiredIteratorException')) stats.sourceErrors++;
          iterator = undefined;
          await pause(pollIntervalMs);
          continue;
        }
        if (buffer.length >= want) return;
        const windowLeft = startedAt + windowMs - Date.now();
        if (buffer.length > 0 && windowLeft <= 0) return;
        if (found === 0) {
          if (buffer.length === 0) return;
          await pause(Math.min(pollIntervalMs, windowLeft));
        }
      }
    }

    /** How many of the first `want` buffered records fit in one event. */
    function fitting(want: number): number {
      let bytes = 0;
      for (let i = 0; i < want; i++) {
        const record = buffer[i];
        bytes += Math.ceil(((record.Data?.length ?? 0) * 4) / 3) + (record.PartitionKey?.length ?? 0);
        bytes += RECORD_OVERHEAD_BYTES;
        if (bytes > MAX_EVENT_BYTES) return Math.max(1, i);
      }
      return want;
    }

    function checkpoint(count: number): void {
      if (count === 0) return;
      const done = buffer.splice(0, count);
      for (const record of done) retries.delete(record.SequenceNumber ?? '');
      checkpoints[shardId] = done[done.length - 1].SequenceNumber;
    }

    /** Lambda re-reads from the checkpoint, so records after it come back in a fresh batch. */
    function rereadFrom(sequenceNumber: string): void {
      buffer = [];
      iterator = undefined;
      resumeAt = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber };
    }

    async function invoke(batch: _Record[]): Promise<void> {
      const startedAt = Date.now();
      const records = batch.map((record) => toRecord(record, shardId));
      const context = createLambdaContext({ functionName, timeoutMs, region, accountId });
      const result = await invokeHandler(handler, { Records: records }, context, timeoutMs);
      const sequenceNumbers = records.map((r) => r.kinesis.sequenceNumber);
      const verdict = readResponse(result, new Set(sequenceNumbers), reportBatchItemFailures);
      let succeeded = 0;
      let retried = 0;
      let discarded = 0;

      /** The records from `failed` on did not succeed: retry them, or give them up after the retry limit. */
      async function fail(failed: _Record[], outcome: InvocationOutcome): Promise<void> {
        const head = failed[0].SequenceNumber ?? '';
        const used = retries.get(head) ?? 0;
        if (maxRetries >= 0 && used >= maxRetries) {
          const described = await describeDiscarded(shardId, failed, used + 1, outcome !== 'partial');
          if (!described) return;
          checkpoint(failed.length);
          discarded = failed.length;
          return;
        }
        retries.set(head, used + 1);
        retried = failed.length;
        if (splits.length > 0) splits.unshift(failed.length);
        else rereadFrom(head);
      }

      if (verdict.outcome === INVOCATION_OUTCOMES.success) {
        checkpoint(batch.length);
        succeeded = batch.length;
      } else if (verdict.outcome === INVOCATION_OUTCOMES.partial) {
        const lowest = sequenceNumbers.findIndex((n) => verdict.failed.has(n));
        checkpoint(lowest);
        succeeded = lowest;
        await fail(batch.slice(lowest), verdict.outcome);
      } else if (bisect && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        splits.unshift(half, batch.length - half);
        retried = batch.length;
      } else {
        await fail(batch, verdict.outcome);
      }

      stats.invocations++;
      stats.records += batch.length;
      stats.succeeded += succeeded;
      stats.retried += retried;
      stats.discarded += discarded;
      if (verdict.outcome === INVOCATION_OUTCOMES.partial) stats.partial++;
      else if (verdict.outcome === INVOCATION_OUTCOMES.error) stats.errors++;
      else if (verdict.outcome === INVOCATION_OUTCOMES.timeout) stats.timeouts++;
      else if (verdict.outcome === INVOCATION_OUTCOMES.invalidResponse) stats.invalidResponses++;
      options.onInvocation?.({
        source: 'kinesis',
        requestId: context.awsRequestId,
        shardId,
        records: batch.length,
        outcome: verdict.outcome,
        ...('reason' in verdict ? { reason: verdict.reason } : {}),
        succeeded,
        retried,
        discarded,
        durationMs: Date.now() - startedAt,
      });
    }

    while (!stopped) {
      const want = splits[0] ?? batchSize;
      if (splits.length === 0 && buffer.length < want) await read(want);
      if (stopped) return;
      if (buffer.length === 0) {
        if (closed) return;
        await pause(pollIntervalMs);
        continue;
      }
      const size = fitting(Math.min(want, buffer.length));
      if (splits.length > 0) splits.shift();
      try {
        await invoke(buffer.slice(0, size));
      } catch {
        // Only onInvocation can throw here, after the batch was settled: polling goes on.
        stats.sourceErrors++;
      }
    }
  }

  const loops = shardIds.map((shardId, i) => runShard(shardId, handlers[i]));

  return {
    streamArn,
    shardIds,
    checkpoints: () => ({ ...checkpoints }),
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.all(loops);
    },
  };
}
