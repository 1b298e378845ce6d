import { describe, expect, it } from 'vitest';
import {
  decodeUtf8,
  isKinesisRecord,
  kinesisData,
  kinesisJson,
  kinesisRecordId,
  kinesisText,
} from '../../lib/sources/kinesis.js';
import { kinesisRecord } from '../factories/kinesis.js';
import { sqsRecord } from '../factories/sqs.js';

describe('Kinesis source', () => {
  it('takes kinesis.sequenceNumber as the record id', () => {
    const record = kinesisRecord();

    expect(kinesisRecordId(record)).toMatch(/^\d{56}$/);
    expect(kinesisRecordId(record)).toBe(record.kinesis.sequenceNumber);
  });

  it('decodes the base64 data to the exact bytes', () => {
    const bytes = Uint8Array.from([0, 255, 128, 10, 13, 0xef, 0xbb, 0xbf]);

    const data = kinesisData(kinesisRecord({ data: bytes }));

    expect(data).toBeInstanceOf(Uint8Array);
    expect([...data]).toEqual([...bytes]);
  });

  it('reads text and JSON as UTF-8, keeping a leading byte-order mark', () => {
    expect(kinesisText(kinesisRecord({ data: '\uFEFFh\u00e9llo \u{1F600}' }))).toBe(
      '\uFEFFh\u00e9llo \u{1F600}',
    );
    expect(kinesisJson(kinesisRecord({ data: '{"n":[1,2]}' }))).toEqual({ n: [1, 2] });
  });

  it('throws on data that is not UTF-8 rather than altering it', () => {
    const record = kinesisRecord({ data: Uint8Array.from([0x61, 0xff, 0x62]) });

    expect(() => kinesisText(record)).toThrow(TypeError);
    expect(decodeUtf8(Uint8Array.from([0x61, 0xff]))).toBeUndefined();
    expect(decodeUtf8(Uint8Array.from([0x61, 0x62]))).toBe('ab');
  });

  it('tells Kinesis records from SQS ones', () => {
    expect(isKinesisRecord(kinesisRecord())).toBe(true);
    expect(isKinesisRecord(sqsRecord())).toBe(false);
  });
});
