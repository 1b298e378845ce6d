/**
 * How Kinesis picks a shard: the partition key's MD5 read as a 128-bit unsigned integer,
 * or the explicit hash key when one is given; the shard whose hash-key range holds it takes
 * the record (Kinesis API reference, `PutRecords`).
 */
import { createHash } from 'node:crypto';

/** A shard and the inclusive range of hash keys it takes. */
export interface ShardRange {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

/** The 128-bit hash key Kinesis routes a record by. */
export function kinesisHashKey(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined) return BigInt(explicitHashKey);
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/**
 * The index in `ranges` (sorted by starting hash key, as open shards never overlap) of the
 * shard that takes `hashKey`, or -1 when none does (a stale map during resharding).
 */
export function shardIndexOf(ranges: readonly ShardRange[], hashKey: bigint): number {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle];
    if (hashKey < range.startingHashKey) high = middle - 1;
    else if (hashKey > range.endingHashKey) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** `count` shards splitting the hash-key space evenly, as `CreateStream` does. */
export function evenShardRanges(count: number): ShardRange[] {
  const space = 2n ** 128n;
  const step = space / BigInt(count);
  return Array.from({ length: count }, (_, index) => ({
    shardId: `shardId-${String(index).padStart(12, '0')}`,
    startingHashKey: step * BigInt(index),
    endingHashKey: index === count - 1 ? space - 1n : step * BigInt(index + 1) - 1n,
  }));
}
