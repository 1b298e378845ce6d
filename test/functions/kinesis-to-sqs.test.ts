import { describe, expect, it } from 'vitest';
import { deduplicationIdFor } from '../../lib/destinations/deduplication-id.js';
import type { DeadLetter } from '../../lib/handler/poison.js';
import { sourceOfRecord } from '../../lib/sources/source-event.js';
import { startLocalSqs } from '../destinations/local-destinations.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { importFunction, reportedIds, useFunctionTestBed } from './function-harness.js';

const bed = useFunctionTestBed(startLocalSqs, 5);
let queueCount = 0;

function newQueue(suffix = ''): Promise<string> {
  return bed.service.createQueue(`kinesis-to-sqs-${++queueCount}${suffix}`);
}

describe('kinesis-to-sqs', () => {
  it('reports exactly the records missing from the queue under injected faults', async () => {
    const queueUrl = await newQueue();
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
      MAX_ATTEMPTS: '3',
    });
    const records = Array.from({ length: 80 }, (_, index) => kinesisRecord({ data: `event ${index}` }));
    bed.proxy.setFaults({ entryFailureRate: 0.4, throttleRate: 0.05, internalErrorRate: 0.05 });

    const response = await handler(kinesisEvent(records), lambdaContext(20_000));

    bed.proxy.setFaults({});
    const arrived = new Set((await bed.service.drain(queueUrl)).map((message) => message.Body));
    const missing = records
      .filter((record) => !arrived.has(Buffer.from(record.kinesis.data, 'base64').toString('utf8')))
      .map((record) => record.kinesis.sequenceNumber);
    expect(reportedIds(response)).toEqual(missing.sort());
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(records.length);
  });

  it('sends text as the body, and base64 with a contentEncoding attribute when the data cannot be a body', async () => {
    const queueUrl = await newQueue();
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
    });
    const text = kinesisRecord({ data: '{"caf\u00e9":1}' });
    const binary = kinesisRecord({ data: Buffer.from([0x00, 0xff, 0xfe]) });
    const control = kinesisRecord({ data: 'bell \u0007' });

    const response = await handler(kinesisEvent([text, binary, control]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const messages = await bed.service.drain(queueUrl);
    const byBody = Object.fromEntries(
      messages.map((message) => [message.Body, message.MessageAttributes?.contentEncoding?.StringValue]),
    );
    expect(byBody).toEqual({
      '{"caf\u00e9":1}': undefined,
      [Buffer.from([0x00, 0xff, 0xfe]).toString('base64')]: 'base64',
      [Buffer.from('bell \u0007').toString('base64')]: 'base64',
    });
  });

  it('gives a FIFO queue the partition key as message group and a deduplication id from the stream, shard and sequence number', async () => {
    const queueUrl = await newQueue('.fifo');
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
    });
    const records = [
      kinesisRecord({ partitionKey: 'device-1', data: 'a' }),
      kinesisRecord({ partitionKey: 'device-2', data: 'b' }),
      kinesisRecord({ partitionKey: 'device-1', data: 'c' }),
    ];

    expect(await handler(kinesisEvent(records), lambdaContext())).toEqual({ batchItemFailures: [] });
    // A redelivered batch is dropped by SQS as duplicates.
    expect(await handler(kinesisEvent(records), lambdaContext())).toEqual({ batchItemFailures: [] });

    const messages = await bed.service.drain(queueUrl);
    expect(messages.map((message) => [message.Body, message.Attributes?.MessageGroupId])).toEqual([
      ['a', 'device-1'],
      ['b', 'device-2'],
      ['c', 'device-1'],
    ]);
    expect(messages[0].Attributes?.MessageDeduplicationId).toBe(
      deduplicationIdFor(records[0].kinesis.sequenceNumber, 0, sourceOfRecord(records[0])),
    );
  });

  it.each([
    ['by default', {}],
    ['with ORDERED=true', { ORDERED: 'true' }],
  ])('%s keeps each partition key in order at a FIFO queue under faults', async (_name, ordered) => {
    const queueUrl = await newQueue(`-ordered-${Object.keys(ordered).length}.fifo`);
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
      ...ordered,
      MAX_ATTEMPTS: '1',
    });
    const keys = ['k1', 'k2', 'k3'];
    const records = Array.from({ length: 36 }, (_, index) =>
      kinesisRecord({
        partitionKey: keys[index % keys.length],
        data: `${keys[index % keys.length]}:${index}`,
      }),
    );
    bed.proxy.setFaults({ entryFailureRate: 0.1, entryThrottleShare: 1 });

    const response = await handler(kinesisEvent(records), lambdaContext(20_000));

    bed.proxy.setFaults({});
    const reported = new Set(reportedIds(response));
    const messages = await bed.service.drain(queueUrl);
    for (const key of keys) {
      const ofKey = records.filter((record) => record.kinesis.partitionKey === key);
      const firstReported = ofKey.findIndex((record) => reported.has(record.kinesis.sequenceNumber));
      const sent = firstReported < 0 ? ofKey : ofKey.slice(0, firstReported);
      // A failed entry fails the later entries of its key: they are reported, and were never sent.
      expect(ofKey.slice(sent.length).every((record) => reported.has(record.kinesis.sequenceNumber))).toBe(
        true,
      );
      const arrived = messages
        .filter((message) => message.Attributes?.MessageGroupId === key)
        .map((m) => m.Body);
      expect(arrived).toEqual(
        sent.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8')),
      );
    }
    expect(reported.size).toBeGreaterThan(0);
    expect(reported.size).toBeLessThan(records.length);
  });

  it('with POISON_POLICY=dead-letter, sends a poison record and its reason to the dead-letter queue', async () => {
    const queueUrl = await newQueue();
    const deadLetterQueueUrl = await newQueue('-dlq');
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
      POISON_POLICY: 'dead-letter',
      DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
    });
    // Empty data makes an empty body, which SQS never accepts.
    const poison = kinesisRecord({ data: '' });
    const good = kinesisRecord({ data: 'fine' });

    const response = await handler(kinesisEvent([poison, good]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await bed.service.drain(queueUrl)).map((message) => message.Body)).toEqual(['fine']);
    const letters = await bed.service.drain(deadLetterQueueUrl);
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0].Body ?? '') as DeadLetter;
    expect(letter).toMatchObject({
      recordId: poison.kinesis.sequenceNumber,
      eventSource: 'aws:kinesis',
      failure: { code: 'InvalidEntry', reason: expect.stringMatching(/body must be a non-empty string/) },
      record: poison,
    });
    expect(letters[0].MessageAttributes?.failureCode?.StringValue).toBe('InvalidEntry');
    expect(bed.output.summaries()[0]).toMatchObject({
      poison: { policy: 'dead-letter', found: 1, deadLettered: 1 },
    });
  });

  it('without a dead-letter policy, reports the poison record for retry', async () => {
    const queueUrl = await newQueue();
    const handler = await importFunction('kinesis-to-sqs', {
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: bed.proxy.endpoint,
    });
    const poison = kinesisRecord({ data: '' });

    const response = await handler(kinesisEvent([poison, kinesisRecord({ data: 'fine' })]), lambdaContext());

    expect(reportedIds(response)).toEqual([poison.kinesis.sequenceNumber]);
  });
});
