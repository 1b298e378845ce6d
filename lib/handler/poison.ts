import { FailureCode, type RecordFailure } from '../core/types.js';
import { deduplicationIdFor } from '../destinations/deduplication-id.js';
import { POISON_ENTRY_CODES } from '../destinations/error-classifier.js';
import type { SqsEntry } from '../destinations/sqs.js';
import { type SourceRecordInfo, sourceOfRecord } from '../sources/source-event.js';

/** What the handler does with a poison record: one that failed for a reason no retry can fix. */
export const PoisonPolicy = {
  /** Report it failed; the queue's redrive policy or the stream's on-failure destination takes it in the end. */
  Retry: 'retry',
  /** Send the record and its reason to the dead-letter destination, then count it done. */
  DeadLetter: 'dead-letter',
  /** Log it (without the payload) and count it done. */
  Drop: 'drop',
} as const;
export type PoisonPolicy = (typeof PoisonPolicy)[keyof typeof PoisonPolicy];

/** Failure codes the handler itself gives, beside the core's `FailureCode`. */
export const HandlerFailureCode = {
  /** The user's `convert` threw. */
  ConvertFailed: 'ConvertFailed',
  /** With a `schema`: the record's body could not be decoded (not JSON, not UTF-8, an unreadable image). */
  DecodeFailed: 'DecodeFailed',
  /** With a `schema`: the schema refused the decoded record; the reason lists the issues. */
  SchemaRejected: 'SchemaRejected',
} as const;

/**
 * True when the record's content can never be accepted: `convert` threw, the record could
 * not be decoded for its schema or the schema refused it, an entry no
 * request could take (`InvalidEntry`), or the destination refused one entry with a content
 * code ({@link POISON_ENTRY_CODES}). Permission, KMS, missing-resource, throttling and
 * service failures are never poison, per entry or per request: the record waits for the
 * configuration or the service to be fixed, and is not dropped or dead-lettered for them.
 */
export function isPoisonFailure(failure: RecordFailure): boolean {
  return (
    failure.code === HandlerFailureCode.ConvertFailed ||
    failure.code === HandlerFailureCode.DecodeFailed ||
    failure.code === HandlerFailureCode.SchemaRejected ||
    failure.code === FailureCode.InvalidEntry ||
    POISON_ENTRY_CODES.has(failure.code)
  );
}

/** What a dead-letter message carries in its body, as JSON. */
export interface DeadLetter {
  /** Why the record was taken for poison. */
  readonly failure: RecordFailure;
  /** `aws:sqs` or `aws:kinesis`. */
  readonly eventSource: string;
  readonly eventSourceARN: string | undefined;
  /** The record's `itemIdentifier`: its message id or sequence number. */
  readonly recordId: string;
  readonly failedAt: string;
  /** The record exactly as Lambda delivered it. */
  readonly record: unknown;
}

/** The SQS message that carries a poison record and its reason to the dead-letter queue. */
export function deadLetterEntry(
  info: SourceRecordInfo,
  failure: RecordFailure,
  fifo: boolean,
  now: Date = new Date(),
): SqsEntry {
  const record = info.record as { eventSource: string; eventSourceARN?: string };
  const letter: DeadLetter = {
    failure: { code: failure.code, reason: failure.reason },
    eventSource: record.eventSource,
    eventSourceARN: record.eventSourceARN,
    recordId: info.id,
    failedAt: now.toISOString(),
    record: info.record,
  };
  return {
    body: JSON.stringify(letter),
    messageAttributes: {
      failureCode: { DataType: 'String', StringValue: failure.code },
      eventSource: { DataType: 'String', StringValue: record.eventSource },
    },
    // A FIFO dead-letter queue keeps each source group together, and drops a redelivered copy.
    ...(fifo
      ? {
          messageGroupId: deadLetterGroupId(info),
          messageDeduplicationId: deduplicationIdFor(info.id, 0, sourceOfRecord(info.record)),
        }
      : {}),
  };
}

function deadLetterGroupId(info: SourceRecordInfo): string {
  const partitionKey = (info.record as { kinesis?: { partitionKey?: unknown } }).kinesis?.partitionKey;
  const group =
    info.group ?? (typeof partitionKey === 'string' && partitionKey !== '' ? partitionKey : info.id);
  return /^[!-~]{1,128}$/.test(group) ? group : deduplicationIdFor(group, 0);
}
