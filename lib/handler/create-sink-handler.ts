import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type {
  Context,
  DynamoDBStreamEvent,
  KinesisStreamEvent,
  KinesisStreamRecord,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { AsyncSink } from '../core/sink.js';
import type { RecordOutcome, SinkStats } from '../core/types.js';
import { FailureCode } from '../core/types.js';
import { type BatchResponse, toBatchResponse } from '../sources/batch-response.js';
import type { DynamoDBStreamRecord } from '../sources/dynamodb.js';
import { cutOffFailedGroups } from '../sources/group-cutoff.js';
import { MalformedEventError } from '../sources/malformed-event-error.js';
import {
  parseSourceEvent,
  type SourceEvent,
  SourceKind,
  type SourceRecord,
} from '../sources/source-event.js';
import { BatchConversion, describeError } from './convert-records.js';
import {
  HANDLER_DEFAULTS,
  type RecordOfKind,
  type ResolvedHandlerOptions,
  resolveHandlerOptions,
  type SchemaSinkHandlerOptions,
  type SinkHandlerOptions,
} from './handler-options.js';
import { HandlerTimeoutError } from './handler-timeout-error.js';
import { type InvocationDeadline, invocationDeadline } from './invocation-deadline.js';
import { isPoisonFailure, PoisonPolicy } from './poison.js';
import { withSchemaApplied } from './schema-conversion.js';
import { type DeadLetterTarget, settlePoison } from './settle-poison.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { publishSummary, summarize } from './summary.js';
import { WholeBatchFailedError } from './whole-batch-failed-error.js';

/** The event a handler for records of type `Rec` takes. */
export type SourceEventOf<Rec extends SourceRecord> = [Rec] extends [SQSRecord]
  ? SQSEvent
  : [Rec] extends [KinesisStreamRecord]
    ? KinesisStreamEvent
    : [Rec] extends [DynamoDBStreamRecord]
      ? DynamoDBStreamEvent
      : SQSEvent | KinesisStreamEvent | DynamoDBStreamEvent;

/** The middy handler {@link createSinkHandler} returns: `.use()` your own middleware on it. */
export type SinkHandler<Rec extends SourceRecord = SourceRecord> = MiddyfiedHandler<
  SourceEventOf<Rec>,
  BatchResponse,
  Error,
  Context
>;

/** What a handler builds once, at cold start, and every invocation shares. */
interface HandlerParts<Rec extends SourceRecord, Entry> {
  readonly options: SinkHandlerOptions<Rec, Entry>;
  readonly resolved: ResolvedHandlerOptions;
  readonly orderedSink: AsyncSink<Entry>;
  readonly unorderedSink: AsyncSink<Entry>;
  /** The dead-letter sink, with `poisonPolicy: 'dead-letter'` only (the option checks pair the two). */
  readonly deadLetter: DeadLetterTarget | undefined;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** A FIFO destination (`fifo: true`, as `sqsDestination` of a `.fifo` queue): the user chose order. */
  readonly destinationFifo: boolean;
  /** Events the first middleware checked, so that the handler does not parse them again. */
  readonly checked: WeakMap<object, SourceEvent<Rec>>;
  /** The record ids of each invocation in progress, for middy's last-resort answer. */
  readonly running: Set<readonly string[]>;
}

/**
 * Creates the Lambda handler that forwards SQS, Kinesis or DynamoDB stream records to
 * `destination`: `convert` turns each record into entries, the async sink sends them, and
 * the handler answers with the exact records that did not arrive (`batchItemFailures`).
 * With a `schema`, each record is decoded and checked first and `convert` gets the
 * schema's typed output. The result is a middy handler; middy's timeout signal is the
 * sink's deadline. Options are checked here, once, so a bad one fails at cold start.
 */
export function createSinkHandler<
  Schema extends StandardSchemaV1,
  Kind extends SourceKind = SourceKind,
  Rec extends SourceRecord = RecordOfKind<Kind>,
  Entry = unknown,
>(options: SchemaSinkHandlerOptions<Schema, Rec, Entry> & { readonly source?: Kind }): SinkHandler<Rec>;
export function createSinkHandler<Rec extends SourceRecord = SourceRecord, Entry = unknown>(
  options: SinkHandlerOptions<Rec, Entry>,
): SinkHandler<Rec>;
export function createSinkHandler<Rec extends SourceRecord, Entry>(
  given: SinkHandlerOptions<Rec, Entry> | SchemaSinkHandlerOptions<StandardSchemaV1, Rec, Entry>,
): SinkHandler<Rec> {
  const options = withSchemaApplied(given);
  const parts = buildParts(options, resolveHandlerOptions(options));
  return middy<SourceEventOf<Rec>, BatchResponse, Error, Context>(
    (event: SourceEventOf<Rec>, context: Context, { signal }: { signal: AbortSignal }) =>
      handleEvent(parts, event, context, signal),
    {
      timeoutEarlyInMillis: parts.resolved.timeoutEarlyInMillis,
      timeoutEarlyResponse: () => lastResortResponse(parts),
    },
  ).use(sourceEventCheck(parts));
}

/** The sinks, logger and metrics, built once so that a bad sink option fails at cold start. */
function buildParts<Rec extends SourceRecord, Entry>(
  options: SinkHandlerOptions<Rec, Entry>,
  resolved: ResolvedHandlerOptions,
): HandlerParts<Rec, Entry> {
  const { destination, deadLetterDestination, rateLimiter } = options;
  const retrying = {
    maxInFlightRequests: options.maxInFlightRequests,
    maxAttempts: options.maxAttempts,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
    requestTimeoutMs: options.requestTimeoutMs,
  };
  return {
    options,
    resolved,
    // Both built now; which one runs depends on the batch.
    orderedSink: new AsyncSink(destination, { ...retrying, rateLimiter, ordered: true }),
    unorderedSink: new AsyncSink(destination, { ...retrying, rateLimiter, ordered: false }),
    // The dead-letter queue gets the same retries but its own default rate limiter: it is another destination.
    deadLetter:
      deadLetterDestination === undefined
        ? undefined
        : { sink: new AsyncSink(deadLetterDestination, retrying), fifo: deadLetterDestination.fifo === true },
    logger: options.logger ?? new Logger(),
    metrics:
      options.metrics ??
      new Metrics({
        namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || HANDLER_DEFAULTS.metricsNamespace,
      }),
    destinationFifo: (destination as { readonly fifo?: unknown }).fifo === true,
    checked: new WeakMap(),
    running: new Set(),
  };
}

/**
 * The first middleware: checks the event before any middleware the user adds with
 * `.use()` reads it, so that a malformed event fails with a {@link MalformedEventError}.
 */
function sourceEventCheck<Rec extends SourceRecord, Entry>(
  parts: HandlerParts<Rec, Entry>,
): MiddlewareObj<SourceEventOf<Rec>, BatchResponse, Error, Context> {
  return {
    before: (request) => {
      const { context, event } = request;
      // middy gives `{}` when the caller passed no context: no Lambda fields from that.
      if (typeof context.getRemainingTimeInMillis === 'function') parts.logger.addContext(context);
      parts.checked.set(event, readSourceEvent(parts, event));
    },
  };
}

/** Parses the event and checks it comes from the configured source; logs and throws when not. */
function readSourceEvent<Rec extends SourceRecord, Entry>(
  parts: HandlerParts<Rec, Entry>,
  event: unknown,
): SourceEvent<Rec> {
  const expected = parts.resolved.source;
  try {
    const parsed = parseSourceEvent<Rec>(event);
    if (expected !== undefined && parsed.kind !== undefined && parsed.kind !== expected) {
      throw new MalformedEventError(
        `This handler takes ${expected} events; it was given a ${parsed.kind} event`,
      );
    }
    return parsed;
  } catch (error) {
    parts.logger.error('malformed event', { error: describeError(error) });
    throw error;
  }
}

/** One invocation: convert, send, settle poison, cut off FIFO groups, summarize, answer. */
async function handleEvent<Rec extends SourceRecord, Entry>(
  parts: HandlerParts<Rec, Entry>,
  event: SourceEventOf<Rec>,
  context: Context,
  signal: AbortSignal,
): Promise<BatchResponse> {
  const startedAt = Date.now();
  // A user middleware may have replaced the event: then it is checked here.
  const parsed = parts.checked.get(event) ?? readSourceEvent(parts, event);
  const { records } = parsed;
  const ids = records.map((info) => info.id);
  parts.running.add(ids);
  const deadline = invocationDeadline(context, signal, parts.resolved.safetyMarginMs);
  try {
    const { resolved } = parts;
    const ordered = resolved.ordered ?? (parsed.grouped || parts.destinationFifo);
    const retrying = resolved.poisonPolicy === PoisonPolicy.Retry;
    const conversion = new BatchConversion(records, {
      convert: parts.options.convert,
      deaggregate: resolved.deaggregate,
      // Under `retry`, a FIFO record after one that failed to convert would only be cut off after sending.
      stopGroups: retrying,
      // A DynamoDB record that failed to convert still has its group (the item key): the group stops.
      stopBatch: retrying && ordered && parsed.kind === SourceKind.Kinesis,
    });
    const { stats, outcomes: converted } = await send(parts, conversion, ids, ordered, deadline);
    const poison = await settlePoison(
      converted,
      records,
      resolved.poisonPolicy,
      parts.deadLetter,
      deadline.deadLettering,
    );
    const outcomes = parsed.grouped
      ? cutOffFailedGroups(
          converted,
          records.map((info) => info.group),
        )
      : converted;
    const response = toBatchResponse(ids, outcomes);
    const summary = summarize({
      source: parsed.kind,
      fifo: parsed.fifo,
      destination: parts.options.destination.name,
      ordered,
      records,
      outcomes,
      filtered: conversion.filtered,
      policy: resolved.poisonPolicy,
      poison,
      stats,
      logPayloads: resolved.logPayloads,
      startedAt,
    });
    publishSummary(summary, parts.logger, parts.metrics);
    throwIfWholeBatchFailed(resolved, outcomes, response, summary.failedByReason);
    return response;
  } finally {
    deadline.dispose();
    parts.running.delete(ids);
  }
}

/**
 * Converts the records as the sink reads them and sends them, so the first request is on the
 * wire before the last record is converted; returns every record's outcome and the sink's stats.
 */
async function send<Rec extends SourceRecord, Entry>(
  parts: HandlerParts<Rec, Entry>,
  conversion: BatchConversion<Rec, Entry>,
  ids: readonly string[],
  ordered: boolean,
  deadline: InvocationDeadline,
): Promise<{ readonly outcomes: RecordOutcome[]; readonly stats: SinkStats }> {
  const sink = ordered ? parts.orderedSink : parts.unorderedSink;
  const result = await sink.run(conversion.read, { deadline: deadline.sending });
  return { outcomes: conversion.settle(result, ids), stats: result.stats };
}

/**
 * Throws when every record failed for a reason a retry may fix and `throwOnFullBatchFailure`
 * is on: a failed invocation makes the event source back off, a partial answer would not.
 */
function throwIfWholeBatchFailed(
  resolved: ResolvedHandlerOptions,
  outcomes: readonly RecordOutcome[],
  response: BatchResponse,
  failedByReason: Readonly<Record<string, number>>,
): void {
  if (!resolved.throwOnFullBatchFailure || outcomes.length === 0) return;
  const allFailedTransiently = outcomes.every(
    (outcome) => outcome.status === 'failed' && !isPoisonFailure(outcome),
  );
  if (allFailedTransiently) throw new WholeBatchFailedError(response, failedByReason);
}

/**
 * middy's last resort, should the handler outlive every deadline: no record may be taken
 * for done. Unless exactly one invocation is in progress (invocations overlap), it cannot
 * tell whose records these are, and fails the whole invocation.
 */
function lastResortResponse<Rec extends SourceRecord, Entry>(parts: HandlerParts<Rec, Entry>): BatchResponse {
  const { logger, resolved } = parts;
  const running = [...parts.running];
  if (running.length !== 1) {
    logger.error('the handler ran into the timeout; failing the invocation');
    throw new HandlerTimeoutError(
      'The handler ran into the timeout before it could tell which records were done; the whole batch will be retried',
    );
  }
  const ids = running[0];
  const response = { batchItemFailures: [...new Set(ids)].map((itemIdentifier) => ({ itemIdentifier })) };
  logger.error('the handler ran into the timeout; reporting every record failed', { records: ids.length });
  if (resolved.throwOnFullBatchFailure) {
    throw new WholeBatchFailedError(response, { [FailureCode.DeadlineReached]: ids.length });
  }
  return response;
}
