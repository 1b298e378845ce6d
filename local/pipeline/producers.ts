/** The producers of a local pipeline run: they write the sample records into the source. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sampleRecord, sampleRecordId } from './sample-records.js';

/** What to produce: `count` sample records of about `recordBytes` each. */
export interface ProducerPlan {
  readonly count: number;
  readonly recordBytes: number;
  /** Called with the number of records each successful write added. */
  readonly onProduced: (count: number) => void;
  /** The payload of record `index` of `count`; {@link sampleRecord} unless the destination needs another shape. */
  readonly payload?: (index: number, count: number, bytes: number) => string;
}

function payloadOf(plan: ProducerPlan, index: number): string {
  return (plan.payload ?? sampleRecord)(index, plan.count, plan.recordBytes);
}

/** Sends the records to a queue, ten per `SendMessageBatch`, several batches at once; failed entries are sent again. */
export async function produceToQueue(client: SQSClient, queueUrl: string, plan: ProducerPlan): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < plan.count) {
      const start = next;
      next = Math.min(plan.count, start + 10);
      let entries = Array.from({ length: next - start }, (_, i) => ({
        Id: String(start + i),
        MessageBody: payloadOf(plan, start + i),
      }));
      while (entries.length > 0) {
        const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        plan.onProduced(out.Successful?.length ?? 0);
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Puts the records into a stream, 500 per `PutRecords` with the record id as partition key;
 * failed entries are put again. Returns the highest sequence number written to each shard.
 */
export async function produceToStream(
  client: KinesisClient,
  streamName: string,
  plan: ProducerPlan,
): Promise<Map<string, bigint>> {
  const lastSequenceByShard = new Map<string, bigint>();
  for (let start = 0; start < plan.count; start += 500) {
    const end = Math.min(plan.count, start + 500);
    const entries: PutRecordsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({
        Data: Buffer.from(payloadOf(plan, i)),
        PartitionKey: sampleRecordId(i, plan.count),
      });
    }
    await putUntilStored(client, streamName, entries, lastSequenceByShard, plan.onProduced);
  }
  return lastSequenceByShard;
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
