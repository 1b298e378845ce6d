import type { SQSRecord } from 'aws-lambda';
import type { KinesisEntry } from '../../lib/destinations/kinesis.js';
import { sqsMessageGroupId } from '../../lib/sources/sqs.js';

const utf8 = new TextEncoder();

/**
 * The partition key of a message: the value of `field` when it names a top-level field
 * of a JSON body holding a non-empty string or a number; else the message group id of
 * a FIFO message (so a group stays on one shard, in order); else the message id.
 */
export function partitionKeyOf(record: SQSRecord, field: string | undefined): string {
  if (field !== undefined) {
    const value = topLevelField(record.body, field);
    if (
      (typeof value === 'string' && value !== '') ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      return String(value);
    }
  }
  return sqsMessageGroupId(record) ?? record.messageId;
}

function topLevelField(body: string, field: string): unknown {
  // Only a body that looks like a JSON object is parsed: the field cannot be anywhere else.
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, field)
      ? (parsed as Record<string, unknown>)[field]
      : undefined;
  } catch {
    return undefined;
  }
}

/** The SQS-to-Kinesis conversion: data is the body's UTF-8 bytes. */
export function sqsToKinesis(partitionKeyField: string | undefined): (record: SQSRecord) => KinesisEntry {
  return (record) => ({
    data: utf8.encode(record.body),
    partitionKey: partitionKeyOf(record, partitionKeyField),
  });
}
