/**
 * What the ready-made functions of the newer destinations take from a source record: its id,
 * its payload as text, and its ordering group. One view of both sources, so that each of
 * those destinations has one conversion, not one per source.
 */
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { decodeUtf8, kinesisData } from '../lib/sources/kinesis.js';

/** A source record as the conversions see it. */
export interface RecordPayload {
  /** The record's id: the SQS message id or the Kinesis sequence number. */
  readonly id: string;
  /** The payload as UTF-8 text; `undefined` when a Kinesis record's data is not UTF-8. */
  readonly text: string | undefined;
  /** The raw payload bytes. */
  readonly bytes: Uint8Array;
  /** The ordering group: the SQS FIFO message group or the Kinesis partition key, if any. */
  readonly group: string | undefined;
}

/** An SQS record's payload. */
export function sqsPayload(record: SQSRecord): RecordPayload {
  return {
    id: record.messageId,
    text: record.body,
    bytes: Buffer.from(record.body, 'utf8'),
    group: record.attributes.MessageGroupId,
  };
}

/** A Kinesis record's payload. */
export function kinesisPayload(record: KinesisStreamRecord): RecordPayload {
  const bytes = kinesisData(record);
  return {
    id: record.kinesis.sequenceNumber,
    text: decodeUtf8(bytes),
    bytes,
    group: record.kinesis.partitionKey,
  };
}

/** The payload parsed as a JSON object; throws, failing the record alone, when it is not one. */
export function jsonObjectOf(payload: RecordPayload): Record<string, unknown> {
  if (payload.text === undefined) throw new Error('the record is not UTF-8 text, so not a JSON object');
  const value: unknown = JSON.parse(payload.text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('the record is not a JSON object');
  }
  return value as Record<string, unknown>;
}
