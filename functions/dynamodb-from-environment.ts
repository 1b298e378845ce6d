/** The DynamoDB destination and conversion of the `*-to-dynamodb` functions. */
import {
  type DynamoDbDestination,
  type DynamoDbEntry,
  dynamoDbDestination,
} from '../lib/destinations/dynamodb.js';
import { DYNAMODB_KEY_TYPES } from '../lib/destinations/dynamodb-key-schema.js';
import {
  type Environment,
  fromVariable,
  optionalChoiceVariable,
  optionalString,
  requiredString,
  type SinkTuning,
} from './config.js';
import { DESTINATION_OPTION_VARIABLES, DESTINATION_VARIABLES } from './contract.js';
import { jsonObjectOf, type RecordPayload } from './record-payload.js';

/**
 * TABLE_NAME, TABLE_PARTITION_KEY and TABLE_SORT_KEY, with their types TABLE_PARTITION_KEY_TYPE
 * and TABLE_SORT_KEY_TYPE when given (the construct sets them from a table it can see), and the
 * tuning's client settings.
 */
export function dynamoDbFromEnvironment(env: Environment, tuning: SinkTuning): DynamoDbDestination {
  const variable = DESTINATION_VARIABLES.dynamodb;
  const tableName = requiredString(env, variable, 'the name of the destination DynamoDB table');
  const partitionKey = requiredString(
    env,
    DESTINATION_OPTION_VARIABLES.tablePartitionKey,
    "the name of the table's partition key attribute",
  );
  const sortKey = optionalString(env, DESTINATION_OPTION_VARIABLES.tableSortKey);
  const partitionKeyType = optionalChoiceVariable(
    env,
    DESTINATION_OPTION_VARIABLES.tablePartitionKeyType,
    DYNAMODB_KEY_TYPES,
  );
  const sortKeyType = optionalChoiceVariable(
    env,
    DESTINATION_OPTION_VARIABLES.tableSortKeyType,
    DYNAMODB_KEY_TYPES,
  );
  return fromVariable(variable, () =>
    dynamoDbDestination({
      tableName,
      partitionKey,
      ...(sortKey === undefined ? {} : { sortKey }),
      ...(partitionKeyType === undefined ? {} : { partitionKeyType }),
      ...(sortKeyType === undefined ? {} : { sortKeyType }),
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}

/** Each record is a JSON object, put as one item (it must hold the table's key attributes). */
export function payloadToDynamoDb(payload: RecordPayload): DynamoDbEntry {
  return { put: jsonObjectOf(payload) };
}
