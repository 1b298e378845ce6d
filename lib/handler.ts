import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context, KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import { AsyncSink } from './core/sink.js';
import type { RecordFailure, RecordOutcome, SinkRecord, SinkResult } from './core/types.js';
import { emptySinkStats, FailureCode } from './core/types.js';
import { FullBatchFailureError } from './full-batch-failure-error.js';
import {
  type Conversion,
  HANDLER_DEFAULTS,
  resolveHandlerOptions,
  type SinkHandlerOptions,
} from './handler-options.js';
import { HandlerTimeoutError } from './handler-timeout-error.js';
import { invocationDeadline } from './invocation-deadline.js';
import { deadLetterEntry, HandlerFailureCode, isPoisonFailure, PoisonPolicy } from './poison.js';
import { type BatchResponse, toBatchResponse } from './sources/batch-response.js';
import { cutOffFailedGroups } from './sources/group-cutoff.js';
import { MalformedEventError } from './sources/malformed-event-error.js';
import { parseSourceEvent, type SourceRecord, type SourceRecordInfo } from './sources/source-event.js';
import {
  countByCode,
  type FailureLine,
  type InvocationSummary,
  MAX_LISTED_FAILURES,
  publishSummary,
  redactQuoted,
} from './summary.js';

/** The event a handler for records of type `Rec` takes. */
export type SourceEventOf<Rec extends SourceRecord> = [Rec] extends [SQSRecord]
  ? SQSEvent
  : [Rec] extends [KinesisStreamRecord]
    ? KinesisStreamEvent
    : SQSEvent | KinesisStreamEvent;

/** The middy handler {@link createSinkHandler} returns: `.use()` your own middleware on it. */
export type SinkHandler<Rec extends SourceRecord = SourceRecord> = MiddyfiedHandler<
  SourceEventOf<Rec>,
  BatchResponse,
  Error,
  Context
>;

/** What happened to a poison record. */
type PoisonHandling = 'dead-lettered' | 'dropped';

