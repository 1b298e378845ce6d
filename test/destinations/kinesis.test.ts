import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DestinationConfigurationError,
  KINESIS_LIMITS,
  type KinesisEntry,
  kinesisDestination,
  MalformedResponseError,
} from '../../lib/destinations/index.js';
import { putRecordsInput, putRecordsResults } from '../../lib/destinations/kinesis.js';
import { LOCAL_AWS } from '../../local/index.js';
import { type LocalKinesis, startLocalKinesis } from './local-destinations.js';

const MiB = 1024 * 1024;
const bytes = (n: number) => new Uint8Array(n);

describe('kinesisDestination: sizes and validation', () => {
  const destination = kinesisDestination({ streamName: 's', client: undefined, region: 'us-east-1' });

  it('counts data plus the partition key in UTF-8 bytes', () => {
    // Arrange
    const entries: KinesisEntry[] = [
      { data: bytes(10), partitionKey: 'abc' },
      { data: bytes(0), partitionKey: 'é' },
      { data: bytes(1), partitionKey: '😀', explicitHashKey: '123' },
    ];

    // Act
    const sizes = entries.map((e) => destination.sizeOf(e));

    // Assert: the explicit hash key does not count.
    expect(sizes).toEqual([13, 2, 5]);
  });

  it('has the PutRecords limits, with 1 MiB per record by default', () => {
    expect(destination.limits).toEqual({
      maxEntriesPerRequest: 500,
      maxBytesPerRequest: 10 * MiB,
      maxBytesPerEntry: 1 * MiB,
    });
  });

  it('accepts a record of exactly the maximum size and rejects one byte more, naming the limit', () => {
    // Arrange
    const exact = { data: bytes(MiB - 1), partitionKey: 'k' };
    const over = { data: bytes(MiB), partitionKey: 'k' };

    // Act / Assert
    expect(destination.invalidReason(exact)).toBeUndefined();
    expect(destination.invalidReason(over)).toMatch(
      /1048577 bytes .*maximum record size of the stream, 1048576/,
    );
  });

  it('follows maxRecordBytes when the stream allows larger records', () => {
    // Arrange
    const raised = kinesisDestination({ streamName: 's', maxRecordBytes: 10 * MiB, region: 'us-east-1' });
    const entry = { data: bytes(5 * MiB), partitionKey: 'k' };

    // Act / Assert
    expect(raised.limits.maxBytesPerEntry).toBe(10 * MiB);
    expect(raised.invalidReason(entry)).toBeUndefined();
    expect(destination.invalidReason(entry)).toBeDefined();
  });

  it.each([
    ['an empty partition key', { data: bytes(1), partitionKey: '' }, /partitionKey must have 1 to 256/],
    ['a 257-character partition key', { data: bytes(1), partitionKey: 'k'.repeat(257) }, /it has 257/],
    [
      'a hash key of 2^128',
      { data: bytes(1), partitionKey: 'k', explicitHashKey: (2n ** 128n).toString() },
      /explicitHashKey/,
    ],
    [
      'a hash key with a leading zero',
      { data: bytes(1), partitionKey: 'k', explicitHashKey: '01' },
      /explicitHashKey/,
    ],
    ['a negative hash key', { data: bytes(1), partitionKey: 'k', explicitHashKey: '-1' }, /explicitHashKey/],
    [
      'data that is not bytes',
      { data: 'text' as unknown as Uint8Array, partitionKey: 'k' },
      /data must be a Uint8Array/,
    ],
  ])('rejects %s', (_, entry, reason) => {
    expect(destination.invalidReason(entry)).toMatch(reason);
  });

  it('counts the partition key in UTF-16 code units, so 128 emoji are the most a key may hold', () => {
    // Arrange
    const at = {
      data: bytes(1),
      partitionKey: '😀'.repeat(128),
      explicitHashKey: (2n ** 128n - 1n).toString(),
    };
    const over = { data: bytes(1), partitionKey: '😀'.repeat(129) };

    // Act / Assert
    expect(destination.invalidReason(at)).toBeUndefined();
    expect(destination.sizeOf(at)).toBe(1 + 4 * 128);
    expect(destination.invalidReason(over)).toMatch(/1 to 256 characters; it has 258/);
  });

  it('orders by partition key', () => {
    expect(destination.orderingKeyOf?.({ data: bytes(1), partitionKey: 'user-7' })).toBe('user-7');
  });
});

describe('kinesisDestination: options', () => {
  it.each([
    ['no stream', {}, 'streamName', /Set streamName or streamArn/],
    ['a bad stream name', { streamName: 'has space' }, 'streamName', /1 to 128/],
    [
      'a bad stream ARN',
      { streamArn: 'arn:aws:sqs:us-east-1:123456789012:q' },
      'streamArn',
      /arn:aws:kinesis/,
    ],
    [
      'maxRecordBytes below 1 MiB',
      { streamName: 's', maxRecordBytes: 1000 },
      'maxRecordBytes',
      /1048576 to 10485760/,
    ],
    [
      'maxRecordBytes above 10 MiB',
      { streamName: 's', maxRecordBytes: 11 * MiB },
      'maxRecordBytes',
      /1048576 to 10485760/,
    ],
    [
      'maxInFlightRequests of 0',
      { streamName: 's', maxInFlightRequests: 0 },
      'maxInFlightRequests',
      /integer from 1/,
    ],
  ])('refuses %s, naming the option', (_, options, option, message) => {
    // Act
    const create = () => kinesisDestination({ region: 'us-east-1', ...options });

    // Assert
    expect(create).toThrow(DestinationConfigurationError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect((error as DestinationConfigurationError).option).toBe(option);
    }
  });

  it('refuses to build its own client without a region, saying what to set', () => {
    // Arrange
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');

    // Act / Assert
    expect(() => kinesisDestination({ streamName: 's' })).toThrow(/set the AWS_REGION environment variable/);
    vi.unstubAllEnvs();
  });

  it('names itself after the stream', () => {
    expect(kinesisDestination({ streamName: 'orders', region: 'us-east-1' }).name).toBe('kinesis:orders');
  });
});

