import type { KinesisEntry } from '../../lib/destinations/kinesis.js';
import type { DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';
import { changeJson, itemPartitionKey } from '../dynamodb-json.js';

const utf8 = new TextEncoder();

/** The DynamoDB-to-Kinesis conversion: the change as JSON, partitioned by the item's key. */
export function dynamoDBToKinesis(record: DynamoDBStreamRecord): KinesisEntry {
  return { data: utf8.encode(changeJson(record)), partitionKey: itemPartitionKey(record) };
}