function toEntries<Entry>(conversion: Conversion<Entry>): readonly Entry[] {
  if (conversion === undefined || conversion === null) return [];
  return Array.isArray(conversion) ? (conversion as readonly Entry[]) : [conversion as Entry];
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function payloadOf(info: SourceRecordInfo): string {
  const record = info.record as { body?: string; kinesis?: { data?: string } };
  return record.body ?? record.kinesis?.data ?? '';
}

/**
 * Creates the Lambda handler that forwards SQS or Kinesis records to `destination`:
 * `convert` turns each record into entries, the async sink sends them, and the handler
 * answers with the exact records that did not arrive (`batchItemFailures`). The result
 * is a middy handler; middy's timeout signal is the sink's deadline. Options are checked
 * here, once, so a bad one fails at cold start.
 */
export function createSinkHandler<Rec extends SourceRecord = SourceRecord, Entry = unknown>(
  options: SinkHandlerOptions<Rec, Entry>,
): SinkHandler<Rec> {
  const resolved = resolveHandlerOptions(options);
  const { destination, convert, deadLetterDestination, rateLimiter } = options;
  const retrying = {
    maxInFlightRequests: options.maxInFlightRequests,
    maxAttempts: options.maxAttempts,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  // Both built now so that a bad sink option fails at cold start; which one runs depends on the batch.
  const orderedSink = new AsyncSink(destination, { ...retrying, rateLimiter, ordered: true });
  const unorderedSink = new AsyncSink(destination, { ...retrying, rateLimiter, ordered: false });
  // The dead-letter queue gets the same retries but its own default rate limiter: it is another destination.
  const deadLetterSink =
    resolved.poisonPolicy === PoisonPolicy.DeadLetter && deadLetterDestination !== undefined
      ? new AsyncSink(deadLetterDestination, retrying)
      : undefined;
  const deadLetterFifo = deadLetterDestination?.fifo === true;
  const logger = options.logger ?? new Logger();
  const metrics =
    options.metrics ??
    new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || HANDLER_DEFAULTS.metricsNamespace });

  /** The record ids of each invocation in progress, for middy's last-resort answer. */
  const running = new Set<readonly string[]>();

  async function handle(event: unknown, context: Context, signal: AbortSignal): Promise<BatchResponse> {
    const startedAt = Date.now();
    if (typeof context?.getRemainingTimeInMillis === 'function') logger.addContext(context);
    let parsed: ReturnType<typeof parseSourceEvent<Rec>>;
    try {
      parsed = parseSourceEvent<Rec>(event);
      if (resolved.source !== undefined && parsed.kind !== undefined && parsed.kind !== resolved.source) {
        throw new MalformedEventError(
          `This handler takes ${resolved.source} events; it was given a ${parsed.kind} event`,
        );
      }
    } catch (error) {
      logger.error('malformed event', { error: describeError(error) });
      throw error;
    }
    const { records } = parsed;
    const ids = records.map((info) => info.id);
    running.add(ids);
    const deadline = invocationDeadline(context, signal, resolved.safetyMarginMs);
    try {
      const outcomes: RecordOutcome[] = new Array(records.length);
      const sinkRecords: SinkRecord<Entry>[] = [];
      const sinkPositions: number[] = [];
      let filtered = 0;
      // Under `retry`, a FIFO record after one that failed to convert would only be cut off
      // after sending: it is not sent at all.
      const convertFailedGroups = new Map<string, string>();
      for (let index = 0; index < records.length; index++) {
        const info = records[index];
        const failedBefore = info.group === undefined ? undefined : convertFailedGroups.get(info.group);
        if (failedBefore !== undefined) {
          outcomes[index] = {
            id: info.id,
            status: 'failed',
            code: FailureCode.PredecessorFailed,
            reason: `record ${failedBefore} of message group ${info.group} failed before it`,
          };
          continue;
        }
        let entries: readonly Entry[];
        try {
          const conversion = convert(info.record);
          entries = toEntries(isPromiseLike(conversion) ? await conversion : conversion);
        } catch (error) {
          outcomes[index] = {
            id: info.id,
            status: 'failed',
            code: HandlerFailureCode.ConvertFailed,
            reason: `convert threw ${describeError(error)}`,
          };
          if (info.group !== undefined && resolved.poisonPolicy === PoisonPolicy.Retry) {
            convertFailedGroups.set(info.group, info.id);
          }
          continue;
        }
        if (entries.length === 0) {
          outcomes[index] = { id: info.id, status: 'done' };
          filtered++;
          continue;
        }
        // The sink sees positions, not message ids: a message delivered twice in one batch stays two records.
        sinkRecords.push({ id: String(index), entries });
        sinkPositions.push(index);
      }

      const ordered = resolved.ordered ?? parsed.fifo;
      const sink = ordered ? orderedSink : unorderedSink;
      const result: SinkResult =
        sinkRecords.length > 0
          ? await sink.run(sinkRecords, { deadline: deadline.sending })
          : { outcomes: [], stats: emptySinkStats() };
      result.outcomes.forEach((outcome, position) => {
        const index = sinkPositions[position];
        outcomes[index] = { ...outcome, id: ids[index] };
      });

      // Poison records: a record of a FIFO group that already has a failure waiting for a
      // retry is left failed; the cut-off below fails it anyway and it will come back.
      const handling = new Map<number, PoisonHandling>();
      const toHandle: number[] = [];
      const waitingGroups = new Set<string>();
      let poisonFound = 0;
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'done') return;
        const poison = isPoisonFailure(outcome);
        if (poison) poisonFound++;
        const group = records[index].group;
        const blocked = group !== undefined && waitingGroups.has(group);
        if (poison && resolved.poisonPolicy !== PoisonPolicy.Retry && !blocked) toHandle.push(index);
        else if (group !== undefined) waitingGroups.add(group);
      });
      const poisonFailures = new Map<number, RecordFailure>();
      for (const index of toHandle) {
        const outcome = outcomes[index] as RecordFailure;
        poisonFailures.set(index, { code: outcome.code, reason: outcome.reason });
      }
      if (resolved.poisonPolicy === PoisonPolicy.Drop) {
        for (const index of toHandle) {
          outcomes[index] = { id: ids[index], status: 'done' };
          handling.set(index, 'dropped');
        }
      } else if (deadLetterSink !== undefined && toHandle.length > 0) {
        const letters = toHandle.map((index) => ({
          id: String(index),
          entries: [deadLetterEntry(records[index], poisonFailures.get(index)!, deadLetterFifo)],
        }));
        const deadLettered = await deadLetterSink.run(letters, { deadline: deadline.deadLettering });
        deadLettered.outcomes.forEach((outcome, position) => {
          const index = toHandle[position];
          if (outcome.status === 'done') {
            outcomes[index] = { id: ids[index], status: 'done' };
            handling.set(index, 'dead-lettered');
          } else {
            const failure = poisonFailures.get(index)!;
            outcomes[index] = {
              id: ids[index],
              status: 'failed',
              code: failure.code,
              reason: `${failure.reason}; the dead-letter send failed: ${outcome.code}: ${outcome.reason}`,
            };
          }
        });
      }

      const final = parsed.fifo
        ? cutOffFailedGroups(
            outcomes,
            records.map((info) => info.group),
          )
        : outcomes;
      const response = toBatchResponse(ids, final);

      const failures = final.filter((outcome) => outcome.status === 'failed') as (RecordFailure & {
        id: string;
      })[];
      const failedByReason = countByCode(failures);
      const lines: FailureLine[] = [];
      final.forEach((outcome, index) => {
        const handled = handling.get(index);
        if (outcome.status === 'done' && handled === undefined) return;
        const failure = outcome.status === 'failed' ? outcome : poisonFailures.get(index)!;
        if (lines.length >= MAX_LISTED_FAILURES) return;
        lines.push({
          id: outcome.id,
          code: failure.code,
          reason: resolved.logPayloads ? failure.reason : redactQuoted(failure.reason),
          ...(handled === undefined ? {} : { handled }),
          ...(resolved.logPayloads ? { payload: payloadOf(records[index]) } : {}),
        });
      });
      const { stats } = result;
      const handledCount = (kind: PoisonHandling) =>
        [...handling.values()].filter((value) => value === kind).length;
      const summary: InvocationSummary = {
        source: parsed.kind,
        fifo: parsed.fifo,
        destination: destination.name,
        ordered,
        records: records.length,
        done: records.length - failures.length,
        filtered,
        failed: failures.length,
        failedByReason,
        poison: {
          policy: resolved.poisonPolicy,
          found: poisonFound,
          deadLettered: handledCount('dead-lettered'),
          dropped: handledCount('dropped'),
        },
        entries: stats.entries,
        entriesSent: stats.entriesSent,
        entriesAccepted: stats.entriesAccepted,
        requests: stats.requests,
        requestsFailed: stats.requestsFailed,
        retries: stats.entriesRetried,
        throttles: stats.throttles,
        batchFillPercent: stats.requests > 0 ? Math.round((stats.batchFill / stats.requests) * 1000) / 10 : 0,
        deadlineReached: stats.deadlineReached,
        ...(stats.fatalError === undefined
          ? {}
          : { fatalError: resolved.logPayloads ? stats.fatalError : redactQuoted(stats.fatalError) }),
        sinkMs: stats.elapsedMs,
        elapsedMs: Date.now() - startedAt,
        failures: lines,
        failuresNotListed: failures.length + handling.size - lines.length,
      };
      publishSummary(summary, logger, metrics);

      const allTransient = failures.every((failure) => !isPoisonFailure(failure));
      if (
        resolved.throwOnFullBatchFailure &&
        records.length > 0 &&
        failures.length === records.length &&
        allTransient
      ) {
        throw new FullBatchFailureError(response, failedByReason);
      }
      return response;
    } finally {
      deadline.dispose();
      running.delete(ids);
    }
  }

  /**
   * middy's last resort, should the handler outlive every deadline: no record may be taken
   * for done. Without exactly one invocation whose records are known (the timeout came
   * before the event was read, or invocations overlap), it fails the whole invocation.
   */
  function timeoutResponse(): BatchResponse {
    const [ids, ...others] = running;
    if (ids === undefined || others.length > 0) {
      logger.error('the handler ran into the timeout; failing the invocation');
      throw new HandlerTimeoutError(
        'The handler ran into the timeout before it could tell which records were done; the whole batch will be retried',
      );
    }
    const response = { batchItemFailures: [...new Set(ids)].map((itemIdentifier) => ({ itemIdentifier })) };
    logger.error('the handler ran into the timeout; reporting every record failed', { records: ids.length });
    if (resolved.throwOnFullBatchFailure && ids.length > 0) {
      throw new FullBatchFailureError(response, { [FailureCode.DeadlineReached]: ids.length });
    }
    return response;
  }

  return middy<SourceEventOf<Rec>, BatchResponse, Error, Context>(
    (event: SourceEventOf<Rec>, context: Context, { signal }: { signal: AbortSignal }) =>
      handle(event, context, signal),
    {
      timeoutEarlyInMillis: resolved.timeoutEarlyInMillis,
      timeoutEarlyResponse: timeoutResponse,
    },
  );
}
