import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { putRecordBatchInput, putRecordBatchResults } from '../../lib/destinations/firehose.js';
import {
  DestinationConfigurationError,
  type FirehoseEntry,
  firehoseDestination,
  MalformedResponseError,
} from '../../lib/destinations/index.js';
import { LOCAL_AWS } from '../../local/index.js';
import { type LocalFirehose, startLocalFirehose } from './local-destinations.js';

const bytes = (n: number) => new Uint8Array(n);

describe('firehoseDestination: sizes and validation', () => {
  const destination = firehoseDestination({ deliveryStreamName: 'd', region: 'us-east-1' });

  it('has the PutRecordBatch limits and counts data before base64', () => {
    // Act / Assert
    expect(destination.limits).toEqual({
      maxEntriesPerRequest: 500,
      maxBytesPerRequest: 4 * 1024 * 1024,
      maxBytesPerEntry: 1_024_000,
    });
    expect(destination.sizeOf({ data: bytes(3) })).toBe(3);
    expect(destination.sizeOf({ data: Buffer.from('ü') })).toBe(2);
  });

  it('accepts a record of 1,000 KiB and rejects one byte more, naming the limit', () => {
    // Act / Assert
    expect(destination.invalidReason({ data: bytes(1_024_000) })).toBeUndefined();
    expect(destination.invalidReason({ data: bytes(1_024_001) })).toMatch(
      /1024001 bytes.*1024000 bytes \(1,000 KiB\)/,
    );
    expect(destination.invalidReason({ data: 'x' as unknown as Uint8Array })).toMatch(/Uint8Array/);
  });

  it('has no ordering key and names itself after the stream', () => {
    expect(destination.orderingKeyOf?.({ data: bytes(1) })).toBeUndefined();
    expect(destination.name).toBe('firehose:d');
  });

  it.each([
    ['no name', undefined],
    ['an empty name', ''],
    ['a name of 65 characters', 'x'.repeat(65)],
    ['a name with a slash', 'a/b'],
  ])('refuses %s, saying what to set', (_, deliveryStreamName) => {
    // Act
    const create = () =>
      firehoseDestination({ deliveryStreamName: deliveryStreamName as string, region: 'us-east-1' });

    // Assert
    expect(create).toThrow(DestinationConfigurationError);
    expect(create).toThrow(/deliveryStreamName must be the Firehose stream name/);
  });
});

describe('firehoseDestination: request and response', () => {
  it('builds PutRecordBatch from the entries', () => {
    // Arrange
    const entries: FirehoseEntry[] = [{ data: Buffer.from('a') }, { data: Buffer.from('b') }];

    // Act / Assert
    expect(putRecordBatchInput('d', entries)).toEqual({
      DeliveryStreamName: 'd',
      Records: [{ Data: entries[0].data }, { Data: entries[1].data }],
    });
  });

  it('maps each result by position; ServiceUnavailableException is throttling', () => {
    // Arrange
    const output = {
      FailedPutCount: 2,
      RequestResponses: [
        { RecordId: 'r1' },
        { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        {},
      ],
    };

    // Act
    const results = putRecordBatchResults(output, 4);

    // Assert
    expect(results).toEqual([
      { status: 'accepted' },
      { status: 'retryable', code: 'ServiceUnavailableException', message: 'Slow down.', throttled: true },
      { status: 'retryable', code: 'InternalFailure', message: 'oops', throttled: false },
      { status: 'retryable', code: 'MalformedResponse', message: expect.any(String) },
    ]);
  });

  it('throws MalformedResponse when the response has another number of results', () => {
    expect(() => putRecordBatchResults({ FailedPutCount: 0, RequestResponses: [] }, 1)).toThrow(
      MalformedResponseError,
    );
  });
});

describe('firehoseDestination: send to the local Firehose', () => {
  let firehose: LocalFirehose;

  beforeAll(async () => {
    firehose = await startLocalFirehose();
    await firehose.createDeliveryStream('unit');
  });
  afterAll(async () => {
    await firehose.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('delivers records byte for byte with the client it creates from the standard environment', async () => {
    // Arrange
    vi.stubEnv('AWS_REGION', LOCAL_AWS.region);
    vi.stubEnv('AWS_ENDPOINT_URL_FIREHOSE', firehose.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const destination = firehoseDestination({ deliveryStreamName: 'unit' });
    const entries = Array.from({ length: 30 }, (_, i) => ({ data: Buffer.from(`rec-${i}-\u00e9\n`) }));

    // Act
    const results = await destination.send(entries, new AbortController().signal);

    // Assert
    expect(results).toEqual(entries.map(() => ({ status: 'accepted' })));
    const delivered = await firehose.readDelivered('unit');
    expect(delivered.map((b) => b.toString('hex'))).toEqual(entries.map((e) => e.data.toString('hex')));
    destination.client.destroy();
  });

  it('rejects with an error classified fatal when the delivery stream does not exist', async () => {
    // Arrange
    const destination = firehoseDestination({ deliveryStreamName: 'missing', client: firehose.client });

    // Act
    const error = await destination.send([{ data: bytes(1) }], new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(destination.classifyError(error)).toMatchObject({
      kind: 'fatal',
      code: 'ResourceNotFoundException',
    });
  });
});
