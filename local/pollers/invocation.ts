import type { Context } from 'aws-lambda';
import type { BatchHandler, InvocationOutcome } from './types.js';
import { INVOCATION_OUTCOMES } from './types.js';

/** What came of calling the handler once, before the response is read. */
export type HandlerResult =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly reason: string }
  | { readonly kind: 'timedOut'; readonly reason: string };

/** The batch's fate as Lambda reads the response. */
export type BatchVerdict =
  | { readonly outcome: typeof INVOCATION_OUTCOMES.success }
  | { readonly outcome: typeof INVOCATION_OUTCOMES.partial; readonly failed: ReadonlySet<string> }
  | {
      readonly outcome: Exclude<InvocationOutcome, 'success' | 'partial'>;
      readonly reason: string;
    };

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Calls the handler as Lambda would: the event goes in as JSON, the response comes back as
 * JSON (so a response JSON cannot hold is a function error), and a handler still running at
 * the timeout fails the invocation. Unlike Lambda, a timed-out handler cannot be frozen: it
 * runs on in the background, and whatever it still sends arrives (a duplicate, never a loss).
 */
export async function invokeHandler<Event>(
  handler: BatchHandler<Event>,
  event: Event,
  context: Context,
  timeoutMs: number,
): Promise<HandlerResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<HandlerResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          kind: 'timedOut',
          reason: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        }),
      timeoutMs,
    );
  });
  const call = (async (): Promise<HandlerResult> => {
    try {
      const value: unknown = await handler(JSON.parse(JSON.stringify(event)) as Event, context);
      const json = JSON.stringify(value);
      return { kind: 'returned', value: json === undefined ? null : (JSON.parse(json) as unknown) };
    } catch (error) {
      return { kind: 'threw', reason: describe(error) };
    }
  })();
  try {
    return await Promise.race([call, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a response the way Lambda does with ReportBatchItemFailures: a null response or a
 * null or empty `batchItemFailures` is complete success; an entry without a non-empty
 * `itemIdentifier`, or one that names no record of the batch, fails the whole batch.
 */
export function readResponse(
  result: HandlerResult,
  recordIds: ReadonlySet<string>,
  reportBatchItemFailures: boolean,
): BatchVerdict {
  if (result.kind === 'threw') return { outcome: INVOCATION_OUTCOMES.error, reason: result.reason };
  if (result.kind === 'timedOut') return { outcome: INVOCATION_OUTCOMES.timeout, reason: result.reason };
  const { value } = result;
  if (!reportBatchItemFailures || value === null) return { outcome: INVOCATION_OUTCOMES.success };
  const invalid = (reason: string): BatchVerdict => ({
    outcome: INVOCATION_OUTCOMES.invalidResponse,
    reason,
  });
  if (typeof value !== 'object' || Array.isArray(value)) {
    return invalid(`the response is not a batch response: ${JSON.stringify(value).slice(0, 100)}`);
  }
  const list = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return { outcome: INVOCATION_OUTCOMES.success };
  if (!Array.isArray(list)) return invalid('batchItemFailures is not a list');
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return invalid(`an itemIdentifier is missing or empty: ${JSON.stringify(item)}`);
    }
    if (!recordIds.has(id))
      return invalid(`itemIdentifier ${JSON.stringify(id)} names no record of the batch`);
    failed.add(id);
  }
  return failed.size === 0
    ? { outcome: INVOCATION_OUTCOMES.success }
    : { outcome: INVOCATION_OUTCOMES.partial, failed };
}
