/**
 * Reads one shard ahead of the poller into a buffer of records not yet checkpointed, in
 * sequence order, gathering for the batching window; every batch is a prefix of the buffer.
 * After a failure Lambda re-reads from the checkpoint, so the buffer can be dropped and read again.
 */
import type { _Record, ShardIteratorType } from '@aws-sdk/client-kinesis';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamContext } from './kinesis-records.js';
import { isAbort, type PollerState } from './poller-settings.js';

/** How the reader reads. */
export interface ShardReading {
  readonly startingPosition: ShardIteratorType;
  readonly windowMs: number;
  readonly pollIntervalMs: number;
}

export class ShardReader {
  /** Records read and not yet checkpointed, in sequence order. */
  buffer: _Record[] = [];
  /** The shard has ended (its iterator ran out). */
  closed = false;
  private iterator: string | undefined;
  /** Where a new iterator starts: undefined means the starting position. */
  private resumeAt: { type: ShardIteratorType; sequenceNumber: string } | undefined;

  constructor(
    private readonly stream: KinesisStreamContext,
    private readonly shardId: string,
    private readonly reading: ShardReading,
    private readonly state: PollerState,
  ) {}

  /** Reads until `want` records are buffered, the batching window closes, or the shard has nothing new. */
  async read(want: number): Promise<void> {
    const startedAt = Date.now();
    while (!this.state.stopped && !this.closed && this.buffer.length < want) {
      let found: number;
      try {
        found = await this.readOnce(want);
      } catch (error) {
        if (this.state.stopped || isAbort(error)) return;
        if (!(error instanceof Error && error.name === 'ExpiredIteratorException'))
          this.state.stats.sourceErrors++;
        this.iterator = undefined;
        await this.state.pause(this.reading.pollIntervalMs);
        continue;
      }
      if (this.buffer.length >= want) return;
      const windowLeft = startedAt + this.reading.windowMs - Date.now();
      if (this.buffer.length > 0 && windowLeft <= 0) return;
      if (found === 0) {
        if (this.buffer.length === 0) return;
        await this.state.pause(Math.min(this.reading.pollIntervalMs, windowLeft));
      }
    }
  }

  /** Takes the first `count` records off the buffer: they are checkpointed past. */
  take(count: number): _Record[] {
    return this.buffer.splice(0, count);
  }

  /** Lambda re-reads from the checkpoint, so records after it come back in a fresh batch. */
  rereadFrom(sequenceNumber: string): void {
    this.buffer = [];
    this.iterator = undefined;
    this.resumeAt = { type: 'AT_SEQUENCE_NUMBER', sequenceNumber };
  }

  /** One GetRecords (after a GetShardIterator when there is none); answers how many records it found. */
  private async readOnce(want: number): Promise<number> {
    const { client, streamName } = this.stream;
    const abortSignal = this.state.signal;
    if (this.iterator === undefined) {
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: this.shardId,
          ShardIteratorType: this.resumeAt?.type ?? this.reading.startingPosition,
          ...(this.resumeAt ? { StartingSequenceNumber: this.resumeAt.sequenceNumber } : {}),
        }),
        { abortSignal },
      );
      this.iterator = out.ShardIterator;
    }
    const out = await client.send(
      new GetRecordsCommand({
        ShardIterator: this.iterator,
        Limit: Math.min(10_000, want - this.buffer.length),
      }),
      { abortSignal },
    );
    this.iterator = out.NextShardIterator;
    if (this.iterator === undefined) this.closed = true;
    const records = out.Records ?? [];
    if (records.length > 0) {
      this.buffer.push(...records);
      // Should the iterator expire, reading resumes right after what is buffered.
      this.resumeAt = {
        type: 'AFTER_SEQUENCE_NUMBER',
        sequenceNumber: records[records.length - 1].SequenceNumber ?? '',
      };
    }
    return records.length;
  }
}
