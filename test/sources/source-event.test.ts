import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';
import { parseSourceEvent } from '../../lib/sources/source-event.js';
import { kinesisEvent, kinesisRecords } from '../factories/kinesis.js';
import { fifoSqsRecords, sqsEvent, sqsRecord, sqsRecords } from '../factories/sqs.js';

describe('parseSourceEvent', () => {
  it('reads an SQS standard event: ids are message ids, no groups', () => {
    const records = sqsRecords(['a', 'b']);

    const parsed = parseSourceEvent(sqsEvent(records));

    expect(parsed.kind).toBe('sqs');
    expect(parsed.fifo).toBe(false);
    expect(parsed.records.map((r) => [r.id, r.group])).toEqual(records.map((r) => [r.messageId, undefined]));
  });

  it.each([
    ['some', [sqsRecord({ groupId: 'g1', queueName: 'fair' }), sqsRecord({ queueName: 'fair' })]],
    [
      'all',
      [sqsRecord({ groupId: 'g1', queueName: 'fair' }), sqsRecord({ groupId: 'g2', queueName: 'fair' })],
    ],
  ])(
    'reads a fair queue event where %s records carry a MessageGroupId as a standard one',
    (_name, records) => {
      const parsed = parseSourceEvent(sqsEvent(records));

      expect(parsed.fifo).toBe(false);
      expect(parsed.records.map((info) => info.group)).toEqual([undefined, undefined]);
    },
  );

  it('reads an SQS FIFO event: groups are message group ids', () => {
    const parsed = parseSourceEvent(
      sqsEvent(
        fifoSqsRecords([
          ['g1', 'a'],
          ['g2', 'b'],
        ]),
      ),
    );

    expect(parsed.fifo).toBe(true);
    expect(parsed.records.map((r) => r.group)).toEqual(['g1', 'g2']);
  });

  it('reads a Kinesis event: ids are sequence numbers', () => {
    const records = kinesisRecords(['x', 'y']);

    const parsed = parseSourceEvent(kinesisEvent(records));

    expect(parsed.kind).toBe('kinesis');
    expect(parsed.records.map((r) => r.id)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
  });

  it('accepts an event without records', () => {
    expect(parseSourceEvent({ Records: [] })).toEqual({
      kind: undefined,
      fifo: false,
      grouped: false,
      records: [],
    });
  });

  const malformed: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /Records array\); got "hello"/],
    ['null', null, /got null/],
    ['no Records', { records: [] }, /without a Records array/],
    ['a record that is not an object', { Records: [42] }, /Records\[0\] is number/],
    [
      'an unknown event source',
      { Records: [{ eventSource: 'aws:s3' }] },
      /"aws:s3"; expected "aws:sqs", "aws:kinesis" or "aws:dynamodb"/,
    ],
    [
      'mixed sources',
      { Records: [sqsRecord(), kinesisRecords(['x'])[0]] },
      /Records\[1\] is a kinesis record in an event of sqs/,
    ],
    [
      'an empty messageId',
      { Records: [{ ...sqsRecord(), messageId: '' }] },
      /Records\[0\]\.messageId must be a non-empty string/,
    ],
    [
      'a missing body',
      { Records: [{ ...sqsRecord(), body: undefined }] },
      /Records\[0\]\.body must be a string/,
    ],
    [
      'FIFO and standard records mixed',
      { Records: [sqsRecord({ groupId: 'g' }), sqsRecord()] },
      /Records\[1\] comes from a standard queue unlike the records before it/,
    ],
    [
      'a FIFO record without a message group',
      { Records: [{ ...sqsRecord({ groupId: 'g' }), attributes: { ApproximateReceiveCount: '1' } }] },
      /Records\[0\] comes from a FIFO queue but has no attributes\.MessageGroupId/,
    ],
    [
      'an empty sequence number',
      {
        Records: [
          {
            ...kinesisRecords(['x'])[0],
            kinesis: { ...kinesisRecords(['x'])[0].kinesis, sequenceNumber: '' },
          },
        ],
      },
      /kinesis\.sequenceNumber must be a non-empty string/,
    ],
    [
      'a Kinesis record without kinesis',
      { Records: [{ eventSource: 'aws:kinesis' }] },
      /kinesis must be an object/,
    ],
  ];

  it.each(malformed)('rejects %s with a clear error', (_name, event, message) => {
    expect(() => parseSourceEvent(event)).toThrow(MalformedEventError);
    expect(() => parseSourceEvent(event)).toThrow(message);
  });
});
