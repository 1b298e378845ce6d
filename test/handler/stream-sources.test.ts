import type { KinesisStreamRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntryResult } from '../../lib/core/types.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { encodeAggregatedRecord } from '../../lib/kpl/index.js';
import { type DynamoDBStreamRecord, dynamoDBChange } from '../../lib/sources/dynamodb.js';
import { kinesisText } from '../../lib/sources/kinesis.js';
import type { KinesisUserRecord } from '../../lib/sources/kinesis-deaggregation.js';
import { lambdaContext } from '../factories/context.js';
import { dynamoDBEvent, dynamoDBRecord } from '../factories/dynamodb.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

const text = (value: string) => new TextEncoder().encode(value);
const fast = { initialBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 2 } as const;
const failed = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

/** A Kinesis record holding these user records, KPL-aggregated. */
function aggregated(records: readonly { partitionKey: string; explicitHashKey?: string; data: string }[]) {
  return kinesisRecord({
    partitionKey: records[0].partitionKey,
    data: encodeAggregatedRecord(records.map((record) => ({ ...record, data: text(record.data) }))),
  });
}

describe('KPL-aggregated Kinesis records', () => {
  function kinesisHandler(destination: FakeDestination, options: { deaggregate?: boolean } = {}) {
    const seen: KinesisUserRecord[] = [];
    const handler = createSinkHandler<KinesisStreamRecord, FakeEntry>({
      destination,
      convert: (record) => {
        seen.push(record);
        const value = kinesisText(record);
        if (value.startsWith('throw')) throw new Error('convert refused');
        return { key: record.kinesis.partitionKey, value };
      },
      throwOnFullBatchFailure: false,
      ...fast,
      ...options,
    });
    return { handler, seen };
  }

  it('hands convert each user record with its own keys and sends every one', async () => {
    const destination = new FakeDestination();
    const { handler, seen } = kinesisHandler(destination);
    const outer = aggregated([
      { partitionKey: 'a', data: 'one' },
      { partitionKey: 'b', explicitHashKey: '340282366920938463463374607431768211455', data: 'two' },
    ]);
    const plain = kinesisRecord({ partitionKey: 'c', data: 'three' });

    const response = await handler(kinesisEvent([outer, plain]), lambdaContext());

    expect(failed(response)).toEqual([]);
    expect(destination.acceptedValues().sort()).toEqual(['one', 'three', 'two']);
    expect(seen.map((record) => [record.kinesis.partitionKey, record.kinesis.explicitHashKey])).toEqual([
      ['a', undefined],
      ['b', '340282366920938463463374607431768211455'],
      ['c', undefined],
    ]);
    expect(seen.map((record) => record.kinesis.subSequenceNumber)).toEqual([0, 1, undefined]);
    expect(seen[1].kinesis.sequenceNumber).toBe(outer.kinesis.sequenceNumber);
  });

  it('fails the Kinesis record when convert throws for any of its user records', async () => {
    const destination = new FakeDestination();
    const { handler } = kinesisHandler(destination);
    const outer = aggregated([
      { partitionKey: 'a', data: 'fine' },
      { partitionKey: 'a', data: 'throw' },
    ]);
    const plain = kinesisRecord({ data: 'alone' });

    const response = await handler(kinesisEvent([outer, plain]), lambdaContext());

    expect(failed(response)).toEqual([outer.kinesis.sequenceNumber]);
    expect(destination.acceptedValues()).toEqual(['alone']);
  });

  it('fails the Kinesis record when the destination refuses one of its user records', async () => {
    const destination = new FakeDestination(
      (entry): EntryResult =>
        entry.value === 'refused'
          ? { status: 'fatal', code: 'SenderFault', message: 'no' }
          : { status: 'accepted' },
    );
    const { handler } = kinesisHandler(destination);
    const outer = aggregated([
      { partitionKey: 'a', data: 'kept' },
      { partitionKey: 'b', data: 'refused' },
    ]);

    const response = await handler(kinesisEvent([outer]), lambdaContext());

    expect(failed(response)).toEqual([outer.kinesis.sequenceNumber]);
  });

  it('passes a record with the magic bytes and a bad checksum to convert unchanged', async () => {
    const bytes = encodeAggregatedRecord([{ partitionKey: 'a', data: text('x') }]);
    bytes[bytes.length - 1] ^= 1;
    const record = kinesisRecord({ data: bytes });
    const destination = new FakeDestination();
    const seen: KinesisStreamRecord[] = [];
    const handler = createSinkHandler<KinesisStreamRecord, FakeEntry>({
      destination,
      convert: (received) => {
        seen.push(received);
        return { value: 'raw' };
      },
    });

    const response = await handler(kinesisEvent([record]), lambdaContext());

    expect(failed(response)).toEqual([]);
    expect(seen).toEqual([record]);
  });

  it('fails a checksummed but malformed aggregate, naming the fault and not the data', async () => {
    const message = Uint8Array.of(0x0a, 1, 0x61, 0x1a, 5, 0x08, 7, 0x1a, 1, 0x78);
    const { createHash } = await import('node:crypto');
    const bytes = Uint8Array.from([
      0xf3,
      0x89,
      0x9a,
      0xc2,
      ...message,
      ...createHash('md5').update(message).digest(),
    ]);
    const record = kinesisRecord({ data: bytes });
    const { handler } = kinesisHandler(new FakeDestination());

    const response = await handler(kinesisEvent([record]), lambdaContext());

    expect(failed(response)).toEqual([record.kinesis.sequenceNumber]);
    expect(output.summaries()[0]).toMatchObject({
      failures: [{ reason: expect.stringMatching(/KplFormatError: .*partition key 7 of 1/) }],
    });
  });

  it('leaves the aggregate whole with deaggregate: false', async () => {
    const destination = new FakeDestination();
    const { handler, seen } = kinesisHandler(destination, { deaggregate: false });
    const outer = aggregated([
      { partitionKey: 'a', data: 'one' },
      { partitionKey: 'b', data: 'two' },
    ]);

    await handler(kinesisEvent([outer]), lambdaContext());

    expect(seen).toEqual([outer]);
  });
});

