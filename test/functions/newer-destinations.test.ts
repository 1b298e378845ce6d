/**
 * The ready-made functions of the newer destinations, as Lambda runs them, against the local
 * services behind the fault proxy: what they report failed is exactly what did not arrive.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  createDynamoDbClient,
  createDynamoDbTable,
  LOCAL_AWS,
  scanTable,
  startCloudWatchServer,
  startDynamoDbServer,
  startEventBridgeServer,
} from '../../local/index.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

async function localDynamoDb() {
  const server = await startDynamoDbServer();
  const client = createDynamoDbClient(server.endpoint, { maxAttempts: 1 });
  return {
    endpoint: server.endpoint,
    client,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

async function inTemporaryDirectory<T extends { readonly endpoint: string; close(): Promise<void> }>(
  prefix: string,
  start: (dir: string) => Promise<T>,
) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const server = await start(dir);
  const closeServer = server.close.bind(server);
  return Object.assign(server, {
    async close() {
      await closeServer();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

describe('sqs-to-dynamodb', () => {
  const bed = useFunctionTestBed(localDynamoDb, 11);

  it('puts each JSON message as an item and reports exactly the records missing from the table', async () => {
    // Arrange
    await createDynamoDbTable(bed.service.client, 'orders', 'id');
    const handler = await importFunction('sqs-to-dynamodb', {
      TABLE_NAME: 'orders',
      TABLE_PARTITION_KEY: 'id',
      AWS_ENDPOINT_URL_DYNAMODB: bed.proxy.endpoint,
      MAX_ATTEMPTS: '2',
    });
    const records = Array.from({ length: 80 }, (_, i) =>
      sqsRecord({ body: JSON.stringify({ id: `o${i}`, n: i, note: 'é' }) }),
    );
    const notJson = sqsRecord({ body: 'not json' });
    bed.proxy.setFaults({ entryFailureRate: 0.3, throttleRate: 0.05 });

    // Act
    const response = await handler(sqsEvent([...records, notJson]), lambdaContext(20_000));

    // Assert
    const stored = new Map(
      (await scanTable(bed.service.client, 'orders')).map((item) => [item.id.S, unmarshall(item)]),
    );
    const missing = records.filter((r) => !stored.has(JSON.parse(r.body).id)).map((r) => r.messageId);
    expect(reportedIds(response)).toEqual([...missing, notJson.messageId].sort());
    expect(missing.length).toBeGreaterThan(0);
    for (const record of records.filter((r) => !missing.includes(r.messageId))) {
      const item = JSON.parse(record.body);
      expect(stored.get(item.id)).toEqual(item);
    }
  });
});

describe('kinesis-to-eventbridge', () => {
  const bed = useFunctionTestBed(
    () => inTemporaryDirectory('fn-eventbridge-', (dir) => startEventBridgeServer({ dir })),
    12,
  );

  it('sends a JSON object record as the detail, wraps anything else, and reports what did not arrive', async () => {
    // Arrange
    const direct = new EventBridgeClient({
      ...LOCAL_AWS,
      credentials: { ...LOCAL_AWS.credentials },
      endpoint: bed.service.endpoint,
    });
    await direct.send(new CreateEventBusCommand({ Name: 'orders' }));
    direct.destroy();
    const handler = await importFunction('kinesis-to-eventbridge', {
      EVENT_BUS_NAME: 'orders',
      EVENT_SOURCE: 'com.example.orders',
      AWS_ENDPOINT_URL_EVENTBRIDGE: bed.proxy.endpoint,
      MAX_ATTEMPTS: '2',
    });
    const records = Array.from({ length: 60 }, (_, i) =>
      kinesisRecord({ data: JSON.stringify({ id: `e${i}` }) }),
    );
    const text = kinesisRecord({ data: 'plain text' });
    bed.proxy.setFaults({ entryFailureRate: 0.3 });

    // Act
    const response = await handler(kinesisEvent([...records, text]), lambdaContext(20_000));

    // Assert
    const delivered = await bed.service.readDelivered('orders');
    const details = new Set(delivered.map((e) => e.detail));
    const missing = [...records, text].filter((r) => {
      const data = Buffer.from(r.kinesis.data, 'base64').toString('utf8');
      return !details.has(data === 'plain text' ? JSON.stringify({ data }) : data);
    });
    expect(reportedIds(response)).toEqual(missing.map((r) => r.kinesis.sequenceNumber).sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(delivered.every((e) => e.source === 'com.example.orders' && e.detailType === 'record')).toBe(true);
  });
});

describe('kinesis-to-cloudwatch', () => {
  const bed = useFunctionTestBed(
    () => inTemporaryDirectory('fn-cloudwatch-', (dir) => startCloudWatchServer({ dir })),
    13,
  );

  it('publishes each JSON datum and fails a datum CloudWatch cannot take, alone, before any request', async () => {
    const handler = await importFunction('kinesis-to-cloudwatch', {
      METRIC_NAMESPACE: 'MyApp/Orders',
      AWS_ENDPOINT_URL_CLOUDWATCH: bed.proxy.endpoint,
    });
    const good = Array.from({ length: 30 }, (_, i) =>
      kinesisRecord({
        data: JSON.stringify({
          MetricName: 'Latency',
          Value: i,
          Unit: 'Milliseconds',
          Timestamp: '2026-11-26T00:00:00Z',
        }),
      }),
    );
    const bad = kinesisRecord({ data: JSON.stringify({ MetricName: 'Latency', Value: 'high' }) });

    const response = await handler(kinesisEvent([...good, bad]), lambdaContext(20_000));

    expect(reportedIds(response)).toEqual([bad.kinesis.sequenceNumber]);
    const delivered = await bed.service.readDelivered('MyApp/Orders');
    expect(delivered.map((d) => d.Value).sort((a, b) => Number(a) - Number(b))).toEqual(
      good.map((_, i) => i),
    );
    expect(delivered[0]).toMatchObject({ Timestamp: Date.parse('2026-11-26T00:00:00Z') / 1000 });
  });
});
