import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startLocalKinesis } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalKinesis, 7);
let streamCount = 0;

async function newStream(): Promise<string> {
  const name = `sqs-to-kinesis-${++streamCount}`;
  await bed.service.createStream(name, 2);
  return name;
}

/** Each body names its record, so what arrived can be matched to what was sent. */
function bodies(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => JSON.stringify({ id: `${prefix}-${index}`, n: index }));
}

describe('sqs-to-kinesis', () => {
  it('reports exactly the records missing from the stream when entries fail and calls throttle', async () => {
    const stream = await newStream();
    const handler = await importFunction('sqs-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
      MAX_ATTEMPTS: '3',
    });
    const records = bodies(120, 'std').map((body) => sqsRecord({ body }));
    bed.proxy.setFaults({ entryFailureRate: 0.4, throttleRate: 0.1, internalErrorRate: 0.05 });

    const response = await handler(sqsEvent(records), lambdaContext(20_000));

    const stored = new Set(
      (await bed.service.readStream(stream)).map((record) => record.data.toString('utf8')),
    );
    const missing = records.filter((record) => !stored.has(record.body)).map((record) => record.messageId);
    expect(reportedIds(response)).toEqual(missing.sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(records.length);
  });

  it('keys standard messages by message id and FIFO messages by message group', async () => {
    const stream = await newStream();
    const handler = await importFunction('sqs-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
    });
    const standard = sqsRecord({ body: 'standard' });
    const fifo = [
      sqsRecord({ groupId: 'orders-1', body: 'fifo-1' }),
      sqsRecord({ groupId: 'orders-1', body: 'fifo-2' }),
    ];

    expect(await handler(sqsEvent([standard]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent(fifo), lambdaContext())).toEqual({ batchItemFailures: [] });

    const stored = await bed.service.readStream(stream);
    const keys = Object.fromEntries(
      stored.map((record) => [record.data.toString('utf8'), record.partitionKey]),
    );
    expect(keys).toEqual({ standard: standard.messageId, 'fifo-1': 'orders-1', 'fifo-2': 'orders-1' });
  });

  it('takes the partition key from PARTITION_KEY_FIELD of a JSON body, and falls back otherwise', async () => {
    const stream = await newStream();
    const handler = await importFunction('sqs-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
      PARTITION_KEY_FIELD: 'customer',
    });
    const withField = sqsRecord({ body: '{"customer":"c-42","total":3}' });
    const numeric = sqsRecord({ body: '{"customer":7}' });
    const notJson = sqsRecord({ body: 'plain text' });

    await handler(sqsEvent([withField, numeric, notJson]), lambdaContext());

    const keys = Object.fromEntries(
      (await bed.service.readStream(stream)).map((record) => [
        record.data.toString('utf8'),
        record.partitionKey,
      ]),
    );
    expect(keys).toEqual({
      [withField.body]: 'c-42',
      [numeric.body]: '7',
      [notJson.body]: notJson.messageId,
    });
  });

  it('cuts off a FIFO group after a failure while the other groups go on', async () => {
    const stream = await newStream();
    const handler = await importFunction('sqs-to-kinesis', {
      STREAM_NAME: stream,
      AWS_ENDPOINT_URL_KINESIS: bed.proxy.endpoint,
      MAX_ATTEMPTS: '1',
    });
    const groups = ['g1', 'g2', 'g3', 'g4'];
    const records: SQSRecord[] = [];
    for (let index = 0; index < 40; index++) {
      const groupId = groups[index % groups.length];
      records.push(sqsRecord({ groupId, body: `${groupId}:${index}` }));
    }
    bed.proxy.setFaults({ entryFailureRate: 0.15, entryThrottleShare: 1 });

    const response = await handler(sqsEvent(records), lambdaContext(20_000));

    const stored = await bed.service.readStream(stream);
    const reported = new Set(reportedIds(response));
    // Within a group, the records that arrived are exactly the ones before its first reported record, in order.
    for (const group of groups) {
      const ofGroup = records.filter((record) => record.attributes.MessageGroupId === group);
      const firstReported = ofGroup.findIndex((record) => reported.has(record.messageId));
      const expected = (firstReported < 0 ? ofGroup : ofGroup.slice(0, firstReported)).map(
        (record) => record.body,
      );
      expect(
        ofGroup
          .slice(firstReported < 0 ? ofGroup.length : firstReported)
          .every((r) => reported.has(r.messageId)),
      ).toBe(true);
      const arrived = stored
        .filter((record) => record.partitionKey === group)
        .map((record) => record.data.toString('utf8'));
      expect(arrived).toEqual(expected);
    }
    expect(reported.size).toBeGreaterThan(0);
    expect(reported.size).toBeLessThan(records.length);
  });
});