describe('kinesisDestination: request and response', () => {
  it('builds PutRecords with the stream name or ARN and the hash key only when set', () => {
    // Arrange
    const entries: KinesisEntry[] = [
      { data: bytes(1), partitionKey: 'a' },
      { data: bytes(2), partitionKey: 'b', explicitHashKey: '42' },
    ];

    // Act
    const input = putRecordsInput({ streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/s' }, entries);

    // Assert
    expect(input).toEqual({
      StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
      Records: [
        { Data: entries[0].data, PartitionKey: 'a' },
        { Data: entries[1].data, PartitionKey: 'b', ExplicitHashKey: '42' },
      ],
    });
  });

  it('maps each result by position and counts only sequence-numbered records as accepted', () => {
    // Arrange
    const output = {
      FailedRecordCount: 3,
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        { ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'no key' },
        {},
      ],
    };

    // Act
    const results = putRecordsResults(output, 5);

    // Assert
    expect(results).toEqual([
      { status: 'accepted' },
      {
        status: 'retryable',
        code: 'ProvisionedThroughputExceededException',
        message: 'Rate exceeded',
        throttled: true,
      },
      { status: 'retryable', code: 'InternalFailure', message: 'oops', throttled: false },
      { status: 'fatal', code: 'KMSAccessDeniedException', message: 'no key' },
      { status: 'retryable', code: 'MalformedResponse', message: expect.any(String) },
    ]);
  });

  it('throws a retryable MalformedResponse when the result count differs from the entries', () => {
    // Arrange
    const destination = kinesisDestination({ streamName: 's', region: 'us-east-1' });

    // Act
    const map = () => putRecordsResults({ Records: [{ SequenceNumber: '1' }] }, 2);

    // Assert
    expect(map).toThrow(MalformedResponseError);
    let thrown: unknown;
    try {
      map();
    } catch (error) {
      thrown = error;
    }
    expect(destination.classifyError(thrown)).toMatchObject({ kind: 'retryable', code: 'MalformedResponse' });
  });
});

describe('kinesisDestination: send to kinesalite', () => {
  let kinesis: LocalKinesis;

  beforeAll(async () => {
    kinesis = await startLocalKinesis();
    await kinesis.createStream('unit', 2);
  });
  afterAll(async () => {
    await kinesis.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('puts records byte for byte with the client it creates from the standard environment', async () => {
    // Arrange: the endpoint comes only from AWS_ENDPOINT_URL_KINESIS.
    vi.stubEnv('AWS_REGION', LOCAL_AWS.region);
    vi.stubEnv('AWS_ENDPOINT_URL_KINESIS', kinesis.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_AWS.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_AWS.credentials.secretAccessKey);
    const destination = kinesisDestination({ streamName: 'unit' });
    const entries: KinesisEntry[] = Array.from({ length: 20 }, (_, i) => ({
      data: Uint8Array.from([i, 0, 255, i]),
      partitionKey: `key-${i % 3}-é`,
    }));

    // Act
    const results = await destination.send(entries, new AbortController().signal);

    // Assert
    expect(results).toEqual(entries.map(() => ({ status: 'accepted' })));
    expect(await destination.client.config.maxAttempts()).toBe(1);
    const stored = await kinesis.readStream('unit');
    const key = (r: { data: Uint8Array; partitionKey: string }) =>
      `${r.partitionKey}|${Buffer.from(r.data).toString('hex')}`;
    expect(stored.map(key).sort()).toEqual(entries.map(key).sort());
    destination.client.destroy();
  });

  it('rejects with an error classified fatal when the stream does not exist', async () => {
    // Arrange
    const destination = kinesisDestination({
      streamName: 'missing',
      region: LOCAL_AWS.region,
      endpoint: kinesis.endpoint,
    });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');

    // Act
    const error = await destination
      .send([{ data: bytes(1), partitionKey: 'k' }], new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assert
    expect(destination.classifyError(error)).toMatchObject({
      kind: 'fatal',
      code: 'ResourceNotFoundException',
    });
    destination.client.destroy();
  });

  it('passes the abort signal to the client, and an aborted request is retryable', async () => {
    // Arrange
    const destination = kinesisDestination({
      streamName: 'unit',
      region: LOCAL_AWS.region,
      endpoint: kinesis.endpoint,
    });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const controller = new AbortController();
    controller.abort();

    // Act
    const error = await destination.send([{ data: bytes(1), partitionKey: 'k' }], controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(destination.classifyError(error)).toMatchObject({ kind: 'retryable', code: 'AbortError' });
    destination.client.destroy();
  });

  it('uses the limits a real batch fills: 500 records in one call', async () => {
    // Arrange
    const destination = kinesisDestination({ streamName: 'unit', client: kinesis.client });
    const entries = Array.from({ length: KINESIS_LIMITS.maxEntriesPerRequest }, (_, i) => ({
      data: Buffer.from(`record-${i}`),
      partitionKey: String(i),
    }));

    // Act
    const results = await destination.send(entries, new AbortController().signal);

    // Assert
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(500);
  });
});
