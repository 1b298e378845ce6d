import { describe, expect, it } from 'vitest';
import {
  dynamoDBChange,
  dynamoDBItemKey,
  dynamoDBRecordId,
  isDynamoDBRecord,
} from '../../lib/sources/dynamodb.js';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';
import { parseSourceEvent } from '../../lib/sources/source-event.js';
import { dynamoDBEvent, dynamoDBRecord } from '../factories/dynamodb.js';
import { kinesisRecord } from '../factories/kinesis.js';

describe('DynamoDB stream source', () => {
  it('takes dynamodb.SequenceNumber as the record id', () => {
    const record = dynamoDBRecord();

    expect(isDynamoDBRecord(record)).toBe(true);
    expect(isDynamoDBRecord(kinesisRecord())).toBe(false);
    expect(dynamoDBRecordId(record)).toBe(record.dynamodb.SequenceNumber);
  });

  it('unmarshalls keys and both images, with the change metadata', () => {
    const record = dynamoDBRecord({
      eventName: 'MODIFY',
      keys: { pk: 'user#1', sk: 7 },
      oldImage: { pk: 'user#1', sk: 7, tags: new Set(['a']), n: 1 },
      newImage: {
        pk: 'user#1',
        sk: 7,
        tags: new Set(['a', 'b']),
        n: 2,
        blob: Uint8Array.of(1, 2),
        m: { l: [true, null] },
      },
    });

    const change = dynamoDBChange(record);

    expect(change).toEqual({
      eventName: 'MODIFY',
      keys: { pk: 'user#1', sk: 7 },
      oldImage: { pk: 'user#1', sk: 7, tags: new Set(['a']), n: 1 },
      newImage: {
        pk: 'user#1',
        sk: 7,
        tags: new Set(['a', 'b']),
        n: 2,
        blob: Uint8Array.of(1, 2),
        m: { l: [true, null] },
      },
      sequenceNumber: record.dynamodb.SequenceNumber,
      approximateCreationDateTime: new Date(1_764_000_000_000),
      sizeBytes: record.dynamodb.SizeBytes,
    });
  });

  it('has no new image on REMOVE and no old image on INSERT', () => {
    expect(dynamoDBChange(dynamoDBRecord({ eventName: 'REMOVE' })).newImage).toBeUndefined();
    expect(dynamoDBChange(dynamoDBRecord({ eventName: 'INSERT' })).oldImage).toBeUndefined();
  });

  it('keeps an integer too large for a JavaScript number exact, as a bigint', () => {
    const record = dynamoDBRecord();
    record.dynamodb.NewImage = { pk: { S: 'a' }, big: { N: '12345678901234567890' } };

    expect(dynamoDBChange(record).newImage).toEqual({ pk: 'a', big: 12345678901234567890n });
  });

  it('hands every number to wrapNumbers when given, so a decimal can stay exact', () => {
    const record = dynamoDBRecord();
    record.dynamodb.NewImage = { pi: { N: '3.14159265358979323846' }, n: { N: '2' } };

    const change = dynamoDBChange(record, { wrapNumbers: (text) => `#${text}` });

    expect(change.newImage).toEqual({ pi: '#3.14159265358979323846', n: '#2' });
  });

  it('gives an item one key string, whatever the order of its key attributes', () => {
    const forward = dynamoDBItemKey({ pk: { S: 'a' }, sk: { N: '1' } });
    const backward = dynamoDBItemKey({ sk: { N: '1' }, pk: { S: 'a' } });

    expect(forward).toBe(backward);
    expect(forward).toBe('"pk":{"S":"a"},"sk":{"N":"1"}');
    expect(dynamoDBItemKey({ pk: { S: 'a' }, sk: { S: '1' } })).not.toBe(forward);
  });

  it('is parsed with sequence numbers as ids and item keys as groups, ordered by default', () => {
    const records = [
      dynamoDBRecord({ keys: { pk: 'a' } }),
      dynamoDBRecord({ keys: { pk: 'b' }, eventName: 'MODIFY' }),
      dynamoDBRecord({ keys: { pk: 'a' }, eventName: 'REMOVE' }),
    ];

    const parsed = parseSourceEvent(dynamoDBEvent(records));

    expect(parsed.kind).toBe('dynamodb');
    expect(parsed.grouped).toBe(true);
    expect(parsed.fifo).toBe(false);
    expect(parsed.records.map((info) => info.id)).toEqual(records.map((r) => r.dynamodb.SequenceNumber));
    expect(parsed.records.map((info) => info.group)).toEqual([
      '"pk":{"S":"a"}',
      '"pk":{"S":"b"}',
      '"pk":{"S":"a"}',
    ]);
  });

  const malformed: [string, (record: Record<string, unknown>) => void, RegExp][] = [
    ['no dynamodb object', (r) => delete r.dynamodb, /Records\[0\]\.dynamodb must be an object/],
    [
      'an empty sequence number',
      (r) => ((r.dynamodb as Record<string, unknown>).SequenceNumber = ''),
      /SequenceNumber must be a non-empty string/,
    ],
    ['an unknown event name', (r) => (r.eventName = 'UPSERT'), /eventName is "UPSERT"; expected INSERT/],
    ['no keys', (r) => delete (r.dynamodb as Record<string, unknown>).Keys, /Keys must be an object/],
    ['empty keys', (r) => ((r.dynamodb as Record<string, unknown>).Keys = {}), /Keys must be an object/],
  ];
  it.each(malformed)('refuses an event with %s, naming the field', (_, spoil, message) => {
    const record = dynamoDBRecord() as unknown as Record<string, unknown>;
    spoil(record);

    const parse = () => parseSourceEvent({ Records: [record] });

    expect(parse).toThrow(MalformedEventError);
    expect(parse).toThrow(message);
  });
});
