import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { DynamoDBEventName, DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';

// DynamoDB stream sequence numbers are decimal strings, increasing within a shard.
let sequence = 4_421_584_500_000_000_017_450_439_091n;

/** Options of {@link dynamoDBRecord}: images as plain JavaScript, marshalled here. */
export interface DynamoDBRecordOptions {
  readonly eventName?: DynamoDBEventName;
  readonly keys?: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  readonly sequenceNumber?: string;
  readonly tableName?: string;
}

/** A DynamoDB stream record as Lambda delivers it (NEW_AND_OLD_IMAGES). */
export function dynamoDBRecord(options: DynamoDBRecordOptions = {}): DynamoDBStreamRecord {
  const eventName = options.eventName ?? 'INSERT';
  const keys = options.keys ?? { pk: 'item-1' };
  const newImage = eventName === 'REMOVE' ? undefined : (options.newImage ?? { ...keys, value: 1 });
  const oldImage = eventName === 'INSERT' ? undefined : (options.oldImage ?? { ...keys, value: 0 });
  sequence += 100n;
  const Keys = marshall(keys);
  const NewImage = newImage === undefined ? undefined : marshall(newImage);
  const OldImage = oldImage === undefined ? undefined : marshall(oldImage);
  const table = options.tableName ?? 'source-table';
  return {
    eventID: `${sequence.toString(16)}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_764_000_000,
      Keys,
      ...(NewImage === undefined ? {} : { NewImage }),
      ...(OldImage === undefined ? {} : { OldImage }),
      SequenceNumber: options.sequenceNumber ?? sequence.toString(),
      SizeBytes: JSON.stringify([Keys, NewImage, OldImage]).length,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2026-11-26T00:00:00.000`,
  } as DynamoDBStreamRecord;
}

/** A DynamoDB stream event holding these records. */
export function dynamoDBEvent(records: readonly DynamoDBStreamRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}
