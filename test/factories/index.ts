// The event factories are public (lambda-async-sink/testing); the tests take them from there.
export * from '../../local/events/index.js';
export { type DynamoDBRecordOptions, dynamoDBEvent, dynamoDBRecord } from './dynamodb.js';
