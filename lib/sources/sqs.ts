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

/**
 * The record's `MessageGroupId`, or `undefined` when it has none. A fair queue (a standard
 * queue, since 2025) may carry one too: only {@link isFifoSqsRecord} says whether it orders.
 */
export function sqsMessageGroupId(record: SQSRecord): string | undefined {
  const group = record.attributes?.MessageGroupId;
  return typeof group === 'string' && group !== '' ? group : undefined;
}

/**
 * True when the record came from a FIFO queue: its queue ARN (`eventSourceARN`) ends in
 * `.fifo`, as every FIFO queue name must. A fair queue's messages carry a `MessageGroupId`
 * but come from a standard queue, so they are not FIFO. Only when the record has no ARN
 * (a hand-made event; Lambda always sets it) does a `MessageGroupId` decide.
 */
export function isFifoSqsRecord(record: SQSRecord): boolean {
  const arn = record.eventSourceARN;
  if (typeof arn === 'string' && arn !== '') return arn.endsWith('.fifo');
  return sqsMessageGroupId(record) !== undefined;
}

/** The message body parsed as JSON. Throws (failing the record) when the body is not JSON. */
export function sqsJson<T = unknown>(record: SQSRecord): T {
  return JSON.parse(record.body) as T;
}
