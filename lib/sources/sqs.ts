import type { SQSRecord } from 'aws-lambda';

/** The `eventSource` Lambda gives SQS records. */
export const SQS_EVENT_SOURCE = 'aws:sqs';

/** True when the record came from an SQS queue (standard or FIFO). */
export function isSqsRecord(record: unknown): record is SQSRecord {
  return (
    typeof record === 'object' &&
    record !== null &&
    (record as { eventSource?: unknown }).eventSource === SQS_EVENT_SOURCE
  );
}

/** The record's id for `batchItemFailures`: its `messageId`. */
export function sqsRecordId(record: SQSRecord): string {
  return record.messageId;
}

/** The FIFO message group of the record, or `undefined` for a standard queue's message. */
export function sqsMessageGroupId(record: SQSRecord): string | undefined {
  const group = record.attributes?.MessageGroupId;
  return typeof group === 'string' && group !== '' ? group : undefined;
}

/** True when the record came from a FIFO queue, recognised by its `MessageGroupId` attribute. */
export function isFifoSqsRecord(record: SQSRecord): boolean {
  return sqsMessageGroupId(record) !== undefined;
}

/** The message body parsed as JSON. Throws (failing the record) when the body is not JSON. */
export function sqsJson<T = unknown>(record: SQSRecord): T {
  return JSON.parse(record.body) as T;
}
