import { describe, expect, it } from 'vitest';
import { startLocalKinesis } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { dynamoDBEvent, dynamoDBRecord } from '../factories/dynamodb.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalKinesis, 31);
let streamCount = 0;

async function newStream(): Promise<string> {
  const name = `dynamodb-to-kinesis-${++streamCount}`;
  await bed.service.createStream(name, 2);
  return name;
}

describe('dynamodb-to-kinesis', () => {
  it('writes each change as JSON keyed by the item, in order per item', async () => {
    const stream = await newStream();
    const handler = await importFunction('dynamodb-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
    });
    const records = [
      dynamoDBRecord({ keys: { pk: 'a' }, newImage: { pk: 'a', v: 1 } }),
      dynamoDBRecord({ keys: { pk: 'b' }, newImage: { pk: 'b', v: 1 } }),
      dynamoDBRecord({ eventName: 'MODIFY', keys: { pk: 'a' }, newImage: { pk: 'a', v: 2 } }),
      dynamoDBRecord({ eventName: 'REMOVE', keys: { pk: 'a' }, oldImage: { pk: 'a', v: 2 } }),
    ];

    const response = await handler(dynamoDBEvent(records), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const stored = await bed.service.readStream(stream);
    const forA = stored
      .filter((record) => record.partitionKey === 'a')
      .map((r) => JSON.parse(r.data.toString()));
    expect(forA).toEqual([
      { pk: 'a', v: 1 },
      { pk: 'a', v: 2 },
      { keys: { pk: 'a' }, oldImage: { pk: 'a', v: 2 } },
    ]);
    expect(stored.filter((record) => record.partitionKey === 'b')).toHaveLength(1);
  });

  it('reports exactly the changes missing from the stream under injected faults', async () => {
    const stream = await newStream();
    const handler = await importFunction('dynamodb-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
      MAX_ATTEMPTS: '3',
    });
    const records = Array.from({ length: 120 }, (_, index) =>
      dynamoDBRecord({
        keys: { pk: `item-${index % 40}` },
        newImage: { pk: `item-${index % 40}`, n: index },
      }),
    );
    bed.proxy.setFaults({ entryFailureRate: 0.3, throttleRate: 0.1, internalErrorRate: 0.05 });

    const response = await handler(dynamoDBEvent(records), lambdaContext(20_000));

    const stored = new Set(
      (await bed.service.readStream(stream)).map((record) => JSON.parse(record.data.toString()).n),
    );
    const missing = records.filter((_, index) => !stored.has(index)).map((r) => r.dynamodb.SequenceNumber);
    // A change after a failed change of its item is reported too, even if an earlier try stored it.
    expect(reportedIds(response)).toEqual(expect.arrayContaining(missing));
    const reported = new Set(reportedIds(response));
    const seenFailure = new Set<string>();
    records.forEach((record, index) => {
      const item = `item-${index % 40}`;
      if (seenFailure.has(item)) expect(reported.has(record.dynamodb.SequenceNumber)).toBe(true);
      if (reported.has(record.dynamodb.SequenceNumber)) seenFailure.add(item);
    });
    expect(missing.length).toBeGreaterThan(0);
    expect(reported.size).toBeLessThan(records.length);
  });
});
