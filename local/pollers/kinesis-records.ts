/**
 * What the Kinesis poller builds as Lambda does: a record of the event from a stream record,
 * and the on-failure document describing a discarded batch.
 */
import { randomUUID } from 'node:crypto';
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { kinesisRecord } from '../events/kinesis.js';
import type { KinesisFailureRecord } from './kinesis-poller.js';

/** The stream a poller reads, and the function it stands in for. */
export interface KinesisStreamContext {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  readonly accountId: string;
  readonly functionName: string;
}

function arrivalSeconds(record: _Record): number {
  return (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000;
}

/** The event's record for a stream record, as Lambda builds it. */
export function toEventRecord(
  stream: KinesisStreamContext,
  record: _Record,
  shardId: string,
): KinesisStreamRecord {
  return kinesisRecord({
    data: record.Data ?? new Uint8Array(),
    partitionKey: record.PartitionKey ?? '',
    sequenceNumber: record.SequenceNumber ?? '',
    shardId,
    approximateArrivalTimestamp: arrivalSeconds(record),
    awsRegion: stream.region,
    eventSourceARN: stream.streamArn,
    invokeIdentityArn: `arn:aws:iam::${stream.accountId}:role/${stream.functionName}-role`,
  });
}

/** The document Lambda sends to the on-failure destination for a batch it gave up. */
export function failureRecord(
  stream: KinesisStreamContext,
  shardId: string,
  batch: readonly _Record[],
  invokeCount: number,
  functionError: boolean,
): KinesisFailureRecord {
  const first = batch[0];
  const last = batch[batch.length - 1];
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${stream.region}:${stream.accountId}:function:${stream.functionName}`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(functionError ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.SequenceNumber ?? '',
      endSequenceNumber: last.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: new Date(arrivalSeconds(first) * 1000).toISOString(),
      approximateArrivalOfLastRecord: new Date(arrivalSeconds(last) * 1000).toISOString(),
      batchSize: batch.length,
      streamArn: stream.streamArn,
    },
  };
}
