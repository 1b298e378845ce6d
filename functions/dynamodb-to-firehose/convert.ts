import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import type { DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';
import { changeJson } from '../dynamodb-json.js';

const utf8 = new TextEncoder();

/** The DynamoDB-to-Firehose conversion: the change as JSON, newline-terminated when `appendNewline`. */
export function dynamoDBToFirehose(appendNewline: boolean): (record: DynamoDBStreamRecord) => FirehoseEntry {
  // The JSON is one line (no string holds a raw newline), so the newline ends the record.
  return (record) => ({ data: utf8.encode(appendNewline ? `${changeJson(record)}\n` : changeJson(record)) });
}
