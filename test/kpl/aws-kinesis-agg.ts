import { createRequire } from 'node:module';

// aws-kinesis-agg is CommonJS and its typings import aws-sdk v2 and omit RecordAggregator,
// so the two calls the interop tests make are typed here.
const require = createRequire(import.meta.url);

interface AggUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  /** base64 */
  data: string;
}

interface AggEncodedRecord {
  partitionKey: string;
  ExplicitHashKey?: string;
  data: Buffer;
}

interface AggRecordAggregator {
  addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
  build(): AggEncodedRecord;
}

interface AwsKinesisAgg {
  RecordAggregator: new () => AggRecordAggregator;
  deaggregateSync(
    record: { partitionKey: string; sequenceNumber: string; data: string },
    computeChecksums: boolean,
    callback: (error: Error | null | undefined, records?: AggUserRecord[]) => void,
  ): void;
}

const agg = require('aws-kinesis-agg') as AwsKinesisAgg;

/** What the awslabs library makes of these user records: one aggregated record's bytes. */
export function aggregateWithAwsLibrary(
  records: readonly { partitionKey: string; explicitHashKey?: string; data: Uint8Array }[],
): Buffer {
  const aggregator = new agg.RecordAggregator();
  for (const record of records) {
    aggregator.addUserRecord({ ...record, data: Buffer.from(record.data) });
  }
  return aggregator.build().data;
}

/** What the awslabs library reads out of a Kinesis record's data, checksums checked. */
export function deaggregateWithAwsLibrary(data: Uint8Array): AggUserRecord[] {
  let result: AggUserRecord[] | undefined;
  let failure: Error | undefined;
  agg.deaggregateSync(
    { partitionKey: 'outer', sequenceNumber: '1', data: Buffer.from(data).toString('base64') },
    true,
    (error, records) => {
      if (error) failure = error;
      else result = records;
    },
  );
  if (failure !== undefined) throw failure;
  if (result === undefined) throw new Error('aws-kinesis-agg called back with nothing');
  return result;
}
