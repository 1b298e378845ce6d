import type { SendMessageBatchResultEntry } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DestinationConfigurationError,
  deduplicationIdFor,
  type SqsEntry,
  sqsDestination,
} from '../../lib/destinations/index.js';
import { sendMessageBatchInput, sendMessageBatchResults } from '../../lib/destinations/sqs.js';
import { md5Mismatches } from '../../lib/destinations/sqs-batch-body.js';
import { LOCAL_AWS } from '../../local/index.js';
import { type LocalSqs, startLocalSqs } from './local-destinations.js';

const MiB = 1024 * 1024;
const STANDARD_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const FIFO_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';

const QUEUES = [
  { kind: 'standard', queueUrl: STANDARD_URL, fifo: false },
  { kind: 'FIFO', queueUrl: FIFO_URL, fifo: true },
] as const;

/** A valid entry for the kind of queue. */
function validEntry(fifo: boolean, body = 'hello'): SqsEntry {
  return fifo ? { body, messageGroupId: 'g', messageDeduplicationId: 'd' } : { body };
}

describe('sqsDestination: sizes', () => {
  const destination = sqsDestination({ queueUrl: STANDARD_URL, region: 'us-east-1' });

  it('counts the body plus each attribute name, data type and value in UTF-8 bytes', () => {
    // Arrange
    const entry: SqsEntry = {
      body: 'héllo',
      messageAttributes: {
        kind: { DataType: 'String', StringValue: 'ñ' },
        n: { DataType: 'Number.int', StringValue: '42' },
        raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
      },
    };

    // Act
    const size = destination.sizeOf(entry);

    // Assert: 6 + (4 + 6 + 2) + (1 + 10 + 2) + (3 + 6 + 3)
    expect(size).toBe(43);
  });

  it('has the SendMessageBatch limits: 10 entries, 1 MiB a message and a request', () => {
    expect(destination.limits).toEqual({
      maxEntriesPerRequest: 10,
      maxBytesPerRequest: MiB,
      maxBytesPerEntry: MiB,
    });
  });

  it('accepts a message of exactly 1 MiB with attributes and rejects one byte more', () => {
    // Arrange
    const attributes = { a: { DataType: 'String', StringValue: 'v' } }; // 1 + 6 + 1 bytes
    const exact = { body: 'x'.repeat(MiB - 8), messageAttributes: attributes };
    const over = { body: 'x'.repeat(MiB - 7), messageAttributes: attributes };

    // Act / Assert
    expect(destination.invalidReason(exact)).toBeUndefined();
    expect(destination.invalidReason(over)).toMatch(/1048577 bytes \(body \+ attributes\).*1048576/);
  });

  it("follows a queue's smaller maxMessageBytes", () => {
    // Arrange
    const small = sqsDestination({ queueUrl: STANDARD_URL, region: 'us-east-1', maxMessageBytes: 262_144 });

    // Act / Assert
    expect(small.limits.maxBytesPerEntry).toBe(262_144);
    expect(small.invalidReason({ body: 'x'.repeat(262_145) })).toMatch(/262144/);
  });
});

describe.each(QUEUES)('sqsDestination on a $kind queue: validation', ({ queueUrl, fifo }) => {
  const destination = sqsDestination({ queueUrl, region: 'us-east-1' });

  it.each([
    ['tab, newline and carriage return', '\t\n\r'],
    ['characters up to U+FFFD', 'a\u00e9\uD7FF\uE000\uFFFD'],
    ['characters above U+FFFF', '\u{10000}😀\u{10FFFF}'],
  ])('accepts a body with %s', (_, body) => {
    expect(destination.invalidReason(validEntry(fifo, body))).toBeUndefined();
  });

  it.each([
    ['U+0000', 'a\u0000b', /U\+0000 at index 1/],
    ['U+001F', '\u001F', /U\+001F/],
    ['U+FFFE', '\uFFFE', /U\+FFFE/],
    ['a lone surrogate', 'x\uD800', /U\+D800/],
  ])('rejects a body with %s', (_, body, reason) => {
    expect(destination.invalidReason(validEntry(fifo, body))).toMatch(reason);
  });

  it('rejects an empty body', () => {
    expect(destination.invalidReason(validEntry(fifo, ''))).toMatch(/body must be a non-empty string/);
  });

  it.each([
    [
      '11 attributes',
      Object.fromEntries(
        Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
      ),
      /at most 10/,
    ],
    [
      'a reserved AWS. prefix',
      { 'AWS.trace': { DataType: 'String', StringValue: 'v' } },
      /not start with AWS\./,
    ],
    [
      'a reserved amazon. prefix',
      { 'amazon.x': { DataType: 'String', StringValue: 'v' } },
      /not start with AWS\./,
    ],
    ['two periods in a row', { 'a..b': { DataType: 'String', StringValue: 'v' } }, /period/],
    ['a space in the name', { 'a b': { DataType: 'String', StringValue: 'v' } }, /\[A-Za-z0-9_.-\]/],
    ['an unknown data type', { a: { DataType: 'Date', StringValue: 'v' } }, /String, Number or Binary/],
    ['a Number that is not a number', { a: { DataType: 'Number', StringValue: 'ten' } }, /decimal number/],
    ['a String without a value', { a: { DataType: 'String' } }, /non-empty StringValue/],
    ['a Binary without bytes', { a: { DataType: 'Binary', StringValue: 'x' } }, /non-empty BinaryValue/],
    [
      'list values',
      { a: { DataType: 'String', StringValue: 'v', StringListValues: ['x'] } },
      /not implemented/,
    ],
    ['an invalid character in a value', { a: { DataType: 'String', StringValue: '\u0001' } }, /U\+0001/],
  ])('rejects message attributes with %s', (_, messageAttributes, reason) => {
    expect(destination.invalidReason({ ...validEntry(fifo), messageAttributes })).toMatch(reason);
  });
});

