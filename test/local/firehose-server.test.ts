import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirehoseServer } from '../../local/index.js';
import { createFirehoseClient, FIREHOSE_LIMITS, startFirehoseServer } from '../../local/index.js';

describe('startFirehoseServer', () => {
  let dir: string;
  let server: FirehoseServer;
  let client: FirehoseClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firehose-'));
    // A long interval keeps deliveries under the tests' control (flush / size).
    server = await startFirehoseServer({ dir, bufferIntervalMs: 60_000, bufferSizeBytes: 1024 * 1024 });
    client = createFirehoseClient(server.endpoint, { maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function create(name: string): Promise<string | undefined> {
    const out = await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name }));
    return out.DeliveryStreamARN;
  }

  it('creates, describes, lists and deletes delivery streams', async () => {
    // Arrange / Act
    const arn = await create('lifecycle');
    const described = await client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'lifecycle' }),
    );
    const listed = await client.send(new ListDeliveryStreamsCommand({}));
    await client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'lifecycle' }));
    const afterDelete = await client.send(new ListDeliveryStreamsCommand({}));

    // Assert
    expect(arn).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/lifecycle');
    expect(described.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(described.DeliveryStreamDescription?.DeliveryStreamARN).toBe(arn);
    expect(described.DeliveryStreamDescription?.CreateTimestamp).toBeInstanceOf(Date);
    expect(listed.DeliveryStreamNames).toContain('lifecycle');
    expect(afterDelete.DeliveryStreamNames).not.toContain('lifecycle');
  });

  it('accepts a batch, answers a RecordId per record, and delivers the bytes to files in order', async () => {
    // Arrange
    await create('deliver');
    const records = Array.from({ length: 500 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 1 + (i % 300)));

    // Act
    const batch = await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'deliver',
        Records: records.map((Data) => ({ Data })),
      }),
    );
    const single = await client.send(
      new PutRecordCommand({ DeliveryStreamName: 'deliver', Record: { Data: Buffer.from('tail') } }),
    );
    const delivered = await server.readDelivered('deliver');

    // Assert
    expect(batch.FailedPutCount).toBe(0);
    expect(batch.Encrypted).toBe(false);
    expect(batch.RequestResponses).toHaveLength(500);
    const ids = new Set(batch.RequestResponses?.map((r) => r.RecordId));
    expect(ids.size).toBe(500);
    expect(single.RecordId).toBeTruthy();
    expect(delivered).toEqual([...records, Buffer.from('tail')]);
    const files = server.deliveredFiles('deliver');
    expect(files.length).toBeGreaterThan(0);
    expect(path.relative(dir, files[0])).toMatch(
      /^deliver\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/deliver-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$/,
    );
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
    expect(bytes.equals(Buffer.concat([...records, Buffer.from('tail')]))).toBe(true);
    expect(server.deliveredCount('deliver')).toBe(501);
  });

  it('delivers on its own once the buffer size is reached', async () => {
    // Arrange
    await create('by-size');
    const big = Array.from({ length: 3 }, () => randomBytes(400 * 1024));

    // Act
    await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'by-size', Records: big.map((Data) => ({ Data })) }),
    );
    await server.readDelivered('by-size', { flush: false });

    // Assert
    expect(server.deliveredCount('by-size')).toBe(3);
  });

  it('delivers on its own once the buffer interval has passed', async () => {
    // Arrange
    const quickDir = await mkdtemp(path.join(tmpdir(), 'firehose-quick-'));
    const quick = await startFirehoseServer({ dir: quickDir, bufferIntervalMs: 20 });
    const quickClient = createFirehoseClient(quick.endpoint, { maxAttempts: 1 });
    await quickClient.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'by-time' }));

    // Act
    await quickClient.send(
      new PutRecordCommand({ DeliveryStreamName: 'by-time', Record: { Data: Buffer.from('x') } }),
    );
    const deadline = Date.now() + 5000;
    while (quick.deliveredCount('by-time') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    // Assert
    expect(quick.deliveredCount('by-time')).toBe(1);
    quickClient.destroy();
    await quick.close();
    await rm(quickDir, { recursive: true, force: true });
  });

  describe('rejects what the real service rejects', () => {
    beforeAll(async () => {
      await create('limits');
    });

    it.each([
      {
        name: `more than ${FIREHOSE_LIMITS.maxRecordsPerBatch} records`,
        records: () => Array.from({ length: 501 }, () => Buffer.from('a')),
        error: 'ValidationException',
      },
      {
        name: 'an empty batch',
        records: () => [],
        error: 'ValidationException',
      },
      {
        name: 'a record over 1,000 KiB',
        records: () => [Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes + 1)],
        error: 'ValidationException',
      },
      {
        name: 'a request over 4 MiB',
        records: () => Array.from({ length: 5 }, () => Buffer.alloc(1_000_000)),
        error: 'InvalidArgumentException',
      },
    ])('$name with $error', async ({ records, error }) => {
      // Act
      const put = client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'limits',
          Records: records().map((Data) => ({ Data })),
        }),
      );

      // Assert
      await expect(put).rejects.toMatchObject({ name: error, $metadata: { httpStatusCode: 400 } });
      expect(server.deliveredCount('limits')).toBe(0);
    });

    it('accepts a record of exactly 1,000 KiB and a request of exactly 4 MiB', async () => {
      // Arrange
      const records = [
        ...Array.from({ length: 4 }, () => Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 1)),
        Buffer.alloc(FIREHOSE_LIMITS.maxBatchBytes - 4 * FIREHOSE_LIMITS.maxRecordBytes, 2),
      ];

      // Act
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'limits',
          Records: records.map((Data) => ({ Data })),
        }),
      );

      // Assert
      expect(out.FailedPutCount).toBe(0);
      const delivered = await server.readDelivered('limits');
      // Buffer.equals: a deep toEqual over 4 MiB is needlessly slow.
      expect(delivered.map((b) => b.length)).toEqual(records.map((b) => b.length));
      expect(delivered.every((b, i) => b.equals(records[i]))).toBe(true);
    });

    it('answers ResourceNotFoundException for an unknown stream', async () => {
      const put = client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'missing', Records: [{ Data: Buffer.from('a') }] }),
      );
      await expect(put).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('answers ResourceInUseException when the stream exists', async () => {
      await expect(create('limits')).rejects.toMatchObject({ name: 'ResourceInUseException' });
    });
  });
});
