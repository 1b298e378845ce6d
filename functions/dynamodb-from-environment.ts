/** The DynamoDB destination and conversion of the `*-to-dynamodb` functions. */
import {
  type DynamoDbDestination,
  type DynamoDbEntry,
  dynamoDbDestination,
} from '../lib/destinations/dynamodb.js';
import { type Environment, fromVariable, optionalString, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_OPTION_VARIABLES, DESTINATION_VARIABLES } from './contract.js';
import { jsonObjectOf, type RecordPayload } from './record-payload.js';

/** TABLE_NAME, TABLE_PARTITION_KEY and TABLE_SORT_KEY, with the tuning's client settings. */
export function dynamoDbFromEnvironment(env: Environment, tuning: SinkTuning): DynamoDbDestination {
  const variable = DESTINATION_VARIABLES.dynamodb;
  const tableName = requiredString(env, variable, 'the name of the destination DynamoDB table');
  const partitionKey = requiredString(
    env,
    DESTINATION_OPTION_VARIABLES.tablePartitionKey,
    "the name of the table's partition key attribute",
  );
  const sortKey = optionalString(env, DESTINATION_OPTION_VARIABLES.tableSortKey);
  return fromVariable(variable, () =>
    dynamoDbDestination({
      tableName,
      partitionKey,
      ...(sortKey === undefined ? {} : { sortKey }),
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}

/** Each record is a JSON object, put as one item (it must hold the table's key attributes). */
export function payloadToDynamoDb(payload: RecordPayload): DynamoDbEntry {
  return { put: jsonObjectOf(payload) };
}
