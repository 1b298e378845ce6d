import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

// Real Kinesis sequence numbers are 56 decimal digits, increasing within a shard.
let sequence = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/** Options of {@link kinesisRecord}. */
export interface KinesisRecordOptions {
  /** The record's data: text is encoded as UTF-8. */
  readonly data?: string | Uint8Array;
  readonly partitionKey?: string;
  readonly sequenceNumber?: string;
  readonly streamName?: string;
  readonly shardId?: string;
  /** When the record arrived, in epoch seconds. Default now. */
  readonly approximateArrivalTimestamp?: number;
  readonly awsRegion?: string;
  /** The stream's ARN. Default one in us-east-1 named after `streamName`. */
  readonly eventSourceARN?: string;
  /** The function's role. */
  readonly invokeIdentityArn?: string;
}

/** A Kinesis record as Lambda delivers it: base64 data and a 56-digit sequence number. */
export function kinesisRecord(options: KinesisRecordOptions = {}): KinesisStreamRecord {
  const data = options.data ?? JSON.stringify({ hello: 'world' });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  sequence += 1_000_000_000n;
  const sequenceNumber = options.sequenceNumber ?? sequence.toString();
  const shardId = options.shardId ?? 'shardId-000000000006';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? 'partition-1',
      sequenceNumber,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: options.approximateArrivalTimestamp ?? Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: options.invokeIdentityArn ?? 'arn:aws:iam::123456789012:role/lambda-role',
    awsRegion: options.awsRegion ?? 'us-east-1',
    eventSourceARN:
      options.eventSourceARN ??
      `arn:aws:kinesis:us-east-1:123456789012:stream/${options.streamName ?? 'source-stream'}`,
  };
}

/** Records with these payloads, in one shard, sequence numbers increasing. */
export function kinesisRecords(
  payloads: readonly (string | Uint8Array)[],
  partitionKey?: string,
): KinesisStreamRecord[] {
  return payloads.map((data) => kinesisRecord({ data, partitionKey }));
}

/** A Kinesis event holding these records. */
export function kinesisEvent(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}
