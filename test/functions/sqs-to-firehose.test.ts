import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../local/index.js';
import { type LocalFirehose, startLocalFirehose } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { OutputCapture } from '../handler/output-capture.js';
import { importFunction, reportedIds } from './function-harness.js';

let firehose: LocalFirehose;
let proxy: FaultProxy;
let output: OutputCapture;
let streamCount = 0;

beforeAll(async () => {
  firehose = await startLocalFirehose();
  proxy = await startFaultProxy({ upstream: firehose.endpoint, seed: 11 });
});
afterAll(async () => {
  await proxy?.close();
  await firehose?.close();
});
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
  proxy.setFaults({});
  vi.unstubAllEnvs();
});

async function newDeliveryStream(): Promise<string> {
  const name = `sqs-to-firehose-${++streamCount}`;
  await firehose.createDeliveryStream(name);
  return name;
}

describe('sqs-to-firehose', () => {
  it('reports exactly the records missing from the delivery stream under injected faults', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('sqs-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: proxy.endpoint,
      MAX_ATTEMPTS: '3',
      MAX_IN_FLIGHT_REQUESTS: '4',
    });
    const records = Array.from({ length: 150 }, (_, index) => sqsRecord({ body: `{"n":${index}}` }));
    proxy.setFaults({ entryFailureRate: 0.4, unavailableRate: 0.1, dropBeforeRate: 0.05 });

    const response = await handler(sqsEvent(records), lambdaContext(20_000));

    const delivered = new Set((await firehose.readDelivered(stream)).map((data) => data.toString('utf8')));
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
      AWS_ENDPOINT_URL_FIREHOSE: proxy.endpoint,
    });

    await handler(sqsEvent([sqsRecord({ body: 'one' }), sqsRecord({ body: 'two\n' })]), lambdaContext());

    expect((await firehose.readDelivered(stream)).map((data) => data.toString('utf8'))).toEqual([
      'one\n',
      'two\n',
    ]);
  });

  it('sends the body as it is with APPEND_NEWLINE=false', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('sqs-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: proxy.endpoint,
      APPEND_NEWLINE: 'false',
    });

    await handler(sqsEvent([sqsRecord({ body: 'h\u00e9llo' })]), lambdaContext());

    expect((await firehose.readDelivered(stream)).map((data) => data.toString('utf8'))).toEqual([
      'h\u00e9llo',
    ]);
  });
});
