/**
 * The answer of a batch call that lists its entries by `Id` in `Successful` and `Failed`
 * (SQS SendMessageBatch, SNS PublishBatch), read as one result per entry. The entries are
 * sent with their position as `Id`.
 */
import type { EntryResult } from '../core/types.js';
import { failedEntryResult, THROTTLING_ERROR_CODES } from './error-classifier.js';

/** What {@link idMatchedResults} reads. */
export interface IdMatchedAnswer {
  /** The operation, named in the result of an entry the answer leaves out. */
  readonly operation: string;
  readonly entryCount: number;
  readonly successful: readonly { readonly Id?: string; readonly MessageId?: string }[] | undefined;
  readonly failed:
    | readonly {
        readonly Id?: string;
        readonly Code?: string;
        readonly Message?: string;
        readonly SenderFault?: boolean;
      }[]
    | undefined;
  /** The result of an entry listed as successful; accepted unless the caller finds otherwise (e.g. a checksum). */
  readonly accepted?: (id: string) => EntryResult;
  /** The service's own throttling codes, besides the common ones. */
  readonly throttlingCodes?: ReadonlySet<string>;
}

function positionOf(id: string | undefined, entryCount: number): number | undefined {
  if (id === undefined || !/^\d+$/.test(id)) return undefined;
  const index = Number(id);
  return index < entryCount ? index : undefined;
}

/**
 * One result per entry, matched by `Id`. `SenderFault: true` means the message itself is at
 * fault and is not retried, except for a throttling code, which only asks to slow down. An
 * entry the answer does not mention is retried, never reported done.
 */
export function idMatchedResults(answer: IdMatchedAnswer): EntryResult[] {
  const { entryCount } = answer;
  const results: (EntryResult | undefined)[] = new Array(entryCount).fill(undefined);
  for (const success of answer.successful ?? []) {
    const index = positionOf(success.Id, entryCount);
    if (index === undefined || !success.MessageId) continue;
    results[index] = answer.accepted?.(success.Id ?? '') ?? { status: 'accepted' };
  }
  // Failures come second so that an id reported both ways is not taken as delivered.
  for (const failure of answer.failed ?? []) {
    const index = positionOf(failure.Id, entryCount);
    if (index === undefined) continue;
    const code = failure.Code || 'UnknownError';
    const message = failure.Message;
    const ownThrottling = answer.throttlingCodes?.has(code) === true;
    if (ownThrottling) results[index] = { status: 'retryable', code, message, throttled: true };
    else if (failure.SenderFault === true && !THROTTLING_ERROR_CODES.has(code)) {
      results[index] = { status: 'fatal', code, message };
    } else results[index] = failedEntryResult(code, message);
  }
  return results.map(
    (result) =>
      result ?? {
        status: 'retryable',
        code: 'MalformedResponse',
        message: `${answer.operation} did not report this entry`,
      },
  );
}
