import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/index.js';
import { createKinesisClient, createKinesisStream, startKinesisServer } from '../../local/index.js';

describe('startKinesisServer', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startKinesisServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 with a free port', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.endpoint).not.toMatch(/:0$/);
  });

  it('creates an ACTIVE stream and round-trips records through PutRecords and GetRecords', async () => {
    // Arrange
    const client = createKinesisClient(server.endpoint, { maxAttempts: 1 });
    await createKinesisStream(client, 'round-trip', 2);
    const payloads = Array.from({ length: 20 }, (_, i) => `record-${i}`);

    // Act
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: 'round-trip',
        Records: payloads.map((p, i) => ({ Data: Buffer.from(p), PartitionKey: `key-${i}` })),
      }),
    );
    const shards = await client.send(new ListShardsCommand({ StreamName: 'round-trip' }));
    const read: string[] = [];
    for (const shard of shards.Shards ?? []) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: 'round-trip',
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const records = await client.send(new GetRecordsCommand({ ShardIterator }));
      for (const r of records.Records ?? []) read.push(Buffer.from(r.Data ?? []).toString());
    }

    // Assert
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'round-trip' }));
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(2);
    expect(put.FailedRecordCount).toBe(0);
    expect(put.Records).toHaveLength(20);
    expect(read.sort()).toEqual([...payloads].sort());
    client.destroy();
  });

  it('closes even while a keep-alive client holds a socket', async () => {
    // Arrange
    const other = await startKinesisServer();
    const client = createKinesisClient(other.endpoint, { maxAttempts: 1 });
    await createKinesisStream(client, 'held', 1);

    // Act / Assert
    await expect(other.close()).resolves.toBeUndefined();
    client.destroy();
  });
});
