/**
 * A local stand-in for Lambda's SQS event source mapping: it receives batches from a queue,
 * invokes a handler with the event Lambda would build, deletes the messages that succeeded
 * and leaves the failed ones to reappear after the visibility timeout. Moving a message to
 * the dead-letter queue after `maxReceiveCount` receives is the queue's own redrive policy,
 * as on AWS (fauxqs implements it).
 */
import { setMaxListeners } from 'node:events';
import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { environmentHandlers, type HandlerSource } from './handler-source.js';
import { invokeHandler, readResponse } from './invocation.js';
import { createLambdaContext } from './lambda-context.js';
import { integerSetting, isAbort, MAX_EVENT_BYTES, pauseUnlessStopped } from './poller-settings.js';
import type { BatchHandler, InvocationReport, Poller, PollerStats } from './types.js';
import { emptyPollerStats, INVOCATION_OUTCOMES } from './types.js';

/**
 * Options of {@link startSqsPoller}; the defaults are Lambda's where Lambda has one. Give
 * `handler` (shared by the concurrent invocations) or `createHandler` (one handler per
 * execution environment, as on Lambda, where no two invocations share a module instance).
 */
export type SqsPollerOptions = SqsPollerSettings & HandlerSource<SQSEvent>;

/** The settings of an SQS poller besides its handler. */
export interface SqsPollerSettings {
  /** A client for the queue's endpoint, e.g. `createSqsClient(server.endpoint)` (it ignores the queue URL's host). */
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Most records per invocation, 1 to 10,000. Default 10. Above 10 needs a batching window, as on Lambda. */
  readonly batchSize?: number;
  /** Time to gather records before invoking, in ms. Default 0: invoke with what one receive returned. */
  readonly maximumBatchingWindowMs?: number;
  /** Pollers, each with one invocation in flight (Lambda starts with 5). Default 5. */
  readonly concurrency?: number;
  /** The function timeout in ms. Default 3,000 (Lambda's). Keep the queue's visibility timeout above it. */
  readonly timeoutMs?: number;
  /** Read `batchItemFailures` from the response (FunctionResponseTypes: ReportBatchItemFailures). Default true. */
  readonly reportBatchItemFailures?: boolean;
  /** Long-poll wait of a receive while the queue is empty, in seconds (0 to 20). Default 1. */
  readonly waitTimeSeconds?: number;
  /** The name in the context and in the ARNs. Default `local-function`. */
  readonly functionName?: string;
  /** Called after each invocation has been settled (messages deleted or left). */
  readonly onInvocation?: (report: InvocationReport) => void;
}

/** A running SQS poller. */
export interface SqsPoller extends Poller {
  /** The queue's ARN, as the records' `eventSourceARN` gives it. */
  readonly queueArn: string;
}

/** Lambda's defaults for an SQS event source mapping, with the local function timeout. */
export const SQS_POLLER_DEFAULTS = {
  batchSize: 10,
  maximumBatchingWindowMs: 0,
  concurrency: 5,
  timeoutMs: 3_000,
  reportBatchItemFailures: true,
  waitTimeSeconds: 1,
  functionName: 'local-function',
} as const;

/** Bytes a record adds to the event besides its body and attributes (ids, ARNs, JSON keys). */
const RECORD_OVERHEAD_BYTES = 800;

const checkInteger = integerSetting('SQS poller');

function lambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

/** The record Lambda builds from a received message. */
function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  const optional = (
    name: 'AWSTraceHeader' | 'SequenceNumber' | 'MessageGroupId' | 'MessageDeduplicationId',
  ) => (a[name] === undefined ? {} : { [name]: a[name] });
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      ...optional('AWSTraceHeader'),
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      ...optional('SequenceNumber'),
      ...optional('MessageGroupId'),
      SenderId: a.SenderId ?? '000000000000',
      ...optional('MessageDeduplicationId'),
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: lambdaAttributes(message.MessageAttributes),
    ...(message.MD5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function recordBytes(message: Message): number {
  let bytes = Buffer.byteLength(message.Body ?? '') + RECORD_OVERHEAD_BYTES;
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    bytes +=
      name.length + (value.StringValue?.length ?? 0) + Math.ceil(((value.BinaryValue?.length ?? 0) * 4) / 3);
  }
  return bytes;
}

/**
 * Starts polling an SQS queue with Lambda's semantics and invoking `handler`. Resolves once the
 * queue's ARN is known and the pollers are running.
 */
