/**
 * What the dynamodb-to-* functions write: one JSON document per change, and the item's
 * key as a partition key. The JSON is written straight from the stream's typed attribute
 * values rather than from unmarshalled ones, so that nothing is lost on the way: a number
 * keeps its exact digits (a JavaScript number would round a 38-digit decimal), a set
 * becomes an array (JSON.stringify turns a Set into `{}`) and a binary stays base64.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from 'aws-lambda';
import type { DynamoDBStreamRecord } from '../lib/sources/dynamodb.js';

type AttributeMap = Readonly<Record<string, AttributeValue>>;

// A JSON number, which is what DynamoDB's normalised number text always is.
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

// Kinesis takes partition keys of 1 to 256 Unicode characters.
const MAX_PARTITION_KEY_LENGTH = 256;

function numberJson(text: string): string {
  if (JSON_NUMBER.test(text)) return text;
  throw new TypeError('a number attribute that is not a decimal number');
}

function attributeJson(value: AttributeValue): string {
  if (value.S !== undefined) return JSON.stringify(value.S);
  if (value.N !== undefined) return numberJson(value.N);
  if (value.B !== undefined) return JSON.stringify(value.B);
  if (value.BOOL !== undefined) return value.BOOL ? 'true' : 'false';
  if (value.NULL !== undefined) return 'null';
  if (value.SS !== undefined) return `[${value.SS.map((item) => JSON.stringify(item)).join(',')}]`;
  if (value.NS !== undefined) return `[${value.NS.map(numberJson).join(',')}]`;
  if (value.BS !== undefined) return `[${value.BS.map((item) => JSON.stringify(item)).join(',')}]`;
  if (value.L !== undefined) return `[${value.L.map(attributeJson).join(',')}]`;
  if (value.M !== undefined) return mapJson(value.M);
  throw new TypeError(`an attribute value of no known type (${Object.keys(value).join(', ') || 'empty'})`);
}

/** An item (a map of typed attribute values) as JSON, losslessly. Throws on a value of no known type. */
export function mapJson(map: AttributeMap): string {
  const members = Object.entries(map).map(
    ([name, value]) => `${JSON.stringify(name)}:${attributeJson(value)}`,
  );
  return `{${members.join(',')}}`;
}

/**
 * The change as JSON: the new image on INSERT and MODIFY; on REMOVE, or on a stream that
 * carries no new image, `{"keys":…,"oldImage":…}` (the old image when the stream has one).
 */
export function changeJson(record: DynamoDBStreamRecord): string {
  const stream = record.dynamodb;
  if (record.eventName !== 'REMOVE' && stream.NewImage !== undefined) return mapJson(stream.NewImage);
  const keys = `"keys":${mapJson(stream.Keys ?? {})}`;
  return stream.OldImage === undefined ? `{${keys}}` : `{${keys},"oldImage":${mapJson(stream.OldImage)}}`;
}

function keyValueText(value: AttributeValue): string {
  // Key attributes are S, N or B (base64 in the event): their text is the value.
  const text = value.S ?? value.N ?? value.B;
  if (text === undefined) throw new TypeError('a key attribute that is not S, N or B');
  return text;
}

/**
 * The item's key as a partition key: the key value itself for a table with a partition key
 * only, else the JSON array of the values in attribute-name order. A key longer than
 * Kinesis allows (256 characters; DynamoDB keys may reach 2 KB) becomes `sha256:` and its
 * hash: the same item still always lands on the same shard, in order.
 */
export function itemPartitionKey(record: DynamoDBStreamRecord): string {
  const keys = record.dynamodb.Keys ?? {};
  const values = Object.keys(keys)
    .sort()
    .map((name) => keyValueText(keys[name]));
  const key = values.length === 1 ? values[0] : JSON.stringify(values);
  if (key.length <= MAX_PARTITION_KEY_LENGTH) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
