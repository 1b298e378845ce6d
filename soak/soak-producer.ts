/**
 * The soak's producer: writes the sample records into the source, paced so that no more
 * than `maxBacklog` records wait unsettled at the source, and stops early when told to
 * (the run's time bound). Every record it reports produced was accepted by the source.
 */
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { putUntilStored } from '../local/pipeline/producers.js';
import { sampleRecord, sampleRecordId } from '../local/pipeline/sample-records.js';

/** What to produce, and when to wait or stop. */
export interface SoakProducerPlan {
  /** Records to produce at most; record `i` is `sampleRecord(offset + i, idTotal, recordBytes)`. */
  readonly count: number;
  /** Index of the first record: pipelines of one soak produce disjoint ranges. */
  readonly offset: number;
  /** The total the record ids are padded for. */
  readonly idTotal: number;
  readonly recordBytes: number;
  /** Records produced but not yet settled at the source, beyond which the producer waits. */
  readonly maxBacklog: number;
  /** Records settled at the source so far. */
  readonly settled: () => number;
  /** True once the producer must stop (the time bound). */
  readonly shouldStop: () => boolean;
  /** Called with the number of records each successful write added. */
  readonly onProduced: (count: number) => void;
}

/** What was produced. */
export interface ProducedRecords {
  /** Records the source accepted: `offset` to `offset + produced - 1`. */
  readonly produced: number;
  /** Kinesis: per shard, the highest sequence number written. */
  readonly lastSequenceByShard: ReadonlyMap<string, bigint>;
}

const PAUSE_MS = 20;

async function waitForRoom(plan: SoakProducerPlan, produced: () => number, next: number): Promise<boolean> {
  while (produced() + next - plan.settled() > plan.maxBacklog) {
    if (plan.shouldStop()) return false;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  return !plan.shouldStop();
}

/** Sends records to a queue, ten per `SendMessageBatch`, a few batches at once; failed entries are sent again. */
export async function produceToQueuePaced(
  client: SQSClient,
  queueUrl: string,
  plan: SoakProducerPlan,
): Promise<ProducedRecords> {
  let next = 0;
  let produced = 0;
  const worker = async () => {
    while (next < plan.count) {
      if (!(await waitForRoom(plan, () => produced, 10))) return;
      if (next >= plan.count) return;
      const start = next;
      next = Math.min(plan.count, start + 10);
      let entries = Array.from({ length: next - start }, (_, i) => ({
        Id: String(i),
        MessageBody: sampleRecord(plan.offset + start + i, plan.idTotal, plan.recordBytes),
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
 * Puts records into a stream, 500 per `PutRecords` with the record id as partition key;
 * failed entries are put again. Remembers the highest sequence number of each shard.
 */
export async function produceToStreamPaced(
  client: KinesisClient,
  streamName: string,
  plan: SoakProducerPlan,
): Promise<ProducedRecords> {
  const lastSequenceByShard = new Map<string, bigint>();
  let produced = 0;
  for (let start = 0; start < plan.count; start += 500) {
    const end = Math.min(plan.count, start + 500);
    if (!(await waitForRoom(plan, () => produced, end - start))) break;
    const entries: PutRecordsRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({
        Data: Buffer.from(sampleRecord(plan.offset + i, plan.idTotal, plan.recordBytes)),
        PartitionKey: sampleRecordId(plan.offset + i, plan.idTotal),
      });
    }
    produced += await putUntilStored(client, streamName, entries, lastSequenceByShard, plan.onProduced);
  }
  return { produced, lastSequenceByShard };
}
