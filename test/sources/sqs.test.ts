import { describe, expect, it } from 'vitest';
import {
  isFifoSqsRecord,
  isSqsRecord,
  sqsJson,
  sqsMessageGroupId,
  sqsRecordId,
} from '../../lib/sources/sqs.js';
import { kinesisRecord } from '../factories/kinesis.js';
import { sqsRecord } from '../factories/sqs.js';

describe('SQS source', () => {
  it('takes the messageId as the record id', () => {
    const record = sqsRecord({ messageId: '059f36b4-87a3-44ab-83d2-661975830a7d' });

    expect(sqsRecordId(record)).toBe('059f36b4-87a3-44ab-83d2-661975830a7d');
  });

  it('recognises a FIFO record by its queue ARN, not by a MessageGroupId a fair queue also gives', () => {
    const fair = sqsRecord({ groupId: 'orders-42', queueName: 'fair-queue' });
    const handMade = { ...sqsRecord({ groupId: 'orders-42' }), eventSourceARN: '' };

    expect([isFifoSqsRecord(fair), sqsMessageGroupId(fair)]).toEqual([false, 'orders-42']);
    expect(isFifoSqsRecord(handMade)).toBe(true);
  });

  it('recognises a FIFO record from attributes.MessageGroupId', () => {
    const standard = sqsRecord();
    const fifo = sqsRecord({ groupId: 'orders-42' });

    expect([isFifoSqsRecord(standard), sqsMessageGroupId(standard)]).toEqual([false, undefined]);
    expect([isFifoSqsRecord(fifo), sqsMessageGroupId(fifo)]).toEqual([true, 'orders-42']);
  });

  it('tells SQS records from Kinesis ones', () => {
    expect(isSqsRecord(sqsRecord())).toBe(true);
    expect(isSqsRecord(kinesisRecord())).toBe(false);
    expect(isSqsRecord(null)).toBe(false);
  });

  it('parses a JSON body and throws on a body that is not JSON', () => {
    expect(sqsJson(sqsRecord({ body: '{"a":1}' }))).toEqual({ a: 1 });
    expect(() => sqsJson(sqsRecord({ body: 'not json' }))).toThrow(SyntaxError);
  });
});