describe('DynamoDB stream records', () => {
  function dynamoHandler(destination: FakeDestination, ordered?: boolean) {
    return createSinkHandler<DynamoDBStreamRecord, FakeEntry>({
      destination,
      convert: (record) => {
        const change = dynamoDBChange(record);
        return { key: String(change.keys.pk), value: String((change.newImage ?? change.oldImage)?.value) };
      },
      source: 'dynamodb',
      throwOnFullBatchFailure: false,
      ...fast,
      ...(ordered === undefined ? {} : { ordered }),
    });
  }

  it('reports failed records by sequence number and fails the later changes of the same item', async () => {
    const destination = new FakeDestination(
      (entry): EntryResult =>
        entry.value === 'bad' ? { status: 'retryable', code: 'InternalFailure' } : { status: 'accepted' },
    );
    const handler = dynamoHandler(destination);
    const records = [
      dynamoDBRecord({ keys: { pk: 'a' }, newImage: { pk: 'a', value: 'bad' } }),
      dynamoDBRecord({ keys: { pk: 'b' }, newImage: { pk: 'b', value: 'b1' } }),
      dynamoDBRecord({ keys: { pk: 'a' }, eventName: 'MODIFY', newImage: { pk: 'a', value: 'a2' } }),
      dynamoDBRecord({ keys: { pk: 'a' }, eventName: 'REMOVE', oldImage: { pk: 'a', value: 'a3' } }),
    ];

    const response = await handler(dynamoDBEvent(records), lambdaContext());

    expect(failed(response)).toEqual([0, 2, 3].map((index) => records[index].dynamodb.SequenceNumber));
    expect(destination.acceptedValues()).toEqual(['b1']);
    expect(output.summaries()[0]).toMatchObject({ source: 'dynamodb', ordered: true });
  });

  it('fails the later changes of an item whose earlier change could not be converted', async () => {
    const destination = new FakeDestination();
    const handler = dynamoHandler(destination);
    const broken = dynamoDBRecord({ keys: { pk: 'a' } });
    broken.dynamodb.NewImage = { pk: { S: 'a' }, value: { X: 'no such type' } } as never;
    const later = dynamoDBRecord({ keys: { pk: 'a' }, eventName: 'MODIFY' });
    const other = dynamoDBRecord({ keys: { pk: 'b' } });

    const response = await handler(dynamoDBEvent([broken, later, other]), lambdaContext());

    expect(failed(response)).toEqual([broken.dynamodb.SequenceNumber, later.dynamodb.SequenceNumber]);
    expect(output.summaries()[0].failedByReason).toEqual({ ConvertFailed: 1, PredecessorFailed: 1 });
  });
});
