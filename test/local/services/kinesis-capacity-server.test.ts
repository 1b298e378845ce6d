import {
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evenShardRanges } from '../../../lib/destinations/kinesis-hash-key.js';
import {
  createKinesisClient,
  createKinesisStream,
  type LocalServer,
  readStream,
  startKinesisServer,
} from '../../../local/index.js';
import { KinesisCapacityModel } from '../../../local/services/kinesis-capacity.js';
import {
  type KinesisCapacityServer,
  type StoredRecord,
  startKinesisCapacityServer,
} from '../../../local/services/kinesis-capacity-server.js';

const SHARDS = 4;
const LIMITS = { recordsPerSecond: 10, bytesPerSecond: 1_000_000 };
// The same routing as the server's, to pick keys for a shard; the server's answers are checked against kinesalite's.
const router = new KinesisCapacityModel({ shards: evenShardRanges(SHARDS) });

function keysFor(shard: number, count: number, salt: string): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    if (router.route(`${salt}-${i}`) === shard) keys.push(`${salt}-${i}`);
  }
  return keys;
}

describe('startKinesisCapacityServer', () => {
  let kinesalite: LocalServer;
  let capacity: KinesisCapacityServer;
  let client: KinesisClient;
  let direct: KinesisClient;
  let now = 0;
  const stored: StoredRecord[] = [];

  beforeAll(async () => {
    kinesalite = await startKinesisServer();
    capacity = await startKinesisCapacityServer({
      upstream: kinesalite.endpoint,
      limits: LIMITS,
      clock: () => now,
      onStored: (_, records) => stored.push(...records),
    });
    client = createKinesisClient(capacity.endpoint, { maxAttempts: 1 });
    direct = createKinesisClient(kinesalite.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    direct.destroy();
    await capacity.close();
    await kinesalite.close();
  });

  it('fails only the records over their shard limit, stores the rest, and names the shard', async () => {
    // Arrange: 15 records for shard 1 (limit 10) and 5 for shard 3, in one request.
    await createKinesisStream(client, 'per-shard', SHARDS);
    const hot = keysFor(1, 15, 'hot');
    const cold = keysFor(3, 5, 'cold');
    const entries = [...hot, ...cold].map((key) => ({ Data: Buffer.from(`data-${key}`), PartitionKey: key }));

    // Act
    const answer = await client.send(new PutRecordsCommand({ StreamName: 'per-shard', Records: entries }));
    const inStream = await readStream(direct, 'per-shard');

    // Assert
    const results = answer.Records ?? [];
    expect(answer.FailedRecordCount).toBe(5);
    expect(results.slice(0, 10).every((r) => r.ShardId === 'shardId-000000000001' && r.SequenceNumber)).toBe(
      true,
    );
    expect(results.slice(10, 15).map((r) => r.ErrorCode)).toEqual(
      Array(5).fill('ProvisionedThroughputExceededException'),
    );
    expect(results[10].ErrorMessage).toMatch(
      /^Rate exceeded for shard shardId-000000000001 in stream per-shard/,
    );
    expect(results.slice(15).every((r) => r.ShardId === 'shardId-000000000003')).toBe(true);
    expect(inStream.sort()).toEqual([...hot.slice(0, 10), ...cold].map((key) => `data-${key}`).sort());
    expect(capacity.shardStats('per-shard').map((s) => s.throttled)).toEqual([0, 5, 0, 0]);
  });

  it('gives a shard room again as time passes, one second of it at most', async () => {
    // Arrange: shard 1 of 'per-shard' is empty after the test above.
    const keys = keysFor(1, 30, 'later');
    const put = () =>
      client.send(
        new PutRecordsCommand({
          StreamName: 'per-shard',
          Records: keys.map((key) => ({ Data: Buffer.from('x'), PartitionKey: key })),
        }),
      );

    // Act
    now += 500;
    const halfSecond = await put();
    now += 5_000;
    const fiveSeconds = await put();

    // Assert
    expect(30 - (halfSecond.FailedRecordCount ?? 0)).toBe(5);
    expect(30 - (fiveSeconds.FailedRecordCount ?? 0)).toBe(10);
  });

  it('routes every record to the shard kinesalite stores it in, by partition key and by explicit hash key', async () => {
    // Arrange
    await createKinesisStream(client, 'routing', SHARDS);
    capacity.setLimits({ recordsPerSecond: 1e9, bytesPerSecond: 1e12 });
    const step = 2n ** 128n / 97n;
    const entries = Array.from({ length: 200 }, (_, i) => ({
      Data: Buffer.from(String(i)),
      PartitionKey: `route-${i}-é`,
      ...(i % 2 === 0 ? { ExplicitHashKey: String(step * BigInt(i % 97)) } : {}),
    }));
    const shardIds = (await direct.send(new ListShardsCommand({ StreamName: 'routing' }))).Shards?.map(
      (s) => s.ShardId,
    );

    // Act
    const answer = await client.send(new PutRecordsCommand({ StreamName: 'routing', Records: entries }));

    // Assert
    expect(answer.FailedRecordCount).toBe(0);
    const predicted = entries.map((e) => shardIds?.[router.route(e.PartitionKey, e.ExplicitHashKey)]);
    expect(answer.Records?.map((r) => r.ShardId)).toEqual(predicted);
    capacity.setLimits(LIMITS);
  });

  it('answers a throttled PutRecord with ProvisionedThroughputExceededException and stores nothing', async () => {
    // Arrange
    await createKinesisStream(client, 'single', 1);
    const put = (i: number) =>
      client.send(
        new PutRecordCommand({ StreamName: 'single', Data: Buffer.from(`one-${i}`), PartitionKey: 'k' }),
      );
    for (let i = 0; i < LIMITS.recordsPerSecond; i++) await put(i);

    // Act
    const throttled = await put(99).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assert
    expect((throttled as Error).name).toBe('ProvisionedThroughputExceededException');
    expect((await readStream(direct, 'single')).length).toBe(LIMITS.recordsPerSecond);
    expect(stored.filter((r) => r.data === Buffer.from('one-99').toString('base64'))).toEqual([]);
  });

  it('passes every other call through to kinesalite', async () => {
    // Act
    const shards = await client.send(new ListShardsCommand({ StreamName: 'per-shard' }));

    // Assert
    expect(shards.Shards?.length).toBe(SHARDS);
  });
});
