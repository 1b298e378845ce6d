import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAggregatedRecord, encodeAggregatedRecord, type KplUserRecord } from '../../lib/kpl/index.js';
import { aggregateWithAwsLibrary, deaggregateWithAwsLibrary } from './aws-kinesis-agg.js';

// aws-kinesis-agg builds its key tables with Object.keys, which puts integer-like keys
// first: records with keys "2" then "1" come back with each other's keys. It also decodes
// a record without an explicit hash key as having the table's first one. So the records
// generated here keep to what it gets right: partition keys that are not integers, and
// one explicit hash key (or none) per aggregated record, as a producer aggregating for
// one shard writes. The KPL's own test of our format against those cases is the
// round-trip and golden-byte tests in aggregated-record.test.ts.
const userRecords = fc
  .tuple(
    fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), { nil: undefined }),
    fc.array(
      fc.record({
        partitionKey: fc
          .string({ minLength: 0, maxLength: 63, unit: fc.constantFrom(...'abcdefXYZ0123-_:') })
          .map((key) => `k${key}`),
        data: fc.uint8Array({ minLength: 1, maxLength: 3_000 }),
      }),
      { minLength: 1, maxLength: 50 },
    ),
  )
  .map(([explicitHashKey, records]): KplUserRecord[] =>
    records.map((record) => (explicitHashKey === undefined ? record : { ...record, explicitHashKey })),
  );

const plain = (records: readonly KplUserRecord[]) =>
  records.map((record) => ({
    partitionKey: record.partitionKey,
    explicitHashKey: record.explicitHashKey,
    data: Buffer.from(record.data).toString('base64'),
  }));

describe('KPL format interop with aws-kinesis-agg (awslabs)', () => {
  it('de-aggregates here what aws-kinesis-agg aggregated', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        const bytes = aggregateWithAwsLibrary(records);

        const decoded = decodeAggregatedRecord(bytes);

        expect(decoded).toBeDefined();
        expect(plain(decoded ?? [])).toEqual(plain(records));
      }),
      { numRuns: 100 },
    );
  });

  it('de-aggregates with aws-kinesis-agg, checksums checked, what we aggregated', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        const bytes = encodeAggregatedRecord(records);

        const decoded = deaggregateWithAwsLibrary(bytes);

        expect(
          decoded.map((record) => ({
            partitionKey: record.partitionKey,
            explicitHashKey: record.explicitPartitionKey,
            data: record.data,
          })),
        ).toEqual(plain(records));
        expect(decoded.map((record) => record.subSequenceNumber)).toEqual(records.map((_, index) => index));
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with aws-kinesis-agg on what is not aggregated: a bad checksum passes through', () => {
    const bytes = encodeAggregatedRecord([{ partitionKey: 'pk', data: new Uint8Array([1, 2, 3]) }]);
    bytes[bytes.length - 1] ^= 1;

    expect(decodeAggregatedRecord(bytes)).toBeUndefined();
    expect(() => deaggregateWithAwsLibrary(bytes)).toThrow(/checksum/);
  });

  it('writes the same bytes as aws-kinesis-agg for the same records', () => {
    fc.assert(
      fc.property(userRecords, (records) => {
        expect(Buffer.from(encodeAggregatedRecord(records))).toEqual(aggregateWithAwsLibrary(records));
      }),
      { numRuns: 100 },
    );
  });
});
