import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

/** The `eventSource` Lambda gives DynamoDB stream records. */
export const DYNAMODB_EVENT_SOURCE = 'aws:dynamodb';

/** What happened to the item: DynamoDB Streams' three event names. */
export const DynamoDBEventName = { Insert: 'INSERT', Modify: 'MODIFY', Remove: 'REMOVE' } as const;
export type DynamoDBEventName = (typeof DynamoDBEventName)[keyof typeof DynamoDBEventName];

/** An item as `@aws-sdk/util-dynamodb`'s `unmarshall` returns it: numbers, strings, Sets, Uint8Arrays, lists, maps. */
export type DynamoDBItem = Record<string, unknown>;

/** A DynamoDB stream record whose `dynamodb.SequenceNumber` and `Keys` the handler has checked. */
export type DynamoDBStreamRecord = DynamoDBRecord & {
  readonly eventName: DynamoDBEventName;
  readonly dynamodb: NonNullable<DynamoDBRecord['dynamodb']> & { readonly SequenceNumber: string };
};

/** One change to one item, unmarshalled: what a `convert` for a DynamoDB stream usually wants. */
export interface DynamoDBChange<Image = DynamoDBItem> {
  readonly eventName: DynamoDBEventName;
  /** The item's primary key (partition key, and sort key when the table has one). */
  readonly keys: DynamoDBItem;
  /** The item after the change; absent on REMOVE and on streams without NEW_IMAGE. */
  readonly newImage: Image | undefined;
  /** The item before the change; absent on INSERT and on streams without OLD_IMAGE. */
  readonly oldImage: Image | undefined;
  readonly sequenceNumber: string;
  /** When the change was made, to the second (DynamoDB sends epoch seconds). */
  readonly approximateCreationDateTime: Date | undefined;
  readonly sizeBytes: number | undefined;
}

type AttributeMap = Parameters<typeof unmarshall>[0];

/** True when the record came from a DynamoDB stream. */
export function isDynamoDBRecord(record: unknown): record is DynamoDBRecord {
  return (
    typeof record === 'object' &&
    record !== null &&
    (record as { eventSource?: unknown }).eventSource === DYNAMODB_EVENT_SOURCE
  );
}

/** The record's id for `batchItemFailures`: its `dynamodb.SequenceNumber`. */
export function dynamoDBRecordId(record: DynamoDBStreamRecord): string {
  return record.dynamodb.SequenceNumber;
}

/** How {@link dynamoDBChange} unmarshalls numbers. */
export interface UnmarshallOptions {
  /**
   * Called with each number's text. Default: `@aws-sdk/util-dynamodb`'s, a JavaScript
   * number, or a `bigint` for an integer beyond `Number.MAX_SAFE_INTEGER`; a decimal with
   * more digits than a double holds is rounded, so pass this to keep such numbers exact.
   */
  readonly wrapNumbers?: (text: string) => unknown;
}

/** An item image (or key) as plain JavaScript, by `@aws-sdk/util-dynamodb`'s `unmarshall`. */
export function unmarshallImage(
  image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
  options: UnmarshallOptions = {},
): DynamoDBItem {
  return unmarshall(image as AttributeMap, options) as DynamoDBItem;
}

/**
 * The record's change, keys and images unmarshalled. Throws (failing the record) on an
 * image `@aws-sdk/util-dynamodb` cannot read.
 */
export function dynamoDBChange(
  record: DynamoDBStreamRecord,
  options: UnmarshallOptions = {},
): DynamoDBChange {
  const stream = record.dynamodb;
  return {
    eventName: record.eventName,
    keys: unmarshallImage(stream.Keys, options),
    newImage: stream.NewImage === undefined ? undefined : unmarshallImage(stream.NewImage, options),
    oldImage: stream.OldImage === undefined ? undefined : unmarshallImage(stream.OldImage, options),
    sequenceNumber: stream.SequenceNumber,
    approximateCreationDateTime:
      stream.ApproximateCreationDateTime === undefined
        ? undefined
        : new Date(stream.ApproximateCreationDateTime * 1000),
    sizeBytes: stream.SizeBytes,
  };
}

/**
 * The item's key as one string, the same for every change of the item: the key
 * attributes in name order with their typed values, e.g. `"pk":{"S":"a"},"sk":{"N":"1"}`.
 * It is the ordering group of a DynamoDB stream record, so that an item's changes keep
 * their order. The raw attribute values are used, not unmarshalled ones, so that a key
 * is never changed or refused on the way (a number key too large for JavaScript).
 */
export function dynamoDBItemKey(keys: NonNullable<DynamoDBRecord['dynamodb']>['Keys']): string {
  const attributes = keys ?? {};
  return Object.keys(attributes)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${JSON.stringify(attributes[name])}`)
    .join(',');
}
