import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeAggregatedRecord } from '../kpl/aggregated-record.js';
import { kinesisData } from './kinesis.js';

/**
 * A Kinesis record as `convert` sees it. A user record taken out of a KPL aggregated
 * record keeps the Kinesis record's envelope (sequence number, arrival time, stream)
 * with its own `partitionKey`, `explicitHashKey` and `data`, and its position inside the
 * aggregate as `subSequenceNumber`, as the KCL numbers it.
 */
export type KinesisUserRecord = KinesisStreamRecord & {
  readonly kinesis: KinesisStreamRecord['kinesis'] & {
    readonly explicitHashKey?: string;
    readonly subSequenceNumber?: number;
  };
};

/**
 * The user records a Kinesis record holds: those inside it when a KPL producer
 * aggregated it (magic bytes and a matching MD5), else the record itself. A record with
 * the magic bytes and a wrong checksum is data that only looks aggregated and is passed
 * through unchanged, as the KPL does. Throws `KplFormatError` when the checksum matches
 * but the aggregate is malformed; the handler then fails the Kinesis record as poison.
 */
export function kinesisUserRecords(record: KinesisStreamRecord): KinesisUserRecord[] {
  const userRecords = decodeAggregatedRecord(kinesisData(record));
  if (userRecords === undefined) return [record];
  return userRecords.map((user, subSequenceNumber) => ({
    ...record,
    kinesis: {
      ...record.kinesis,
      partitionKey: user.partitionKey,
      ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
      data: Buffer.from(user.data.buffer, user.data.byteOffset, user.data.byteLength).toString('base64'),
      subSequenceNumber,
    },
  }));
}
