import { describe, expect, it } from 'vitest';
import { startLocalFirehose } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalFirehose, 11);
let streamCount = 0;

async function newDeliveryStream(): Promise<string> {
  const name = `sqs-to-firehose-${++streamCount}`;
  await bed.service.createDeliveryStream(name);
  return name;
}

describe('sqs-to-firehose', () => {
  it('reports exactly the records missing from the delivery stream under injected faults', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('sqs-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      MAX_ATTEMPTS: '3',
      MAX_IN_FLIGHT_REQUESTS: '4',
    });
    const records = Array.from({ length: 150 }, (_, index) => sqsRecord({ body: `{"n":${index}}` }));
    bed.proxy.setFaults({ entryFailureRate: 0.4, unavailableRate: 0.1, dropBeforeRate: 0.05 });

    const response = await handler(sqsEvent(records), lambdaContext(20_000));

    const delivered = new Set((await bed.service.readDelivered(stream)).map((data) => data.toString('utf8')));
    const missing = records
      .filter((record) => !delivered.has(`${record.body}\n`))
      .map((record) => record.messageId);
    expect(reportedIds(response)).toEqual(missing.sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(records.length);
  });

  it('ends each record with a newline unless it already has one', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('sqs-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
    });

    await handler(sqsEvent([sqsRecord({ body: 'one' }), sqsRecord({ body: 'two\n' })]), lambdaContext());

    expect((await bed.service.readDelivered(stream)).map((data) => data.toString('utf8'))).toEqual([
      'one\n',
      'two\n',
    ]);
  });

  it('sends the body as it is with APPEND_NEWLINE=false', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('sqs-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      APPEND_NEWLINE: 'false',
    });

    await handler(sqsEvent([sqsRecord({ body: 'h\u00e9llo' })]), lambdaContext());

    expect((await bed.service.readDelivered(stream)).map((data) => data.toString('utf8'))).toEqual([
      'h\u00e9llo',
    ]);
  });
});
