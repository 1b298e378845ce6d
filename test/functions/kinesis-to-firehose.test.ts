import { describe, expect, it } from 'vitest';
import { startLocalFirehose } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalFirehose, 23);
let streamCount = 0;

async function newDeliveryStream(): Promise<string> {
  const name = `kinesis-to-firehose-${++streamCount}`;
  await bed.service.createDeliveryStream(name);
  return name;
}

/** Binary payloads (not UTF-8) that name their record in the first four bytes. */
function payload(index: number): Buffer {
  const bytes = Buffer.alloc(24, 0xff);
  bytes.writeUInt32BE(index, 0);
  return bytes;
}

describe('kinesis-to-firehose', () => {
  it('reports exactly the records missing from the delivery stream under injected faults', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('kinesis-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      MAX_ATTEMPTS: '3',
    });
    const records = Array.from({ length: 150 }, (_, index) => kinesisRecord({ data: payload(index) }));
    bed.proxy.setFaults({ entryFailureRate: 0.4, throttleRate: 0.1, internalErrorRate: 0.05 });

    const response = await handler(kinesisEvent(records), lambdaContext(20_000));

    const delivered = new Set(
      (await bed.service.readDelivered(stream)).map((data) => data.toString('base64')),
    );
    const missing = records
      .filter((record) => {
        const expected = Buffer.concat([Buffer.from(record.kinesis.data, 'base64'), Buffer.from('\n')]);
        return !delivered.has(expected.toString('base64'));
      })
      .map((record) => record.kinesis.sequenceNumber);
    expect(reportedIds(response)).toEqual(missing.sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(records.length);
  });

  it('delivers the exact bytes, without a newline when APPEND_NEWLINE=false', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('kinesis-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      APPEND_NEWLINE: 'false',
    });
    const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x80]);

    await handler(kinesisEvent([kinesisRecord({ data: bytes })]), lambdaContext());

    expect(await bed.service.readDelivered(stream)).toEqual([bytes]);
  });

  it('returns before a 300 ms timeout when the destination is slow, and reports the unsent records', async () => {
    const stream = await newDeliveryStream();
    const handler = await importFunction('kinesis-to-firehose', {
      DELIVERY_STREAM_NAME: stream,
      AWS_ENDPOINT_URL_FIREHOSE: bed.proxy.endpoint,
      THROW_ON_FULL_BATCH_FAILURE: 'false',
    });
    const records = Array.from({ length: 5 }, (_, index) => kinesisRecord({ data: payload(index) }));
    bed.proxy.setFaults({ latencyMs: 2_000 });
    const started = Date.now();

    const response = await handler(kinesisEvent(records), lambdaContext(300));

    expect(Date.now() - started).toBeLessThan(300);
    expect(reportedIds(response)).toEqual(records.map((record) => record.kinesis.sequenceNumber).sort());
    expect(bed.output.summaries()[0]).toMatchObject({
      deadlineReached: true,
      failedByReason: { DeadlineReached: 5 },
    });
  });
});
