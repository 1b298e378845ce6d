/**
 * The producers of a local pipeline run and of the soak: they write the sample records into
 * the source, and, when paced, wait while too many records are unsettled at the source and
 * stop early when told to (the soak's time bound). Every record they report produced was
 * accepted by the source.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sampleRecord, sampleRecordId } from './sample-records.js';

/** When a paced producer waits, and when it stops. */
export interface ProducerPace {
  /** Records produced but not yet settled at the source, beyond which the producer waits. */
  readonly maxBacklog: number;
  /** Records settled at the source so far. */
  readonly settled: () => number;
  /** True once the producer must stop (a time bound). */
  readonly shouldStop: () => boolean;
}

/** What to produce: `count` sample records of about `recordBytes` each, numbered from `offset`. */
export interface ProducerPlan {
  readonly count: number;
  readonly recordBytes: number;
  /** Index of the first record: the pipelines of one soak produce disjoint ranges. Default 0. */
  readonly offset?: number;
  /** The total the record ids are padded for. Default `count`. */
  readonly idTotal?: number;
  /** Called with the number of records each successful write added. */
  readonly onProduced: (count: number) => void;
  /** The payload of record `index` of `total`; {@link sampleRecord} unless the destination needs another shape. */
  readonly payload?: (index: number, total: number, bytes: number) => string;
  /** Unpaced (as fast as the source takes them) unless given. */
  readonly pace?: ProducerPace;
}

/** What was produced. */
export interface ProducedRecords {
  /** Records the source accepted: `offset` to `offset + produced - 1`. */
  readonly produced: number;
  /** Kinesis: per shard, the highest sequence number written. */
  readonly lastSequenceByShard: ReadonlyMap<string, bigint>;
}

const PAUSE_MS = 20;

function payloadOf(plan: ProducerPlan, i: number): string {
  const index = (plan.offset ?? 0) + i;
  return (plan.payload ?? sampleRecord)(index, plan.idTotal ?? plan.count, plan.recordBytes);
}

/** Waits until `next` more records fit in the backlog; false once the producer must stop. */
export async function waitForRoom(
  pace: ProducerPace | undefined,
  produced: number,
  next: number,
): Promise<boolean> {
  if (pace === undefined) return true;
  while (produced + next - pace.settled() > pace.maxBacklog) {
    if (pace.shouldStop()) return false;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  return !pace.shouldStop();
}

/** Sends the records to a queue, ten per `SendMessageBatch`, several batches at once; failed entries are sent again. */
export async function produceToQueue(
  client: SQSClient,
  queueUrl: string,
  plan: ProducerPlan,
): Promise<ProducedRecords> {
  let next = 0;
  let produced = 0;
  const worker = async () => {
    while (next < plan.count) {
      if (!(await waitForRoom(plan.pace, produced, 10)) || next >= plan.count) return;
      const start = next;
      next = Math.min(plan.count, start + 10);
      let entries = Array.from({ length: next - start }, (_, i) => ({
        Id: String(i),
        MessageBody: payloadOf(plan, start + i),
      }));
      while (entries.length > 0) {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        const ok = out.Successful?.length ?? 0;
        produced += ok;
        plan.onProduced(ok);
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { produced, lastSequenceByShard: new Map() };
}

/**
 * Puts the records into a stream, 500 per `PutRecords` with the record id as partition key;
 * failed entries are put again. Remembers the highest sequence number written to each shard.
 */
export async function produceToStream(
  client: KinesisClient,
  streamName: string,
  plan: ProducerPlan,
): Promise<ProducedRecords> {
  const lastSequenceByShard = new Map<string, bigint>();
  const offset = plan.offset ?? 0;
  let produced = 0;
  for (let start = 0; start < plan.count; start += 500) {
    const end = Math.min(plan.count, start + 500);
    if (!(await waitForRoom(plan.pace, produced, end - start))) break;
    const entries: PutRecordsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({
        Data: Buffer.from(payloadOf(plan, i)),
        PartitionKey: sampleRecordId(offset + i, plan.idTotal ?? plan.count),
      });
    }
    produced += await putUntilStored(client, streamName, entries, lastSequenceByShard, plan.onProduced);
  }
  return { produced, lastSequenceByShard };
}

/**
 * Puts `entries` with `PutRecords`, putting the failed ones again until every one is stored;
 * records the highest sequence number written to each shard. Answers how many were stored.
 */
export async function putUntilStored(
  client: KinesisClient,
  streamName: string,
  entries: PutRecordsRequestEntry[],
  lastSequenceByShard: Map<string, bigint>,
  onStored: (count: number) => void,
): Promise<number> {
  let pending = entries;
  let stored = 0;
  while (pending.length > 0) {
    const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
    const retry: PutRecordsRequestEntry[] = [];
    (out.Records ?? []).forEach((result, i) => {
      if (result.ErrorCode || !result.ShardId || !result.SequenceNumber) {
        retry.push(pending[i]);
        return;
      }
      const sequence = BigInt(result.SequenceNumber);
      if (sequence > (lastSequenceByShard.get(result.ShardId) ?? -1n)) {
        lastSequenceByShard.set(result.ShardId, sequence);
      }
    });
    stored += pending.length - retry.length;
    onStored(pending.length - retry.length);
    pending = retry;
  }
  return stored;
}
