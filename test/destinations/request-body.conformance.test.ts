/**
 * The request bodies the destinations build themselves against the SDK's own serializer:
 * for random batches (empty and binary data, astral characters, lone surrogates, control
 * characters, every optional field) the request the client puts on the wire is the same,
 * byte for byte, either way, both through a user's client (the body middleware on the
 * command) and through a client the destination creates (the middleware on the client,
 * resolved once and cached). The SDK is the reference: an SDK upgrade that changes the
 * wire format fails here, not in production.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type FirehoseEntry, putRecordBatchRequest } from '../../lib/destinations/firehose.js';
import { type KinesisEntry, putRecordsRequest } from '../../lib/destinations/kinesis.js';
import { type BatchRequest, sendOptions, withBuiltBodies } from '../../lib/destinations/prebuilt-body.js';
import {
  type MessageAttributeValue,
  type SqsEntry,
  sendMessageBatchRequest,
} from '../../lib/destinations/sqs.js';
import { sendMessageBatchBody } from '../../lib/destinations/sqs-batch-body.js';

/** Random batches per operation. */
const RUNS = 400;
/** The least number of entries each operation must have been checked with. */
const LEAST_ENTRIES = 2_000;

/** What the client put on the wire, without the parts that change with the clock (date, signature). */
interface WireRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly path: string;
}

class Captured extends Error {
  constructor(readonly request: WireRequest) {
    super('captured');
  }
}

const COMPARED_HEADERS = ['content-length', 'content-type', 'x-amz-target', 'x-amzn-query-mode', 'host'];

/** A request handler that keeps the signed request and answers nothing: the comparison ends there. */
const capturingHandler = {
  async handle(request: { body?: unknown; headers: Record<string, string>; path: string }): Promise<never> {
    const body = request.body;
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body as Uint8Array);
    const headers: Record<string, string> = {};
    for (const name of COMPARED_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    throw new Captured({ body: bytes, headers, path: request.path });
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
};

const config = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
  requestHandler: capturingHandler,
};
const kinesis = new KinesisClient(config);
const firehose = new FirehoseClient(config);
const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
// As the destinations create their own: the body middleware on the client, its handler cached.
const own = {
  kinesis: withBuiltBodies(new KinesisClient({ ...config, cacheMiddleware: true })),
  firehose: withBuiltBodies(new FirehoseClient({ ...config, cacheMiddleware: true })),
  sqs: withBuiltBodies(new SQSClient({ ...config, useQueueUrlAsEndpoint: false, cacheMiddleware: true })),
};

interface AnyClient {
  send(command: unknown, options?: unknown): Promise<unknown>;
}

/** What `client` puts on the wire for `request`, sent as a destination sends it. */
async function wire(
  client: AnyClient,
  request: BatchRequest<{ readonly input: object; readonly middlewareStack: { add: unknown } }>,
  ownClient = false,
): Promise<WireRequest> {
  try {
    await client.send(request.command, sendOptions(request, new AbortController().signal, ownClient));
  } catch (error) {
    if (error instanceof Captured) return error.request;
    throw error;
  }
  throw new Error('the request handler was not called');
}

// Characters that test every branch of a JSON string writer.
const specialCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('"', '\\', '/', '\u007f', '\u0080', '\u2028', '\u2029', '\ufeff', '\uffff', 'é', '😀', '𝄞'),
);
const character = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: specialCharacter },
);
const text = (minLength: number, maxLength: number) => fc.string({ unit: character, minLength, maxLength });

/** Bytes, empty included, sometimes a view into a larger buffer (a non-zero byteOffset). */
const bytes = fc
  .tuple(fc.uint8Array({ minLength: 0, maxLength: 96 }), fc.nat({ max: 7 }), fc.nat({ max: 7 }))
  .map(([data, before, after]) => {
    if (before === 0 && after === 0) return data;
    const larger = new Uint8Array(before + data.length + after).fill(0xaa);
    larger.set(data, before);
    return new Uint8Array(larger.buffer, before, data.length);
  });

const kinesisEntry: fc.Arbitrary<KinesisEntry> = fc.record(
  {
    data: bytes,
    partitionKey: text(1, 40),
    explicitHashKey: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), text(0, 10)),
  },
  { requiredKeys: ['data', 'partitionKey'] },
);
const stream = fc.oneof(
  fc.record({ streamName: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/) }),
  fc.record({ streamArn: fc.constant('arn:aws:kinesis:us-east-1:123456789012:stream/orders') }),
  fc.record({
    streamName: fc.constant('orders'),
    streamArn: fc.constant('arn:aws:kinesis:us-east-1:123456789012:stream/orders'),
  }),
);