describe('sqsDestination: standard and FIFO rules', () => {
  const standard = sqsDestination({ queueUrl: STANDARD_URL, region: 'us-east-1' });
  const fifo = sqsDestination({ queueUrl: FIFO_URL, region: 'us-east-1' });
  const contentBased = sqsDestination({
    queueUrl: FIFO_URL,
    region: 'us-east-1',
    contentBasedDeduplication: true,
  });

  it('infers FIFO from the queue name', () => {
    expect([standard.fifo, fifo.fifo]).toEqual([false, true]);
  });

  it.each([
    [
      'a FIFO entry without a group',
      fifo,
      { body: 'b', messageDeduplicationId: 'd' },
      /messageGroupId is required/,
    ],
    [
      'a FIFO entry without a deduplication id',
      fifo,
      { body: 'b', messageGroupId: 'g' },
      /messageDeduplicationId is required.*deduplicationIdFor/,
    ],
    [
      'a FIFO entry with a delay',
      fifo,
      { ...validEntry(true), delaySeconds: 5 },
      /cannot be set per message on a FIFO queue/,
    ],
    [
      'a group id of 129 characters',
      fifo,
      { ...validEntry(true), messageGroupId: 'g'.repeat(129) },
      /1 to 128/,
    ],
    ['a group id with a space', fifo, { ...validEntry(true), messageGroupId: 'a b' }, /punctuation/],
    [
      'a deduplication id with a non-ASCII letter',
      fifo,
      { ...validEntry(true), messageDeduplicationId: 'é' },
      /punctuation/,
    ],
    [
      'a standard entry with a deduplication id',
      standard,
      { body: 'b', messageDeduplicationId: 'd' },
      /only to FIFO/,
    ],
    ['a delay of 901 s', standard, { body: 'b', delaySeconds: 901 }, /0 to 900/],
    ['a fractional delay', standard, { body: 'b', delaySeconds: 1.5 }, /0 to 900/],
  ])('rejects %s', (_, destination, entry, reason) => {
    expect(destination.invalidReason(entry)).toMatch(reason);
  });

  it.each([
    [
      'a FIFO entry without a deduplication id when the queue dedups by content',
      contentBased,
      { body: 'b', messageGroupId: 'g' },
    ],
    ['a standard entry with a group id (fair queues)', standard, { body: 'b', messageGroupId: 'tenant-1' }],
    ['a standard entry delayed 900 s', standard, { body: 'b', delaySeconds: 900 }],
  ])('accepts %s', (_, destination, entry) => {
    expect(destination.invalidReason(entry)).toBeUndefined();
  });

  it('orders by message group on a FIFO queue only', () => {
    // Arrange
    const entry = { body: 'b', messageGroupId: 'g1', messageDeduplicationId: 'd' };

    // Act / Assert
    expect(fifo.orderingKeyOf?.(entry)).toBe('g1');
    expect(standard.orderingKeyOf?.({ body: 'b', messageGroupId: 'g1' })).toBeUndefined();
  });

  it.each([
    ['a queue URL that is not a URL', { queueUrl: 'orders' }, 'queueUrl', /queueUrl must be the queue's URL/],
    [
      'a queue URL without a queue name',
      { queueUrl: 'https://sqs.us-east-1.amazonaws.com/' },
      'queueUrl',
      /end with the queue name/,
    ],
    [
      'fifo on a standard queue',
      { queueUrl: STANDARD_URL, fifo: true },
      'fifo',
      /FIFO queue names end with \.fifo/,
    ],
    ['fifo false on a .fifo queue', { queueUrl: FIFO_URL, fifo: false }, 'fifo', /is FIFO/],
    [
      'contentBasedDeduplication on a standard queue',
      { queueUrl: STANDARD_URL, contentBasedDeduplication: true },
      'contentBasedDeduplication',
      /only to FIFO/,
    ],
    [
      'maxMessageBytes above 1 MiB',
      { queueUrl: STANDARD_URL, maxMessageBytes: MiB + 1 },
      'maxMessageBytes',
      /1024 to 1048576/,
    ],
  ])('refuses %s, naming the option', (_, options, option, message) => {
    // Act
    const create = () => sqsDestination({ region: 'us-east-1', ...options });

    // Assert
    expect(create).toThrow(message);
    let thrown: unknown;
    try {
      create();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DestinationConfigurationError);
    expect((thrown as DestinationConfigurationError).option).toBe(option);
  });
});

describe('sqsDestination: request and response', () => {
  it('uses positions as ids and passes only the fields that are set', () => {
    // Arrange
    const entries: SqsEntry[] = [
      { body: 'a', delaySeconds: 3, messageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
      { body: 'b', messageGroupId: 'g', messageDeduplicationId: 'd' },
    ];

    // Act
    const input = sendMessageBatchInput(STANDARD_URL, entries);

    // Assert
    expect(input).toEqual({
      QueueUrl: STANDARD_URL,
      Entries: [
        {
          Id: '0',
          MessageBody: 'a',
          DelaySeconds: 3,
          MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
        },
        { Id: '1', MessageBody: 'b', MessageGroupId: 'g', MessageDeduplicationId: 'd' },
      ],
    });
  });

  it('maps results by id: SenderFault is fatal unless it is throttling, and an unreported entry is retried', () => {
    // Arrange
    const output = {
      Successful: [
        { Id: '0', MessageId: 'm0', MD5OfMessageBody: 'x' },
        { Id: '4', MessageId: 'm4', MD5OfMessageBody: 'x' },
      ],
      Failed: [
        { Id: '1', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad' },
        { Id: '2', SenderFault: false, Code: 'InternalError', Message: 'oops' },
        { Id: '3', SenderFault: true, Code: 'RequestThrottled', Message: 'slow' },
        { Id: '4', SenderFault: false, Code: 'InternalError', Message: 'both ways' },
      ],
    };

    // Act
    const results = sendMessageBatchResults(output, 6);

    // Assert
    expect(results).toEqual([
      { status: 'accepted' },
      { status: 'fatal', code: 'InvalidParameterValue', message: 'bad' },
      { status: 'retryable', code: 'InternalError', message: 'oops', throttled: false },
      { status: 'retryable', code: 'RequestThrottled', message: 'slow', throttled: true },
      { status: 'retryable', code: 'InternalError', message: 'both ways', throttled: false },
      { status: 'retryable', code: 'MalformedResponse', message: expect.any(String) },
    ]);
  });
});

describe('sqsDestination: the MD5 check of a built body', () => {
  it('retries an entry whose MD5OfMessageBody is missing or does not match, and accepts the rest', () => {
    // Arrange: md5('a') is known; entry 1 comes back with a's digest, entry 2 with none (a malformed answer).
    const entries: SqsEntry[] = [{ body: 'a' }, { body: 'b' }, { body: 'é' }];
    const output = {
      Successful: [
        { Id: '0', MessageId: 'm0', MD5OfMessageBody: '0cc175b9c0f1b6a831c399e269772661' },
        { Id: '1', MessageId: 'm1', MD5OfMessageBody: '0cc175b9c0f1b6a831c399e269772661' },
        { Id: '2', MessageId: 'm2' } as SendMessageBatchResultEntry,
      ],
      Failed: [],
    };

    // Act
    const mismatched = md5Mismatches(output.Successful, entries);
    const results = sendMessageBatchResults(output, entries.length, mismatched);

    // Assert
    expect([...mismatched]).toEqual(['1', '2']);
    expect(results.map((result) => result.status)).toEqual(['accepted', 'retryable', 'retryable']);
    expect(results[1]).toMatchObject({ code: 'ChecksumMismatch' });
  });
});

describe('deduplicationIdFor', () => {
  it('keeps a short printable id readable and distinct per entry', () => {
    // Act
    const ids = [0, 1].map((i) => deduplicationIdFor('059f36b4-87a3-44ab-83d2-661975830a7d', i));

    // Assert
    expect(ids).toEqual(['059f36b4-87a3-44ab-83d2-661975830a7d:0', '059f36b4-87a3-44ab-83d2-661975830a7d:1']);
  });

  it('hashes an id that is too long or has characters SQS refuses, always the same way', () => {
    // Arrange
    const long = 'x'.repeat(200);

    // Act
    const ids = [
      deduplicationIdFor(long, 0),
      deduplicationIdFor(long, 0),
      deduplicationIdFor(long, 1),
      deduplicationIdFor('a b', 0),
    ];

    // Assert
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it('tells sources apart: the same record id from two sources gives two ids, each valid for SQS', () => {
    // Arrange
    const streams = [
      'arn:aws:kinesis:eu-west-1:123456789012:stream/a',
      'arn:aws:kinesis:eu-west-1:123456789012:stream/b',
    ];
    const sequenceNumber = '4'.repeat(56);

    // Act
    const ids = streams.map((stream) =>
      deduplicationIdFor(sequenceNumber, 0, `${stream}/shardId-000000000000`),
    );

    // Assert
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(id).toMatch(new RegExp(`^[0-9a-f]{16}:${sequenceNumber}:0$`));
    expect(deduplicationIdFor('x'.repeat(200), 0, streams[0])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a negative or fractional index', () => {
    expect(() => deduplicationIdFor('r', -1)).toThrow(RangeError);
    expect(() => deduplicationIdFor('r', 0.5)).toThrow(RangeError);
  });
});

describe('sqsDestination: send to fauxqs', () => {
  let sqs: LocalSqs;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(async () => {
    await sqs.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('sends bodies and attributes intact with the client it creates from AWS_ENDPOINT_URL_SQS', async () => {
    // Arrange: fauxqs names its queues sqs.<region>.localhost, so the endpoint must win over the queue URL.
    const queueUrl = await sqs.createQueue('unit-standard');
    vi.stubEnv('AWS_REGION', LOCAL_AWS.region);
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqs.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const destination = sqsDestination({ queueUrl });
    const entries: SqsEntry[] = Array.from({ length: 10 }, (_, i) => ({
      body: `message ${i} é\t<xml/>`,
      messageAttributes: {
        index: { DataType: 'Number', StringValue: String(i) },
        raw: { DataType: 'Binary', BinaryValue: Uint8Array.from([i, 255]) },
      },
    }));

    // Act
    const results = await destination.send(entries, new AbortController().signal);

    // Assert
    expect(results).toEqual(entries.map(() => ({ status: 'accepted' })));
    const received = await sqs.drain(queueUrl);
    const view = (body: string, index: string, raw: Uint8Array) =>
      `${body}|${index}|${Buffer.from(raw).toString('hex')}`;
    expect(
      received
        .map((m) =>
          view(
            m.Body ?? '',
            m.MessageAttributes?.index?.StringValue ?? '',
            m.MessageAttributes?.raw?.BinaryValue ?? new Uint8Array(),
          ),
        )
        .sort(),
    ).toEqual(
      entries
        .map((e) =>
          view(
            e.body,
            e.messageAttributes?.index?.StringValue ?? '',
            e.messageAttributes?.raw?.BinaryValue ?? new Uint8Array(),
          ),
        )
        .sort(),
    );
    destination.client.destroy();
  });

  it('sends to a FIFO queue with group and deduplication ids, and a resent batch is not duplicated', async () => {
    // Arrange
    const queueUrl = await sqs.createQueue('unit.fifo');
    const destination = sqsDestination({ queueUrl, client: sqs.client });
    const entries: SqsEntry[] = Array.from({ length: 6 }, (_, i) => ({
      body: `m${i}`,
      messageGroupId: `g${i % 2}`,
      messageDeduplicationId: deduplicationIdFor('record-1', i),
    }));

    // Act
    const first = await destination.send(entries, new AbortController().signal);
    const again = await destination.send(entries, new AbortController().signal);

    // Assert
    expect([...first, ...again].every((r) => r.status === 'accepted')).toBe(true);
    const received = await sqs.drain(queueUrl);
    expect(received.map((m) => m.Body).sort()).toEqual(entries.map((e) => e.body).sort());
    const group0 = received.filter((m) => m.Attributes?.MessageGroupId === 'g0').map((m) => m.Body);
    expect(group0).toEqual(['m0', 'm2', 'm4']);
  });

  it('rejects with an error classified fatal when the queue does not exist', async () => {
    // Arrange
    const destination = sqsDestination({
      queueUrl: `${sqs.endpoint}/000000000000/no-such-queue`,
      client: sqs.client,
    });

    // Act
    const error = await destination.send([{ body: 'b' }], new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(destination.classifyError(error)).toMatchObject({ kind: 'fatal' });
    expect(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']).toContain(
      destination.classifyError(error).code,
    );
  });
});
