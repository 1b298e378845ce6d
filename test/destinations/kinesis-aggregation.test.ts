import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncSink } from '../../lib/core/index.js';
import { type KinesisEntry, kinesisDestination } from '../../lib/destinations/index.js';
import { decodeAggregatedRecord, isAggregatedRecord } from '../../lib/kpl/index.js';
import {
  createKinesisClient,
  createKinesisStream,
  type KinesisCapacityServer,
  type LocalServer,
  listShardIds,
  readShard,
  startKinesisCapacityServer,
  startKinesisServer,
} from '../../local/index.js';
import { deaggregateWithAwsLibrary } from '../kpl/aws-kinesis-agg.js';

const SHARDS = 4;
const ONE_MIB = 1024 * 1024;

interface StoredKinesisRecord {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

async function storedRecords(client: KinesisClient, stream: string): Promise<StoredKinesisRecord[]> {
  const stored: StoredKinesisRecord[] = [];
  for (const shardId of await listShardIds(client, stream)) {
    for (const record of await readShard(client, stream, shardId)) {
      stored.push({
        shardId,
        partitionKey: record.PartitionKey ?? '',
        data: record.Data ?? new Uint8Array(),
      });
    }
  }
  return stored;
}

function userRecords(count: number, keys: number, bytes = 40): { id: string; entries: KinesisEntry[] }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(i),
    entries: [{ data: Buffer.from(`user-${i}:`.padEnd(bytes, '.')), partitionKey: `key-${i % keys}` }],
  }));
}

describe('kinesisDestination with aggregation', () => {
  let kinesalite: LocalServer;
  let capacity: KinesisCapacityServer;
  let direct: KinesisClient;
  const now = 0;

  beforeAll(async () => {
    kinesalite = await startKinesisServer();
    capacity = await startKinesisCapacityServer({ upstream: kinesalite.endpoint, clock: () => now });
    direct = createKinesisClient(kinesalite.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    direct.destroy();
    await capacity.close();
    await kinesalite.close();
  });

  function sinkFor(stream: string, maxAttempts = 8) {
    const destination = kinesisDestination({
      streamName: stream,
      client: createKinesisClient(capacity.endpoint, { maxAttempts: 1 }),
      aggregation: true,
    });
    return { destination, sink: new AsyncSink(destination, { maxAttempts, initialBackoffMs: 1 }) };
  }

  it('packs the records of each shard into few Kinesis records that aws-kinesis-agg and lib/kpl both de-aggregate', async () => {
    // Arrange: 3,000 records of 40 B over 50 keys, far more than the 1,000 records a shard takes in a second.
    await createKinesisStream(direct, 'aggregated', SHARDS);
    const { sink } = sinkFor('aggregated');
    const records = userRecords(3_000, 50);

    // Act
    const { outcomes } = await sink.run(records);
    const stored = await storedRecords(direct, 'aggregated');

    // Assert
    expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
    expect(stored.length).toBeLessThan(50);
    const shardOfKey = new Map<string, string>();
    const ours: string[] = [];
    const theirs: string[] = [];
    for (const record of stored) {
      expect(isAggregatedRecord(record.data)).toBe(true);
      const inside = decodeAggregatedRecord(record.data) ?? [];
      for (const user of inside) {
        ours.push(Buffer.from(user.data).toString());
        // Shard affinity: every user record sits on the shard its own key maps to, always the same one.
        expect(shardOfKey.get(user.partitionKey) ?? record.shardId).toBe(record.shardId);
        shardOfKey.set(user.partitionKey, record.shardId);
      }
      theirs.push(
        ...deaggregateWithAwsLibrary(record.data).map((user) => Buffer.from(user.data, 'base64').toString()),
      );
    }
    const sent = records.map((record) => Buffer.from(record.entries[0].data).toString());
    expect(ours.sort()).toEqual([...sent].sort());
    expect(theirs.sort()).toEqual([...sent].sort());
    expect(new Set(shardOfKey.values()).size).toBe(SHARDS);
  });

  it('keeps each key in order inside its shard', async () => {
    // Arrange
    await createKinesisStream(direct, 'ordered-keys', SHARDS);
    const { sink } = sinkFor('ordered-keys');

    // Act
    await sink.run(userRecords(600, 7));
    const stored = await storedRecords(direct, 'ordered-keys');

    // Assert
    const seen = new Map<string, number>();
    for (const record of stored) {
      for (const user of decodeAggregatedRecord(record.data) ?? []) {
        const index = Number(Buffer.from(user.data).toString().slice(5).split(':')[0]);
        expect(index).toBeGreaterThan(seen.get(user.partitionKey) ?? -1);
        seen.set(user.partitionKey, index);
      }
    }
    expect(seen.size).toBe(7);
  });

  it('fails every user record of a throttled aggregated record, and only those', async () => {
    // Arrange: one shard that takes 1 record a second on a frozen clock, so the second aggregated record is throttled.
    await createKinesisStream(direct, 'one-at-a-time', 1);
    capacity.setLimits({ recordsPerSecond: 1, bytesPerSecond: 10 * ONE_MIB });
    const { sink } = sinkFor('one-at-a-time', 1);
    // 40 records of 50 KB: about 20 fit one aggregated record of 1 MiB, so they make two or three.
    const records = userRecords(40, 3, 50 * 1024);

    // Act
    const { outcomes } = await sink.run(records);
    const stored = await storedRecords(direct, 'one-at-a-time');
    capacity.setLimits({ recordsPerSecond: 1e9, bytesPerSecond: 1e12 });

    // Assert
    expect(stored.length).toBe(1);
    expect(stored[0].data.length + Buffer.byteLength(stored[0].partitionKey)).toBeLessThanOrEqual(ONE_MIB);
    const inside = (decodeAggregatedRecord(stored[0].data) ?? []).map((user) =>
      Buffer.from(user.data).toString().split(':')[0].slice(5),
    );
    const done = outcomes.filter((outcome) => outcome.status === 'done').map((outcome) => outcome.id);
    expect(done.sort()).toEqual(inside.sort());
    expect(done.length).toBeGreaterThan(1);
    expect(outcomes.filter((outcome) => outcome.status === 'failed').length).toBe(40 - done.length);
  });

  it('sends a record too large to aggregate on its own, whole', async () => {
    // Arrange
    await createKinesisStream(direct, 'large', 1);
    const { sink } = sinkFor('large');
    const large = { data: new Uint8Array(ONE_MIB - 10), partitionKey: 'big-key-1' };

    // Act
    const { outcomes } = await sink.run([{ id: 'large', entries: [large] }, ...userRecords(3, 1)]);
    const stored = await storedRecords(direct, 'large');

    // Assert
    expect(outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
    expect(stored.map((record) => record.data.length).sort((a, b) => b - a)[0]).toBe(ONE_MIB - 10);
    expect(stored.length).toBe(2);
  });
});