const attributeValue: fc.Arbitrary<MessageAttributeValue> = fc.record(
  {
    DataType: fc.oneof(fc.constantFrom('String', 'Number', 'Binary', 'String.custom'), text(0, 12)),
    StringValue: text(0, 30),
    BinaryValue: bytes,
    StringListValues: fc.array(text(0, 10), { maxLength: 3 }),
    BinaryListValues: fc.array(bytes, { maxLength: 3 }),
  },
  { requiredKeys: ['DataType'] },
);
const attributes = fc.dictionary(
  fc.oneof(text(0, 12), fc.constantFrom('0', '1', '2', '10', '01', '-1', '4294967295', 'a', '__proto__x')),
  attributeValue,
  { maxKeys: 5 },
);
const sqsEntry: fc.Arbitrary<SqsEntry> = fc.record(
  {
    body: text(0, 80),
    messageAttributes: attributes,
    delaySeconds: fc.integer({ min: 0, max: 900 }),
    messageGroupId: text(0, 20),
    messageDeduplicationId: text(0, 20),
  },
  { requiredKeys: ['body'] },
);
const queueUrl = fc.constantFrom(
  'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
  'http://sqs.us-east-1.localhost:4566/000000000000/orders.fifo',
);

const checked = { kinesis: 0, firehose: 0, sqs: 0 };

afterAll(() => {
  // The case count of the report: how many random entries each operation was checked with.
  process.stdout.write(`request-body conformance: entries checked ${JSON.stringify(checked)}\n`);
});

describe('request bodies the destinations build equal the SDK serializer output', () => {
  it('PutRecords, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        fc.array(kinesisEntry, { minLength: 1, maxLength: 25 }),
        async (target, entries) => {
          const sdk = await wire(kinesis, putRecordsRequest(target, entries, 'sdk'));
          const built = await wire(kinesis, putRecordsRequest(target, entries, 'built'));
          const ownBuilt = await wire(own.kinesis, putRecordsRequest(target, entries, 'built'), true);

          for (const request of [built, ownBuilt]) {
            expect(request.body.equals(sdk.body)).toBe(true);
            expect(request.headers).toEqual(sdk.headers);
            expect(request.path).toBe(sdk.path);
          }
          checked.kinesis += entries.length;
        },
      ),
      { numRuns: RUNS },
    );
    expect(checked.kinesis).toBeGreaterThanOrEqual(LEAST_ENTRIES);
  });

  it('PutRecordBatch, byte for byte', async () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,64}$/);
    const entries = fc.array(
      bytes.map((data): FirehoseEntry => ({ data })),
      { minLength: 1, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(name, entries, async (deliveryStreamName, batch) => {
        const sdk = await wire(firehose, putRecordBatchRequest(deliveryStreamName, batch, 'sdk'));
        const built = await wire(firehose, putRecordBatchRequest(deliveryStreamName, batch, 'built'));
        const ownBuilt = await wire(
          own.firehose,
          putRecordBatchRequest(deliveryStreamName, batch, 'built'),
          true,
        );

        for (const request of [built, ownBuilt]) {
          expect(request.body.equals(sdk.body)).toBe(true);
          expect(request.headers).toEqual(sdk.headers);
        }
        checked.firehose += batch.length;
      }),
      { numRuns: RUNS },
    );
    expect(checked.firehose).toBeGreaterThanOrEqual(LEAST_ENTRIES);
  });

  it('SendMessageBatch, byte for byte, every optional field', async () => {
    await fc.assert(
      fc.asyncProperty(
        queueUrl,
        fc.array(sqsEntry, { minLength: 1, maxLength: 10 }),
        async (url, entries) => {
          expect(sendMessageBatchBody(url, entries)).toBeDefined();

          const sdk = await wire(sqs, sendMessageBatchRequest(url, entries, 'sdk'));
          const built = await wire(sqs, sendMessageBatchRequest(url, entries, 'built'));
          const ownBuilt = await wire(own.sqs, sendMessageBatchRequest(url, entries, 'built'), true);

          for (const request of [built, ownBuilt]) {
            expect(request.body.equals(sdk.body)).toBe(true);
            expect(request.headers).toEqual(sdk.headers);
          }
          checked.sqs += entries.length;
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(checked.sqs).toBeGreaterThanOrEqual(LEAST_ENTRIES);
  });

  it('SendMessageBatch: a value of a type the destination does not write goes through the SDK serializer', async () => {
    // Arrange: bytes given as a string, which the SDK encodes and the builder leaves to it.
    const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
    const entries = [
      {
        body: 'hello',
        messageAttributes: { a: { DataType: 'Binary', BinaryValue: 'text' as unknown as Uint8Array } },
      },
    ];

    // Act
    const fallback = sendMessageBatchBody(url, entries);
    const sdk = await wire(sqs, sendMessageBatchRequest(url, entries, 'sdk'));
    const built = await wire(own.sqs, sendMessageBatchRequest(url, entries, 'built'), true);

    // Assert
    expect(fallback).toBeUndefined();
    expect(built.body.equals(sdk.body)).toBe(true);
    expect(JSON.parse(sdk.body.toString()).Entries[0].MessageAttributes.a.BinaryValue).toBe('dGV4dA==');
  });
});
