import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { emptySinkStats } from '../../lib/core/types.js';
import { BatchConversion, type ConvertOptions } from '../../lib/handler/convert-records.js';
import type { SourceRecordInfo } from '../../lib/sources/source-event.js';
import { kinesisRecord } from '../factories/kinesis.js';
import { sqsRecord } from '../factories/sqs.js';

/** Source records `r0…` with bodies `bodies[i]`. */
function records(bodies: readonly string[]): SourceRecordInfo<SQSRecord>[] {
  return bodies.map((body, i) => ({
    record: sqsRecord({ messageId: `r${i}`, body }),
    id: `r${i}`,
    group: undefined,
  }));
}

/** The conversion read to its end, as the sink reads it: the outcomes so far and every record to send. */
async function convertRecords(
  batch: readonly SourceRecordInfo<SQSRecord>[],
  options: ConvertOptions<SQSRecord, { value: string }>,
) {
  const conversion = new BatchConversion(batch, options);
  const toSend = [];
  for (let record = await conversion.read(); record !== undefined; record = await conversion.read()) {
    toSend.push(record);
  }
  return { outcomes: conversion.outcomes, toSend };
}

const convert = (record: SQSRecord) => {
  if (record.body === 'throw-string') throw 'unreadable';
  if (record.body === 'throw-error') throw new TypeError('no value');
  return { value: record.body };
};

describe('convertRecords', () => {
  it('names what convert threw, an Error by name and message, anything else as it prints', async () => {
    // Arrange
    const batch = records(['throw-string', 'throw-error', 'ok']);

    // Act
    const { outcomes, toSend } = await convertRecords(batch, {
      convert,
      deaggregate: false,
      stopGroups: false,
      stopBatch: false,
    });

    // Assert
    expect(outcomes.slice(0, 2)).toEqual([
      { id: 'r0', status: 'failed', code: 'ConvertFailed', reason: 'convert threw unreadable' },
      { id: 'r1', status: 'failed', code: 'ConvertFailed', reason: 'convert threw TypeError: no value' },
    ]);
    expect(toSend.map((record) => record.id)).toEqual(['2']);
  });

  it('fails every later record, unconverted, once one failed to convert and the batch must stop', async () => {
    // Arrange
    const batch = records(['ok', 'throw-error', 'ok']);

    // Act
    const { outcomes, toSend } = await convertRecords(batch, {
      convert,
      deaggregate: false,
      stopGroups: false,
      stopBatch: true,
    });

    // Assert
    expect(outcomes[2]).toEqual({
      id: 'r2',
      status: 'failed',
      code: 'PredecessorFailed',
      reason:
        'record r1 failed to convert before it, so its ordering keys are unknown; the shard is sent again from that record',
    });
    expect(toSend.map((record) => record.id)).toEqual(['0']);
  });

  it('reads a record at once, not through a promise, when convert is synchronous, a Kinesis record with deaggregation on too', () => {
    // Arrange: a Kinesis record that is not KPL-aggregated holds one user record.
    const batch = [{ record: kinesisRecord({ data: 'k' }), id: 'k0', group: undefined }];
    const conversion = new BatchConversion<KinesisStreamRecord, { value: string }>(batch, {
      convert: (record) => ({ value: record.kinesis.sequenceNumber }),
      deaggregate: true,
      stopGroups: false,
      stopBatch: false,
    });

    // Act
    const read = conversion.read();

    // Assert
    expect(read).toEqual({
      id: '0',
      entries: [{ value: batch[0].record.kinesis.sequenceNumber }],
      group: undefined,
    });
  });

  it('fails the records the sink did not read, for retry, when its result gives no reason it stopped', async () => {
    // Arrange: the sink read the first record only.
    const batch = records(['ok-1', 'ok-2', 'ok-3']);
    const conversion = new BatchConversion(batch, {
      convert,
      deaggregate: false,
      stopGroups: false,
      stopBatch: false,
    });
    await conversion.read();

    // Act
    const outcomes = conversion.settle(
      { outcomes: [{ id: '0', status: 'done' }], stats: emptySinkStats() },
      batch.map((info) => info.id),
    );

    // Assert
    expect(outcomes).toEqual([
      { id: 'r0', status: 'done' },
      ...['r1', 'r2'].map((id) => ({
        id,
        status: 'failed',
        code: 'InternalError',
        reason: 'the sink did not read the record; reported for retry',
      })),
    ]);
  });
});
