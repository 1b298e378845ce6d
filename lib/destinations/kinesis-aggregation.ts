/**
 * KPL aggregation for the Kinesis destination (opt-in). Kinesis limits each shard to 1,000
 * records per second and bills every record as at least one 25 KB PUT payload unit, so small
 * records hit the record limit at a fraction of the byte limit. Aggregation packs the user
 * records bound for the same shard (by the cached shard map) into KPL aggregated records
 * (magic, protobuf `AggregatedRecord`, MD5; `lib/kpl`), each up to the stream's record size:
 * per-key order and shard affinity hold, and consumers that de-aggregate (the KCL, Lambda with
 * `aws-kinesis-agg`, this toolkit's Kinesis source) see the user records. A failed aggregated
 * record fails every user record inside it.
 */
import type { EntryResult } from '../core/types.js';
import { AggregatedRecordBuilder } from '../kpl/index.js';
import type { KinesisEntry } from './kinesis.js';
import { kinesisHashKey, type ShardRange, shardIndexOf } from './kinesis-hash-key.js';
import type { KinesisShardMap } from './kinesis-shard-map.js';
import { utf8Length } from './utf8.js';

/** Kinesis records packed from a batch of user records. */
export interface PackedBatch {
  /** The records to put: aggregated, or a user record alone. */
  readonly records: readonly KinesisEntry[];
  /** For each record, the indices of the user records it carries. */
  readonly members: readonly (readonly number[])[];
  /** For each record, the shard the map expects it on ('' when the map knew none). */
  readonly expectedShards: readonly string[];
}

/**
 * Most bytes a user record adds to an aggregated record beyond its data and partition key:
 * the record's tag and length (≤ 1 + 3), its key index (1 + ≤ 3), its data's tag and length
 * (1 + ≤ 4), an explicit hash key index (1 + ≤ 3). The core packs requests with this headroom,
 * so the request limits hold once the batch is aggregated.
 */
export const AGGREGATION_OVERHEAD_PER_RECORD = 17;

/** Packs user records into aggregated records per shard. One per execution environment. */
export class KinesisAggregator {
  constructor(
    private readonly shardMap: KinesisShardMap,
    /** The stream's maximum record size: data plus partition key of the Kinesis record. */
    private readonly maxRecordBytes: number,
  ) {}

  /** Groups `entries` by shard, in order, and fills aggregated records up to the record size. */
  async pack(entries: readonly KinesisEntry[], signal?: AbortSignal): Promise<PackedBatch> {
    const shards = await this.shardMap.shards(signal);
    const groups = new Map<number, number[]>();
    for (let index = 0; index < entries.length; index++) {
      const shard = this.shardOf(shards, entries[index]);
      const group = groups.get(shard);
      if (group) group.push(index);
      else groups.set(shard, [index]);
    }
    const records: KinesisEntry[] = [];
    const members: number[][] = [];
    const expectedShards: string[] = [];
    for (const [shard, indices] of groups) {
      const shardId = shard < 0 ? '' : shards[shard].shardId;
      // A key no open shard takes means a stale map: those records go alone, and the map is read again.
      if (shard < 0) {
        for (const index of indices)
          this.push(records, members, expectedShards, entries[index], [index], shardId);
        continue;
      }
      this.fill(entries, indices, shardId, records, members, expectedShards);
    }
    return { records, members, expectedShards };
  }

  /** One result per user record: each gets the result of the Kinesis record that carried it. */
  spread(packed: PackedBatch, results: readonly EntryResult[], count: number): EntryResult[] {
    const spread: EntryResult[] = new Array(count);
    packed.members.forEach((indices, record) => {
      for (const index of indices) spread[index] = results[record];
    });
    return spread;
  }

  private shardOf(shards: readonly ShardRange[], entry: KinesisEntry): number {
    const shard = shardIndexOf(shards, kinesisHashKey(entry.partitionKey, entry.explicitHashKey));
    if (shard < 0) this.shardMap.refresh();
    return shard;
  }

  private fill(
    entries: readonly KinesisEntry[],
    indices: readonly number[],
    shardId: string,
    records: KinesisEntry[],
    members: number[][],
    expectedShards: string[],
  ): void {
    let builder: AggregatedRecordBuilder | undefined;
    let carried: number[] = [];
    let first: KinesisEntry | undefined;
    const flush = () => {
      if (builder === undefined || first === undefined) return;
      // A lone record goes as it is: aggregating it would only add 20 bytes of framing.
      const record: KinesisEntry =
        carried.length === 1
          ? first
          : {
              data: builder.encode(),
              partitionKey: first.partitionKey,
              ...(first.explicitHashKey === undefined ? {} : { explicitHashKey: first.explicitHashKey }),
            };
      this.push(records, members, expectedShards, record, carried, shardId);
      builder = undefined;
      carried = [];
      first = undefined;
    };
    for (const index of indices) {
      const entry = entries[index];
      if (builder !== undefined && first !== undefined) {
        const size = builder.sizeWith(entry) + utf8Length(first.partitionKey);
        if (size > this.maxRecordBytes) flush();
      }
      if (builder === undefined) {
        builder = new AggregatedRecordBuilder();
        first = entry;
        // A user record too large to aggregate with its framing still fits the stream alone.
        if (builder.sizeWith(entry) + utf8Length(entry.partitionKey) > this.maxRecordBytes) {
          this.push(records, members, expectedShards, entry, [index], shardId);
          builder = undefined;
          first = undefined;
          continue;
        }
      }
      builder.add(entry);
      carried.push(index);
    }
    flush();
  }

  private push(
    records: KinesisEntry[],
    members: number[][],
    expectedShards: string[],
    record: KinesisEntry,
    carried: number[],
    shardId: string,
  ): void {
    records.push(record);
    members.push(carried);
    expectedShards.push(shardId);
  }
}
