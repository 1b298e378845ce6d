/**
 * One shard of the Kinesis poller: one invocation at a time, in sequence order. A partial
 * failure checkpoints before the lowest failed record and reads again from there; a batch that
 * failed as a whole is split in two when bisecting (which does not use up retries); after the
 * retry limit the batch is described on the on-failure queue and skipped.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { invokeHandler, readResponse } from './invocation.js';
import type { OnFailureQueue } from './kinesis-poller.js';
import { failureRecord, type KinesisStreamContext, toEventRecord } from './kinesis-records.js';
import { ShardReader, type ShardReading } from './kinesis-shard-reader.js';
import { createLambdaContext } from './lambda-context.js';
import { MAX_EVENT_BYTES, type PollerState } from './poller-settings.js';
import type { BatchHandler, InvocationOutcome } from './types.js';
import { INVOCATION_OUTCOMES } from './types.js';

/** Bytes a record adds to the event besides its base64 data and partition key. */
const RECORD_OVERHEAD_BYTES = 500;

/** How a shard is polled and its failures handled. */
export interface ShardPolling extends ShardReading {
  readonly batchSize: number;
  readonly timeoutMs: number;
  /** -1: retry until the records expire. */
  readonly maximumRetryAttempts: number;
  readonly bisect: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly onFailure?: OnFailureQueue;
}

/** What one invocation settled. */
interface Settlement {
  succeeded: number;
  retried: number;
  discarded: number;
}

export class ShardPoller {
  /** The sequence number of the last record checkpointed past, if any. */
  checkpoint: string | undefined;
  private readonly reader: ShardReader;
  /** Sizes of the batches a bisection left to run before reading on. */
  private readonly splits: number[] = [];
  /** Retries used so far, by the sequence number of the first record of the retried batch. */
  private readonly retries = new Map<string, number>();

  constructor(
    private readonly stream: KinesisStreamContext,
    private readonly shardId: string,
    private readonly handler: BatchHandler<KinesisStreamEvent>,
    private readonly polling: ShardPolling,
    private readonly state: PollerState,
  ) {
    this.reader = new ShardReader(stream, shardId, polling, state);
  }

  /** Polls until the poller stops or the shard ends. */
  async run(): Promise<void> {
    const { reader, splits, state } = this;
    while (!state.stopped) {
      const want = splits[0] ?? this.polling.batchSize;
      if (splits.length === 0 && reader.buffer.length < want) await reader.read(want);
      if (state.stopped) return;
      if (reader.buffer.length === 0) {
        if (reader.closed) return;
        await state.pause(this.polling.pollIntervalMs);
        continue;
      }
      const size = this.fitting(Math.min(want, reader.buffer.length));
      if (splits.length > 0) splits.shift();
      try {
        await this.invoke(reader.buffer.slice(0, size));
      } catch {
        // Only onInvocation can throw here, after the batch was settled: polling goes on.
        state.stats.sourceErrors++;
      }
    }
  }

  /** How many of the first `want` buffered records fit in one event. */
  private fitting(want: number): number {
    let bytes = 0;
    for (let i = 0; i < want; i++) {
      const record = this.reader.buffer[i];
      bytes += Math.ceil(((record.Data?.length ?? 0) * 4) / 3) + (record.PartitionKey?.length ?? 0);
      bytes += RECORD_OVERHEAD_BYTES;
      if (bytes > MAX_EVENT_BYTES) return Math.max(1, i);
    }
    return want;
  }

  private checkpointPast(count: number): void {
    if (count === 0) return;
    const done = this.reader.take(count);
    for (const record of done) this.retries.delete(record.SequenceNumber ?? '');
    this.checkpoint = done[done.length - 1].SequenceNumber;
  }

  private async invoke(batch: _Record[]): Promise<void> {
    const startedAt = Date.now();
    const { stream, polling } = this;
    const records = batch.map((record) => toEventRecord(stream, record, this.shardId));
    const context = createLambdaContext({ ...stream, timeoutMs: polling.timeoutMs });
    const result = await invokeHandler(this.handler, { Records: records }, context, polling.timeoutMs);
    const sequenceNumbers = records.map((r) => r.kinesis.sequenceNumber);
    const verdict = readResponse(result, new Set(sequenceNumbers), polling.reportBatchItemFailures);
    const settled: Settlement = { succeeded: 0, retried: 0, discarded: 0 };
    if (verdict.outcome === INVOCATION_OUTCOMES.success) {
      this.checkpointPast(batch.length);
      settled.succeeded = batch.length;
    } else if (verdict.outcome === INVOCATION_OUTCOMES.partial) {
      const lowest = sequenceNumbers.findIndex((n) => verdict.failed.has(n));
      this.checkpointPast(lowest);
      settled.succeeded = lowest;
      await this.fail(batch.slice(lowest), verdict.outcome, settled);
    } else if (polling.bisect && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      this.splits.unshift(half, batch.length - half);
      settled.retried = batch.length;
    } else {
      await this.fail(batch, verdict.outcome, settled);
    }
    this.state.settled({
      source: 'kinesis',
      requestId: context.awsRequestId,
      shardId: this.shardId,
      records: batch.length,
      outcome: verdict.outcome,
      ...('reason' in verdict ? { reason: verdict.reason } : {}),
      ...settled,
      durationMs: Date.now() - startedAt,
    });
  }

  /** The records from `failed` on did not succeed: retry them, or give them up after the retry limit. */
  private async fail(failed: _Record[], outcome: InvocationOutcome, settled: Settlement): Promise<void> {
    const head = failed[0].SequenceNumber ?? '';
    const used = this.retries.get(head) ?? 0;
    const limit = this.polling.maximumRetryAttempts;
    if (limit >= 0 && used >= limit) {
      if (!(await this.describeDiscarded(failed, used + 1, outcome !== 'partial'))) return;
      this.checkpointPast(failed.length);
      settled.discarded = failed.length;
      return;
    }
    this.retries.set(head, used + 1);
    settled.retried = failed.length;
    if (this.splits.length > 0) this.splits.unshift(failed.length);
    else this.reader.rereadFrom(head);
  }

  /** Sends the description of a discarded batch, retrying until it is accepted or the poller stops. */
  private async describeDiscarded(batch: readonly _Record[], invokeCount: number, functionError: boolean) {
    const { onFailure } = this.polling;
    if (!onFailure) return true;
    const document = failureRecord(this.stream, this.shardId, batch, invokeCount, functionError);
    for (let attempt = 0; !this.state.stopped; attempt++) {
      try {
        const body = JSON.stringify(document);
        await onFailure.client.send(
          new SendMessageCommand({ QueueUrl: onFailure.queueUrl, MessageBody: body }),
        );
        return true;
      } catch {
        this.state.stats.sourceErrors++;
        await this.state.pause(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
    return false;
  }
}
