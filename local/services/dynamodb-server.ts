import {
  type AttributeValue,
  CreateTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { type LocalServer, startLevelDbEmulator } from './leveldb-emulator.js';

/** Options of {@link startDynamoDbServer}. */
export interface DynamoDbServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** LevelDB directory; omitted means in memory. */
  readonly path?: string;
}

/** A running local DynamoDB endpoint (dynalite). */
export type DynamoDbServer = LocalServer;

/** Starts dynalite in-process on 127.0.0.1, with tables ACTIVE at once. */
export function startDynamoDbServer(options: DynamoDbServerOptions = {}): Promise<DynamoDbServer> {
  return startLevelDbEmulator(
    'dynalite',
    'startDynamoDbServer',
    { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 },
    options,
  );
}

/** Creates an on-demand table keyed by string attributes `partitionKey` (and `sortKey`). */
export async function createDynamoDbTable(
  client: DynamoDBClient,
  name: string,
  partitionKey: string,
  sortKey?: string,
): Promise<void> {
  const keys: KeySchemaElement[] = [{ AttributeName: partitionKey, KeyType: 'HASH' }];
  if (sortKey !== undefined) keys.push({ AttributeName: sortKey, KeyType: 'RANGE' });
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys,
      AttributeDefinitions: keys.map((key) => ({ AttributeName: key.AttributeName, AttributeType: 'S' })),
    }),
  );
}

/** Every item of a table, page by page (bounded). */
export async function scanTable(
  client: DynamoDBClient,
  name: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (start === undefined) return items;
  }
  throw new Error(`scan of ${name} did not end`);
}
