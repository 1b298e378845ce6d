/**
 * A local stand-in for Lambda's SQS event source mapping: it receives batches from a queue,
 * invokes a handler with the event Lambda would build, deletes the messages that succeeded
 * and leaves the failed ones to reappear after the visibility timeout. Moving a message to
 * the dead-letter queue after `maxReceiveCount` receives is the queue's own redrive policy,
 * as on AWS (fauxqs implements it).
 */
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
import { integerSettings, isAbort, MAX_EVENT_BYTES, PollerState } from './poller-settings.js';
import type { BatchHandler, InvocationReport, Poller } from './types.js';
import { INVOCATION_OUTCOMES } from './types.js';

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

/** The range of each integer setting, as Lambda allows it. */
const INTEGER_RANGES = {
  batchSize: [1, 10_000],
  maximumBatchingWindowMs: [0, 300_000],
  concurrency: [1, 1_000],
  timeoutMs: [1, 900_000],
  waitTimeSeconds: [0, 20],
} as const;

/** The settings with defaults filled in and ranges checked. */
interface QueuePolling extends Record<keyof typeof INTEGER_RANGES, number> {
  readonly reportBatchItemFailures: boolean;
  readonly functionName: string;
}

function queuePolling(options: SqsPollerOptions): QueuePolling {
  const d = SQS_POLLER_DEFAULTS;
  const numbers = integerSettings('SQS poller', options, d, INTEGER_RANGES);
  if (numbers.batchSize > 10 && numbers.maximumBatchingWindowMs === 0) {
    throw new RangeError(
      'SQS poller: a batchSize above 10 needs maximumBatchingWindowMs above 0, as Lambda requires',
    );
  }
  return {
    ...numbers,
    reportBatchItemFailures: options.reportBatchItemFailures ?? d.reportBatchItemFailures,
    functionName: options.functionName ?? d.functionName,
  };
}

/** The queue, its ARN and the region and account in it. */
interface QueueContext {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly accountId: string;
}

async function describeQueue(client: SQSClient, queueUrl: string): Promise<QueueContext> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
  const [, , , region, accountId] = queueArn.split(':');
  return { client, queueUrl, queueArn, region, accountId };
}

/** One of the poller's concurrent loops: gather a batch, invoke, delete what succeeded. */
class QueuePollLoop {
  constructor(
    private readonly queue: QueueContext,
    private readonly polling: QueuePolling,
    private readonly state: PollerState,
    private readonly handler: BatchHandler<SQSEvent>,
  ) {}

  async run(): Promise<void> {
    while (!this.state.stopped) {
      const batch = await this.gather();
      // A batch gathered when stop() came is still invoked: its messages are already invisible.
      if (batch.length === 0) continue;
      try {
        await this.invoke(batch);
      } catch {
        // Only onInvocation can throw here; the messages are settled or reappear, so polling goes on.
        this.state.stats.sourceErrors++;
      }
    }
  }

  private async receive(max: number, wait: number): Promise<Message[]> {
    try {
      const out = await this.queue.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queue.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.state.signal },
      );
      return out.Messages ?? [];
    } catch (error) {
      if (this.state.stopped || isAbort(error)) return [];
      this.state.stats.sourceErrors++;
      await this.state.pause(100);
      return [];
    }
  }

  /** Gathers one batch: up to `batchSize` messages, until the window closes or the payload limit is reached. */
  private async gather(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowMs: windowMs, waitTimeSeconds } = this.polling;
    const batch: Message[] = [];
    let bytes = 0;
    let closesAt: number | undefined;
    while (!this.state.stopped && batch.length < batchSize && bytes < MAX_EVENT_BYTES) {
      const left = closesAt === undefined ? undefined : closesAt - Date.now();
      if (left !== undefined && left <= 0) break;
      const wait = left === undefined ? waitTimeSeconds : Math.min(waitTimeSeconds, Math.floor(left / 1000));
      const messages = await this.receive(Math.min(10, batchSize - batch.length), wait);
      for (const message of messages) {
        batch.push(message);
        bytes += recordBytes(message);
      }
      if (batch.length > 0 && windowMs === 0) break;
      // The window opens with the first message: an empty queue is never invoked.
      if (batch.length > 0 && closesAt === undefined) closesAt = Date.now() + windowMs;
      if (messages.length === 0 && batch.length > 0 && wait === 0) {
        await this.state.pause(Math.min(20, Math.max(0, (closesAt ?? 0) - Date.now())));
      }
    }
    return batch;
  }

  /** Deletes messages ten at a time; a message whose delete fails comes back after its visibility timeout: a duplicate, not a loss. */
  private async deleteMessages(messages: readonly Message[]): Promise<void> {
    const chunks: Message[][] = [];
    for (let i = 0; i < messages.length; i += 10) chunks.push(messages.slice(i, i + 10));
    await Promise.all(chunks.map((chunk) => this.deleteChunk(chunk)));
  }

  private async deleteChunk(chunk: readonly Message[]): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const out = await this.queue.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queue.queueUrl,
            Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => Number(f.Id)));
        if (failed.size === 0) return;
        this.state.stats.sourceErrors++;
        chunk = chunk.filter((_, i) => failed.has(i));
      } catch {
        this.state.stats.sourceErrors++;
      }
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    const startedAt = Date.now();
    const { queue, polling, state } = this;
    const records = batch.map((message) => toRecord(message, queue.queueArn, queue.region));
    for (const record of records) {
      if (Number(record.attributes.ApproximateReceiveCount) > 1) state.stats.redelivered++;
    }
    const context = createLambdaContext({
      ...queue,
      functionName: polling.functionName,
      timeoutMs: polling.timeoutMs,
    });
    const result = await invokeHandler(this.handler, { Records: records }, context, polling.timeoutMs);
    const ids = new Set(records.map((r) => r.messageId));
    const verdict = readResponse(result, ids, polling.reportBatchItemFailures);
    let succeeded: Message[] = [];
    if (verdict.outcome === INVOCATION_OUTCOMES.success) succeeded = batch;
    else if (verdict.outcome === INVOCATION_OUTCOMES.partial) {
      succeeded = batch.filter((m) => !verdict.failed.has(m.MessageId ?? ''));
    }
    // Failed messages are left alone: they reappear when their visibility timeout ends.
    await this.deleteMessages(succeeded);
    state.settled({
      source: 'sqs',
      requestId: context.awsRequestId,
      records: batch.length,
      outcome: verdict.outcome,
      ...('reason' in verdict ? { reason: verdict.reason } : {}),
      succeeded: succeeded.length,
      retried: batch.length - succeeded.length,
      discarded: 0,
      durationMs: Date.now() - startedAt,
    });
  }
}

/**
 * Starts polling an SQS queue with Lambda's semantics and invoking `handler`. Resolves once the
 * queue's ARN is known and the pollers are running.
 */
export async function startSqsPoller(options: SqsPollerOptions): Promise<SqsPoller> {
  const polling = queuePolling(options);
  const handlers = await environmentHandlers(options, polling.concurrency);
  const queue = await describeQueue(options.client, options.queueUrl);
  const state = new PollerState(options.onInvocation);
  const loops = handlers.map((handler) => new QueuePollLoop(queue, polling, state, handler).run());
  return {
    queueArn: queue.queueArn,
    stats: () => ({ ...state.stats }),
    async stop() {
      state.stop();
      await Promise.all(loops);
    },
  };
}
