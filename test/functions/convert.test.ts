import { describe, expect, it } from 'vitest';
import { kinesisToFirehose } from '../../functions/kinesis-to-firehose/convert.js';
import {
  CONTENT_ENCODING_ATTRIBUTE,
  kinesisToSqs,
  messageGroupIdFor,
  sqsBodyFor,
} from '../../functions/kinesis-to-sqs/convert.js';
import { newlineTerminated } from '../../functions/newline.js';
import { sqsToFirehose } from '../../functions/sqs-to-firehose/convert.js';
import { partitionKeyOf, sqsToKinesis } from '../../functions/sqs-to-kinesis/convert.js';
import { kinesisRecord } from '../factories/kinesis.js';
import { sqsRecord } from '../factories/sqs.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('sqs-to-kinesis conversion', () => {
  it('sends the body as UTF-8 bytes', () => {
    const entry = sqsToKinesis(undefined)(sqsRecord({ body: 'h\u00e9 \u{1F600}' }));

    expect(text(entry.data)).toBe('h\u00e9 \u{1F600}');
  });

  it.each([
    ['a string field', '{"k":"v"}', 'k', 'v'],
    ['a number field', '{"k":12.5}', 'k', '12.5'],
    ['an empty string field', '{"k":""}', 'k', 'fallback'],
    ['an object field', '{"k":{"a":1}}', 'k', 'fallback'],
    ['a missing field', '{"other":1}', 'k', 'fallback'],
    ['a nested field', '{"a":{"k":"v"}}', 'k', 'fallback'],
    ['a JSON array body', '["k"]', 'k', 'fallback'],
    ['a body that is not JSON', '{oops', 'k', 'fallback'],
    ['no field configured', '{"k":"v"}', undefined, 'fallback'],
  ])('keys by %s as expected', (_name, body, field, expected) => {
    const record = sqsRecord({ body, messageId: 'fallback' });

    expect(partitionKeyOf(record, field)).toBe(expected);
  });

  it('falls back to the message group of a FIFO message', () => {
    expect(partitionKeyOf(sqsRecord({ body: '{}', groupId: 'g-1' }), 'k')).toBe('g-1');
  });
});

describe('newline termination', () => {
  it('adds one newline unless the data already ends with one', () => {
    expect([...newlineTerminated(Uint8Array.from([1, 2]))]).toEqual([1, 2, 10]);
    expect([...newlineTerminated(Uint8Array.from([1, 10]))]).toEqual([1, 10]);
    expect([...newlineTerminated(new Uint8Array(0))]).toEqual([10]);
  });

  it('applies to both Firehose functions, and is off with appendNewline false', () => {
    expect(text(sqsToFirehose(true)(sqsRecord({ body: 'x' })).data)).toBe('x\n');
    expect(text(sqsToFirehose(false)(sqsRecord({ body: 'x' })).data)).toBe('x');
    expect([...kinesisToFirehose(true)(kinesisRecord({ data: Uint8Array.from([0xff]) })).data]).toEqual([
      0xff, 10,
    ]);
    expect([...kinesisToFirehose(false)(kinesisRecord({ data: Uint8Array.from([0xff]) })).data]).toEqual([
      0xff,
    ]);
  });
});

describe('kinesis-to-sqs conversion', () => {
  it.each([
    ['UTF-8 text', Buffer.from('caf\u00e9 \u{1F600}'), 'caf\u00e9 \u{1F600}'],
    ['text with tabs and newlines', Buffer.from('a\tb\r\nc'), 'a\tb\r\nc'],
  ])('keeps %s as the body', (_name, data, body) => {
    expect(sqsBodyFor(data)).toEqual({ body });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x61, 0xc3])],
    ['a control character', Buffer.from('a\u0001b')],
    ['U+FFFE', Buffer.from('a\uFFFE')],
    ['empty data', Buffer.alloc(0)],
  ])('sends %s in base64 with the contentEncoding attribute', (_name, data) => {
    expect(sqsBodyFor(data)).toEqual({
      body: data.toString('base64'),
      messageAttributes: { [CONTENT_ENCODING_ATTRIBUTE]: { DataType: 'String', StringValue: 'base64' } },
    });
  });

  it('uses the partition key as group id when SQS allows it, else its hash', () => {
    expect(messageGroupIdFor('device-1')).toBe('device-1');
    expect(messageGroupIdFor('caf\u00e9')).toMatch(/^[0-9a-f]{64}$/);
    expect(messageGroupIdFor('x'.repeat(129))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sets group and deduplication ids for a FIFO queue only', () => {
    const record = kinesisRecord({ partitionKey: 'p', data: 'd' });

    expect(kinesisToSqs(false)(record)).toEqual({ body: 'd' });
    expect(kinesisToSqs(true)(record)).toEqual({
      body: 'd',
      messageGroupId: 'p',
      messageDeduplicationId: expect.stringMatching(
        new RegExp(`^[0-9a-f]{16}:${record.kinesis.sequenceNumber}:0$`),
      ),
    });
  });

  it('gives the same sequence number from two streams, or two shards, different deduplication ids', () => {
    const sequenceNumber = '49590338271490256608559692538361571095921575989136588898';
    const records = [
      kinesisRecord({ sequenceNumber, streamName: 'orders' }),
      kinesisRecord({ sequenceNumber, streamName: 'payments' }),
      kinesisRecord({ sequenceNumber, streamName: 'orders', shardId: 'shardId-000000000007' }),
    ];

    const ids = records.map((record) => kinesisToSqs(true)(record).messageDeduplicationId);

    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[!-~]{1,128}$/);
    expect(ids[0]).toBe(kinesisToSqs(true)(records[0]).messageDeduplicationId);
  });
});