export async function startSqsPoller(options: SqsPollerOptions): Promise<SqsPoller> {
  const batchSize = checkInteger('batchSize', options.batchSize ?? SQS_POLLER_DEFAULTS.batchSize, 1, 10_000);
  const windowMs = checkInteger(
    'maximumBatchingWindowMs',
    options.maximumBatchingWindowMs ?? SQS_POLLER_DEFAULTS.maximumBatchingWindowMs,
    0,
    300_000,
  );
  if (batchSize > 10 && windowMs === 0) {
    throw new RangeError(
      'SQS poller: a batchSize above 10 needs maximumBatchingWindowMs above 0, as Lambda requires',
    );
  }
  const concurrency = checkInteger(
    'concurrency',
    options.concurrency ?? SQS_POLLER_DEFAULTS.concurrency,
    1,
    1_000,
  );
  const timeoutMs = checkInteger('timeoutMs', options.timeoutMs ?? SQS_POLLER_DEFAULTS.timeoutMs, 1, 900_000);
  const waitTimeSeconds = checkInteger(
    'waitTimeSeconds',
    options.waitTimeSeconds ?? SQS_POLLER_DEFAULTS.waitTimeSeconds,
    0,
    20,
  );
  const reportBatchItemFailures =
    options.reportBatchItemFailures ?? SQS_POLLER_DEFAULTS.reportBatchItemFailures;
  const functionName = options.functionName ?? SQS_POLLER_DEFAULTS.functionName;
  const { client, queueUrl } = options;
  const handlers = await environmentHandlers(options, concurrency);

  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
  const [, , , region, accountId] = queueArn.split(':');

  const stats: PollerStats = emptyPollerStats();
  const abort = new AbortController();
  // Every call in flight listens to this one signal.
  setMaxListeners(0, abort.signal);
  let stopped = false;

  async function receive(max: number, wait: number): Promise<Message[]> {
    try {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      return out.Messages ?? [];
    } catch (error) {
      if (stopped || isAbort(error)) return [];
      stats.sourceErrors++;
      await pause(100);
      return [];
    }
  }

  const pause = (ms: number) => pauseUnlessStopped(abort.signal, ms);

  /** Gathers one batch: up to `batchSize` messages, until the window closes or the payload limit is reached. */
  async function gather(): Promise<Message[]> {
    const batch: Message[] = [];
    let bytes = 0;
    let closesAt: number | undefined;
    while (!stopped && batch.length < batchSize && bytes < MAX_EVENT_BYTES) {
      const left = closesAt === undefined ? undefined : closesAt - Date.now();
      if (left !== undefined && left <= 0) break;
      const wait = left === undefined ? waitTimeSeconds : Math.min(waitTimeSeconds, Math.floor(left / 1000));
      const messages = await receive(Math.min(10, batchSize - batch.length), wait);
      for (const message of messages) {
        batch.push(message);
        bytes += recordBytes(message);
      }
      if (batch.length > 0 && windowMs === 0) break;
      // The window opens with the first message: an empty queue is never invoked.
      if (batch.length > 0 && closesAt === undefined) closesAt = Date.now() + windowMs;
      if (messages.length === 0 && batch.length > 0 && wait === 0) {
        await pause(Math.min(20, Math.max(0, (closesAt ?? 0) - Date.now())));
      }
    }
    return batch;
  }

  async function deleteMessages(messages: readonly Message[]): Promise<void> {
    const chunks: Message[][] = [];
    for (let i = 0; i < messages.length; i += 10) chunks.push(messages.slice(i, i + 10));
    await Promise.all(
      chunks.map(async (chunk) => {
        // A message whose delete fails comes back after its visibility timeout: a duplicate, not a loss.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            const out = await client.send(
              new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
              }),
            );
            const failed = new Set((out.Failed ?? []).map((f) => Number(f.Id)));
            if (failed.size === 0) return;
            stats.sourceErrors++;
            chunk = chunk.filter((_, i) => failed.has(i));
          } catch {
            stats.sourceErrors++;
          }
        }
      }),
    );
  }

  async function invokeOnce(handler: BatchHandler<SQSEvent>, batch: Message[]): Promise<void> {
    const startedAt = Date.now();
    const records = batch.map((message) => toRecord(message, queueArn, region));
    for (const record of records) {
      if (Number(record.attributes.ApproximateReceiveCount) > 1) stats.redelivered++;
    }
    const context = createLambdaContext({ functionName, timeoutMs, region, accountId });
    const result = await invokeHandler(handler, { Records: records }, context, timeoutMs);
    const verdict = readResponse(result, new Set(records.map((r) => r.messageId)), reportBatchItemFailures);
    let succeededMessages: Message[] = [];
    if (verdict.outcome === INVOCATION_OUTCOMES.success) succeededMessages = batch;
    else if (verdict.outcome === INVOCATION_OUTCOMES.partial) {
      succeededMessages = batch.filter((m) => !verdict.failed.has(m.MessageId ?? ''));
    }
    // Failed messages are left alone: they reappear when their visibility timeout ends.
    await deleteMessages(succeededMessages);
    const succeeded = succeededMessages.length;
    const retried = batch.length - succeeded;
    stats.invocations++;
    stats.records += batch.length;
    stats.succeeded += succeeded;
    stats.retried += retried;
    if (verdict.outcome === INVOCATION_OUTCOMES.partial) stats.partial++;
    else if (verdict.outcome === INVOCATION_OUTCOMES.error) stats.errors++;
    else if (verdict.outcome === INVOCATION_OUTCOMES.timeout) stats.timeouts++;
    else if (verdict.outcome === INVOCATION_OUTCOMES.invalidResponse) stats.invalidResponses++;
    options.onInvocation?.({
      source: 'sqs',
      requestId: context.awsRequestId,
      records: batch.length,
      outcome: verdict.outcome,
      ...('reason' in verdict ? { reason: verdict.reason } : {}),
      succeeded,
      retried,
      discarded: 0,
      durationMs: Date.now() - startedAt,
    });
  }

  async function pollLoop(handler: BatchHandler<SQSEvent>): Promise<void> {
    while (!stopped) {
      const batch = await gather();
      // A batch gathered when stop() came is still invoked: its messages are already invisible.
      if (batch.length === 0) continue;
      try {
        await invokeOnce(handler, batch);
      } catch {
        // Only onInvocation can throw here; the messages are settled or reappear, so polling goes on.
        stats.sourceErrors++;
      }
    }
  }

  const loops = handlers.map((handler) => pollLoop(handler));

  return {
    queueArn,
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.all(loops);
    },
  };
}
