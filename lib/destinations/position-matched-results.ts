/**
 * The answer of a batch call that lists one result per entry, in the order the entries were
 * sent (Kinesis PutRecords, Firehose PutRecordBatch, EventBridge PutEvents), read as one
 * result per entry. An item counts as accepted only with its id field and no error code, so
 * an entry the answer does not vouch for is never reported done.
 */
import type { EntryResult } from '../core/types.js';
import { failedEntryResult } from './error-classifier.js';
import { MalformedResponseError } from './malformed-response-error.js';

/** One item of such an answer. */
interface PositionedItem {
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/** What {@link positionMatchedResults} reads. */
export interface PositionMatchedAnswer<Item extends PositionedItem> {
  /** The operation, named in the error for an answer of the wrong length. */
  readonly operation: string;
  /** What the answer's items are called, singular and plural: `['record', 'records']`. */
  readonly noun: readonly [string, string];
  readonly items: readonly Item[] | undefined;
  readonly entryCount: number;
  /** The field that vouches for an accepted item: `SequenceNumber`, `RecordId`, `EventId`. */
  readonly idField: keyof Item & string;
  /** The result of an item with an error code; {@link failedEntryResult} unless the service says otherwise. */
  readonly failed?: (code: string, message: string | undefined) => EntryResult;
}

/** One result per entry, matched by position; throws {@link MalformedResponseError} for an answer of the wrong length. */
export function positionMatchedResults<Item extends PositionedItem>(
  answer: PositionMatchedAnswer<Item>,
): EntryResult[] {
  const { operation, noun, items, entryCount, idField, failed = failedEntryResult } = answer;
  if (!Array.isArray(items) || items.length !== entryCount) {
    throw new MalformedResponseError(
      `${operation} answered ${Array.isArray(items) ? items.length : 'no'} ${noun[1]} for ${entryCount} sent`,
    );
  }
  return items.map((item): EntryResult => {
    if (item.ErrorCode) return failed(item.ErrorCode, item.ErrorMessage);
    if (item[idField]) return { status: 'accepted' };
    return {
      status: 'retryable',
      code: 'MalformedResponse',
      message: `${noun[0]} has neither ${idField} nor ErrorCode`,
    };
  });
}
