/**
 * The records of a local DynamoDB stream, as Lambda delivers them: one per change of one
 * item, `INSERT`, `MODIFY` or `REMOVE`, with the images the stream's view type carries.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { dynamoDbItemSize } from '../../lib/destinations/dynamodb-item-size.js';
import type { DynamoDBEventName, DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';

/** An item or key as DynamoDB's JSON API and Lambda's event write it (binary values in base64). */
export type Item = Record<string, AttributeValue>;

/** What a DynamoDB stream records of each change: DynamoDB's `StreamViewType`. */
export const StreamViewType = {
  KeysOnly: 'KEYS_ONLY',
  NewImage: 'NEW_IMAGE',
  OldImage: 'OLD_IMAGE',
  NewAndOldImages: 'NEW_AND_OLD_IMAGES',
} as const;
export type StreamViewType = (typeof StreamViewType)[keyof typeof StreamViewType];

/** One change as the capture stores it: the event record without its sequence number, which the shard gives. */
export interface CapturedChange {
  readonly eventID: string;
  readonly eventName: DynamoDBEventName;
  readonly awsRegion: string;
  readonly eventSourceARN: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Item;
    readonly NewImage?: Item;
    readonly OldImage?: Item;
    readonly SizeBytes: number;
    readonly StreamViewType: StreamViewType;
  };
}

/** The item before and after one write, as read around it; `undefined` where there was none. */
export interface ItemChange {
  readonly keys: Item;
  readonly before: Item | undefined;
  readonly after: Item | undefined;
}

/** Where the change happened. */
export interface ChangeSource {
  readonly streamArn: string;
  readonly region: string;
  readonly viewType: StreamViewType;
}

/**
 * The stream record of one write, or `undefined` when the write changed nothing: DynamoDB
 * Streams writes no record for a put or update that leaves the item as it was, nor for a
 * delete of an item that did not exist.
 */
export function capturedChange(
  change: ItemChange,
  source: ChangeSource,
  at = new Date(),
): CapturedChange | undefined {
  const { keys, before, after } = change;
  if (before === undefined && after === undefined) return undefined;
  if (before !== undefined && after !== undefined && sameItem(before, after)) return undefined;
  const eventName: DynamoDBEventName =
    before === undefined ? 'INSERT' : after === undefined ? 'REMOVE' : 'MODIFY';
  const viewType = source.viewType;
  const newImage = carriesNew(viewType) ? after : undefined;
  const oldImage = carriesOld(viewType) ? before : undefined;
  const images = [keys, newImage, oldImage].filter((image): image is Item => image !== undefined);
  return {
    // Lambda's DynamoDB event ids are 32 hexadecimal digits.
    eventID: randomUUID().replaceAll('-', ''),
    eventName,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
    dynamodb: {
      // Epoch seconds, as DynamoDB sends them by default.
      ApproximateCreationDateTime: Math.floor(at.getTime() / 1000),
      Keys: keys,
      ...(newImage === undefined ? {} : { NewImage: newImage }),
      ...(oldImage === undefined ? {} : { OldImage: oldImage }),
      SizeBytes: images.reduce((sum, image) => sum + itemBytes(image), 0),
      StreamViewType: viewType,
    },
  };
}

/** The Lambda event record of a stored change, with the sequence number the shard gave it. */
export function streamEventRecord(change: CapturedChange, sequenceNumber: string): DynamoDBStreamRecord {
  const record: DynamoDBRecord = {
    eventID: change.eventID,
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: change.awsRegion,
    dynamodb: {
      ApproximateCreationDateTime: change.dynamodb.ApproximateCreationDateTime,
      Keys: change.dynamodb.Keys,
      ...(change.dynamodb.NewImage === undefined ? {} : { NewImage: change.dynamodb.NewImage }),
      ...(change.dynamodb.OldImage === undefined ? {} : { OldImage: change.dynamodb.OldImage }),
      SequenceNumber: sequenceNumber,
      SizeBytes: change.dynamodb.SizeBytes,
      StreamViewType: change.dynamodb.StreamViewType,
    },
    eventSourceARN: change.eventSourceARN,
  };
  return record as DynamoDBStreamRecord;
}

/** The Lambda event record of a change as the capture stored it in its shard: the record's data and sequence number. */
export function storedEventRecord(data: Uint8Array, sequenceNumber: string): DynamoDBStreamRecord {
  const change = JSON.parse(Buffer.from(data).toString('utf8')) as CapturedChange;
  return streamEventRecord(change, sequenceNumber);
}

function carriesNew(viewType: StreamViewType): boolean {
  return viewType === StreamViewType.NewImage || viewType === StreamViewType.NewAndOldImages;
}

function carriesOld(viewType: StreamViewType): boolean {
  return viewType === StreamViewType.OldImage || viewType === StreamViewType.NewAndOldImages;
}

function itemBytes(item: Item): number {
  const size = dynamoDbItemSize(
    Object.fromEntries(Object.entries(item).map(([name, value]) => [name, sdkValue(value)])),
  );
  // An item DynamoDB stored always has a size; a string (a reason) cannot happen here.
  return typeof size === 'number' ? size : 0;
}

/** The value with its base64 binaries as bytes, as the item-size count takes it. */
function sdkValue(value: AttributeValue): SdkAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B, 'base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item, 'base64')) };
  if (value.L !== undefined) return { L: value.L.map(sdkValue) };
  if (value.M !== undefined) {
    return {
      M: Object.fromEntries(Object.entries(value.M).map(([name, member]) => [name, sdkValue(member)])),
    };
  }
  return value as SdkAttributeValue;
}

/** Two items hold the same attributes with the same values (sets compared as sets). */
export function sameItem(a: Item, b: Item): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([key, member]) => {
        // DynamoDB keeps a set's members unordered: compare them sorted.
        const isSet = key === 'SS' || key === 'NS' || key === 'BS';
        const text = isSet ? `[${(member as unknown[]).map(canonical).sort().join(',')}]` : canonical(member);
        return `${JSON.stringify(key)}:${text}`;
      });
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
