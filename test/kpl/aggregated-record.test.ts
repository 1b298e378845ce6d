import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AggregatedRecordBuilder,
  decodeAggregatedRecord,
  encodeAggregatedRecord,
  isAggregatedRecord,
  KPL_FRAMING_BYTES,
  KPL_MAGIC,
  KplFormatError,
  type KplUserRecord,
} from '../../lib/kpl/index.js';

const text = (value: string) => new TextEncoder().encode(value);

/** Frames a hand-made protobuf message as an aggregated record with a correct checksum. */
function frame(message: Uint8Array): Uint8Array {
  const md5 = createHash('md5').update(message).digest();
  return Uint8Array.from([...KPL_MAGIC, ...message, ...md5]);
}

const userRecord = fc.record(
  {
    partitionKey: fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' }),
    explicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    data: fc.uint8Array({ maxLength: 2_000 }),
    tags: fc.array(
      fc.record({ key: fc.string({ minLength: 1 }), value: fc.string() }, { requiredKeys: ['key'] }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('KPL aggregated record', () => {
  it('starts with the magic bytes and ends with the MD5 of the protobuf message', () => {
    const bytes = encodeAggregatedRecord([{ partitionKey: 'a', data: text('x') }]);

    const message = bytes.subarray(4, bytes.length - 16);
    expect([...bytes.subarray(0, 4)]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    expect(Buffer.from(bytes.subarray(bytes.length - 16))).toEqual(
      createHash('md5').update(message).digest(),
    );
    // partition_key_table "a", then records { partition_key_index 0, data "x" }.
    expect([...message]).toEqual([0x0a, 1, 0x61, 0x1a, 5, 0x08, 0, 0x1a, 1, 0x78]);
  });

  it('stores each partition and explicit hash key once, records pointing at them by index', () => {
    const records: KplUserRecord[] = [
      { partitionKey: 'k1', data: text('one') },
      { partitionKey: 'k2', explicitHashKey: '42', data: text('two') },
      { partitionKey: 'k1', explicitHashKey: '42', data: text('three') },
    ];

    const once = encodeAggregatedRecord(records).length;
    const decoded = decodeAggregatedRecord(encodeAggregatedRecord(records));

    // Tables: "k1", "k2", "42" at 4 bytes each; records of 7, 9 and 11 bytes, each behind a 2-byte header.
    expect(once).toBe(KPL_FRAMING_BYTES + 3 * 4 + (9 + 11 + 13));
    expect(decoded).toEqual(records);
  });

  it('round-trips any user records, keys, tags and data byte for byte', () => {
    fc.assert(
      fc.property(fc.array(userRecord, { minLength: 1, maxLength: 30 }), (records) => {
        const decoded = decodeAggregatedRecord(encodeAggregatedRecord(records));

        expect(decoded?.map((record) => ({ ...record, data: [...record.data] }))).toEqual(
          records.map((record) => ({ ...record, data: [...record.data] })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('knows the encoded size before adding, exactly, at every step', () => {
    fc.assert(
      fc.property(fc.array(userRecord, { minLength: 1, maxLength: 40 }), (records) => {
        const builder = new AggregatedRecordBuilder();
        for (const record of records) {
          const predicted = builder.sizeWith(record);
          builder.add(record);
          expect(builder.size).toBe(predicted);
        }

        expect(builder.encode().length).toBe(builder.size);
        expect(builder.count).toBe(records.length);
      }),
      { numRuns: 200 },
    );
  });

  it('counts multi-byte varints: a 200-byte record and the 129th partition key', () => {
    const records = Array.from({ length: 130 }, (_, index) => ({
      partitionKey: `key-${index}`,
      data: new Uint8Array(200),
    }));

    const bytes = encodeAggregatedRecord(records);

    expect(decodeAggregatedRecord(bytes)?.[129].partitionKey).toBe('key-129');
  });

  it('refuses to encode an aggregated record holding nothing', () => {
    expect(() => encodeAggregatedRecord([])).toThrow(KplFormatError);
  });

  describe('decoding what is not an aggregated record', () => {
    it.each([
      ['plain JSON', text('{"a":1}')],
      ['empty data', new Uint8Array(0)],
      ['the magic bytes alone', KPL_MAGIC],
      [
        'magic and 16 bytes that are not its MD5',
        Uint8Array.from([...KPL_MAGIC, ...new Uint8Array(16).fill(7)]),
      ],
    ])('passes %s through (undefined)', (_, bytes) => {
      expect(isAggregatedRecord(bytes)).toBe(false);
      expect(decodeAggregatedRecord(bytes)).toBeUndefined();
    });

    it('passes through a record whose checksum no longer matches, as the KPL does', () => {
      const bytes = encodeAggregatedRecord([{ partitionKey: 'a', data: text('payload') }]);
      bytes[bytes.length - 20] ^= 0xff;

      expect(decodeAggregatedRecord(bytes)).toBeUndefined();
    });

    it('decodes an empty message with a good checksum as no user records', () => {
      expect(decodeAggregatedRecord(frame(new Uint8Array(0)))).toEqual([]);
    });
  });

  describe('a checksummed but malformed message fails with KplFormatError, naming the fault', () => {
    it.each([
      ['a length past the end', [0x0a, 9, 0x61], /past the end/],
      [
        'a record without a partition key index',
        [0x0a, 1, 0x61, 0x1a, 3, 0x1a, 1, 0x78],
        /no partition_key_index/,
      ],
      ['a record without data', [0x0a, 1, 0x61, 0x1a, 2, 0x08, 0], /no data/],
      [
        'an index outside the key table',
        [0x0a, 1, 0x61, 0x1a, 5, 0x08, 3, 0x1a, 1, 0x78],
        /partition key 3 of 1/,
      ],
      [
        'a hash key index outside its table',
        [0x0a, 1, 0x61, 0x1a, 7, 0x08, 0, 0x10, 0, 0x1a, 1, 0x78],
        /hash key 0 of 0/,
      ],
      [
        'a key that is not UTF-8',
        [0x0a, 1, 0xff, 0x1a, 5, 0x08, 0, 0x1a, 1, 0x78],
        /encoded data was not valid/,
      ],
      ['an unterminated varint', [0x0a, 1, 0x61, 0x1a, 2, 0x08, 0x80], /varint runs past/],
      ['a group wire type', [0x0b], /wire type 3/],
    ])('%s', (_, message, reason) => {
      const bytes = frame(Uint8Array.from(message));

      expect(() => decodeAggregatedRecord(bytes)).toThrow(KplFormatError);
      expect(() => decodeAggregatedRecord(bytes)).toThrow(reason);
    });
  });

  it('skips fields it does not know, as protobuf readers must', () => {
    // An unknown varint field 9 at the top and an unknown fixed32 field 7 inside the record.
    const message = [0x48, 1, 0x0a, 1, 0x61, 0x1a, 10, 0x08, 0, 0x3d, 1, 2, 3, 4, 0x1a, 1, 0x78];

    const decoded = decodeAggregatedRecord(frame(Uint8Array.from(message)));

    expect(decoded).toEqual([{ partitionKey: 'a', data: text('x') }]);
  });
});
