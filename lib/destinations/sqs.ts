/** Amazon SQS as a destination, standard or FIFO: one `SendMessageBatch` call per batch. */
import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequest,
  type SendMessageBatchResult,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig, withoutSdkLogger } from './default-client.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { withEndpointResolvedOnce } from './endpoint-once.js';
import { classifyAwsError } from './error-classifier.js';
import { idMatchedResults } from './id-matched-results.js';
import { withLeanSdkMiddleware } from './lean-sdk-middleware.js';
import {
  booleanOption,
  contentBasedDeduplicationOption,
  integerOption,
  requestBodyOption,
  responseParserOption,
} from './option-checks.js';
import { type BatchRequest, type RequestBodyMode, sendOptions, withBuiltBodies } from './prebuilt-body.js';
import { md5Mismatches, sendMessageBatchBody } from './sqs-batch-body.js';
import { type ResponseParserMode, withSendMessageBatchParser } from './sqs-batch-response.js';
import {
  invalidAttributesReason,
  invalidCharacterIn,
  invalidIdReason,
  SQS_MESSAGE_LIMITS,
  sqsMessageSize,
} from './sqs-message-rules.js';

export type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** One SQS message. */
export interface SqsEntry {
  /** The message body: 1 or more characters that SQS allows (XML's character set). */
  readonly body: string;
  /** Up to 10 attributes; their names, types and values count toward the message size. */
  readonly messageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
  /** 0 to 900 seconds. Standard queues only: SQS rejects a per-message delay on a FIFO queue. */
  readonly delaySeconds?: number;
  /**
   * FIFO queues: required; messages of one group are delivered in order, and in ordered
   * mode the sink keeps them in order. Standard queues: optional, it enables fair queues.
   */
  readonly messageGroupId?: string;
  /**
   * FIFO queues: required unless the destination was created with
   * `contentBasedDeduplication: true`. Use {@link deduplicationIdFor} to derive it from the
   * source record, so a redelivered batch is not duplicated. Not allowed on standard queues.
   */
  readonly messageDeduplicationId?: string;
}

/** Options of {@link sqsDestination}. */
export interface SqsDestinationOptions extends DefaultClientOptions {
  /** The queue's URL, e.g. `https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo`. */
  readonly queueUrl: string;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: SQSClient;
  /** Whether the queue is FIFO. Default: whether the queue's name ends with `.fifo`, as AWS requires. */
  readonly fifo?: boolean;
  /**
   * FIFO only: the queue has `ContentBasedDeduplication` on, so an entry may omit
   * `messageDeduplicationId` and SQS derives one from the body. Default false.
   */
  readonly contentBasedDeduplication?: boolean;
  /** The queue's `MaximumMessageSize` attribute, in bytes, if set below SQS's 1 MiB (1,024 to 1,048,576). */
  readonly maxMessageBytes?: number;
  /**
   * Who writes the `SendMessageBatch` body: `'built'` (the destination, byte for byte as
   * the SDK would, at a fraction of the CPU) or `'sdk'` (the SDK's serializer). Default
   * `'built'` for the client the destination creates, `'sdk'` for your own client, whose
   * middleware may expect the messages in the command's input.
   */
  readonly requestBody?: RequestBodyMode;
  /**
   * Who reads a plain successful `SendMessageBatch` answer on the client the destination
   * creates: `'built'` (the destination, to the same result as the SDK's deserializer, at
   * less CPU; errors and anything unexpected still go to the SDK) or `'sdk'`. Default
   * `'built'`. Your own client is never changed, so with `client` only `'sdk'` is allowed.
   */
  readonly responseParser?: ResponseParserMode;
}

/** An SQS destination, with the client it sends through. */
export interface SqsDestination extends Destination<SqsEntry> {
  readonly client: SQSClient;
  readonly fifo: boolean;
}

/** `SendMessageBatch` limits from the SQS API reference (see README.md): 1 MiB since 2025, 256 KiB before. */
export const SQS_LIMITS = {
  maxEntriesPerRequest: 10,
  maxBytesPerRequest: 1024 * 1024,
  maxBytesPerEntry: 1024 * 1024,
  /** The smallest `MaximumMessageSize` a queue can have. */
  smallestMaxMessageBytes: 1024,
} as const;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** The message's size as SQS counts it: body plus each attribute's name, data type and value. */
export function sqsEntrySize(entry: SqsEntry): number {
  return sqsMessageSize(entry.body, entry.messageAttributes);
}

/** What the checks of an entry depend on. */
export interface SqsQueueKind {
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  readonly maxMessageBytes: number;
}

/** Why SQS would never accept this entry on this kind of queue, or `undefined`. */
export function sqsInvalidReason(
  entry: SqsEntry,
  queue: SqsQueueKind,
  measured?: number,
): string | undefined {
  if (typeof entry.body !== 'string' || entry.body.length === 0) return 'body must be a non-empty string';
  const invalid = invalidCharacterIn(entry.body);
  if (invalid !== undefined) return `body has a character SQS rejects (${invalid})`;
  const attributesReason = invalidAttributesReason(entry.messageAttributes);
  if (attributesReason !== undefined) return attributesReason;
  const size = measured ?? sqsEntrySize(entry);
  if (size > queue.maxMessageBytes) {
    return `message is ${size} bytes (body + attributes), over the maximum message size of the queue, ${queue.maxMessageBytes} bytes`;
  }
  return queue.fifo ? fifoInvalidReason(entry, queue) : standardInvalidReason(entry);
}

function fifoInvalidReason(entry: SqsEntry, queue: SqsQueueKind): string | undefined {
  if (entry.delaySeconds !== undefined) {
    return 'delaySeconds cannot be set per message on a FIFO queue; set DelaySeconds on the queue';
  }
  if (entry.messageGroupId === undefined) return 'messageGroupId is required on a FIFO queue';
  const groupReason = invalidIdReason(
    'messageGroupId',
    entry.messageGroupId,
    SQS_MESSAGE_LIMITS.maxGroupIdCharacters,
  );
  if (groupReason !== undefined) return groupReason;
  if (entry.messageDeduplicationId === undefined) {
    return queue.contentBasedDeduplication
      ? undefined
      : 'messageDeduplicationId is required on a FIFO queue without contentBasedDeduplication (use deduplicationIdFor)';
  }
  return invalidIdReason(
    'messageDeduplicationId',
    entry.messageDeduplicationId,
    SQS_MESSAGE_LIMITS.maxDeduplicationIdCharacters,
  );
}

function standardInvalidReason(entry: SqsEntry): string | undefined {
  const { delaySeconds } = entry;
  if (
    delaySeconds !== undefined &&
    (!Number.isInteger(delaySeconds) ||
      delaySeconds < SQS_MESSAGE_LIMITS.minDelaySeconds ||
      delaySeconds > SQS_MESSAGE_LIMITS.maxDelaySeconds)
  ) {
    return `delaySeconds must be an integer from 0 to 900; got ${String(delaySeconds)}`;
  }
  if (entry.messageDeduplicationId !== undefined) {
    return 'messageDeduplicationId applies only to FIFO queues; remove it or send to a FIFO queue';
  }
  if (entry.messageGroupId === undefined) return undefined;
  return invalidIdReason('messageGroupId', entry.messageGroupId, SQS_MESSAGE_LIMITS.maxGroupIdCharacters);
}

/** The `SendMessageBatch` input for a batch; each entry's `Id` is its position, so ids are unique and valid. */
export function sendMessageBatchInput(
  queueUrl: string,
  entries: readonly SqsEntry[],
): SendMessageBatchRequest {
  return {
    QueueUrl: queueUrl,
    Entries: entries.map((entry, index) => ({
      Id: String(index),
      MessageBody: entry.body,
      ...(entry.messageAttributes === undefined ? {} : { MessageAttributes: { ...entry.messageAttributes } }),
      ...(entry.delaySeconds === undefined ? {} : { DelaySeconds: entry.delaySeconds }),
      ...(entry.messageGroupId === undefined ? {} : { MessageGroupId: entry.messageGroupId }),
      ...(entry.messageDeduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: entry.messageDeduplicationId }),
    })),
  };
}

/** The `SendMessageBatch` call for a batch, its body built by the destination or left to the SDK. */
export function sendMessageBatchRequest(
  queueUrl: string,
  entries: readonly SqsEntry[],
  requestBody: RequestBodyMode,
  Command: typeof SendMessageBatchCommand = SendMessageBatchCommand,
): BatchRequest<SendMessageBatchCommand> {
  const body = requestBody === 'built' ? sendMessageBatchBody(queueUrl, entries) : undefined;
  if (body === undefined) {
    return { command: new Command(sendMessageBatchInput(queueUrl, entries)), body };
  }
  // The input keeps the queue URL: the client may send to its host.
  return { command: new Command(sendMessageBatchInput(queueUrl, [])), body };
}

/** `SendMessageBatch` for the destination's own client: its endpoint rules resolved once (endpoint-once.ts). */
const OwnClientSendMessageBatch = withEndpointResolvedOnce(SendMessageBatchCommand);

/**
 * One result per entry, matched by `Id`. An entry in `md5Mismatched` arrived altered and
 * is retried, as the SDK's own check would have failed its request. `SenderFault: true` means the message itself is
 * at fault and is not retried, except for a throttling code, which only asks to slow down.
 * An entry the response does not mention is retried, never reported done.
 */
export function sendMessageBatchResults(
  output: SendMessageBatchResult,
  entryCount: number,
  md5Mismatched: ReadonlySet<string> = new Set(),
): EntryResult[] {
  return idMatchedResults({
    operation: 'SendMessageBatch',
    entryCount,
    successful: output.Successful,
    failed: output.Failed,
    accepted: (id) =>
      md5Mismatched.has(id)
        ? {
            status: 'retryable',
            code: 'ChecksumMismatch',
            message: 'MD5OfMessageBody does not match the body sent',
          }
        : { status: 'accepted' },
  });
}

/**
 * The queue name at the end of a queue URL. Parsed by pattern, not `new URL`: local
 * emulators hand out hosts such as `sqs.us-east-1.127.0.0.1:4566`, which WHATWG URLs refuse.
 */
function queueNameOf(queueUrl: string): string | undefined {
  const match = /^https?:\/\/[^/?#]+\/(?:[^?#]*\/)?([^/?#]+)\/?$/.exec(queueUrl);
  return match?.[1];
}

/** An Amazon SQS destination (`SendMessageBatch`), standard or FIFO; checks its options at creation. */
export function sqsDestination(options: SqsDestinationOptions): SqsDestination {
  const { queueUrl } = options;
  if (typeof queueUrl !== 'string' || !/^https?:\/\/[^/?#]+/.test(queueUrl)) {
    throw new DestinationConfigurationError(
      'queueUrl',
      `queueUrl must be the queue's URL, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-queue; got ${JSON.stringify(queueUrl)}`,
    );
  }
  const queueName = queueNameOf(queueUrl);
  if (queueName === undefined || !QUEUE_NAME.test(queueName)) {
    throw new DestinationConfigurationError(
      'queueUrl',
      `queueUrl must end with the queue name (1 to 80 of [A-Za-z0-9_-], plus .fifo for FIFO); got ${JSON.stringify(queueUrl)}`,
    );
  }
  const namedFifo = queueName.endsWith('.fifo');
  const fifo = booleanOption('fifo', options.fifo, namedFifo);
  if (fifo !== namedFifo) {
    throw new DestinationConfigurationError(
      'fifo',
      `fifo is ${fifo} but the queue ${queueName} ${namedFifo ? 'is' : 'is not'} FIFO (FIFO queue names end with .fifo); remove fifo or fix queueUrl`,
    );
  }
  const contentBasedDeduplication = contentBasedDeduplicationOption(
    options.contentBasedDeduplication,
    fifo,
    'queue',
  );
  const maxMessageBytes = integerOption(
    'maxMessageBytes',
    options.maxMessageBytes,
    SQS_LIMITS.maxBytesPerEntry,
    SQS_LIMITS.smallestMaxMessageBytes,
    SQS_LIMITS.maxBytesPerEntry,
  );
  const ownClient = options.client === undefined;
  const requestBody = requestBodyOption(options.requestBody, ownClient);
  const responseParser = responseParserOption(options.responseParser, ownClient);
  const client = options.client ?? createDefaultSqsClient(options, responseParser);
  const queue: SqsQueueKind = { fifo, contentBasedDeduplication, maxMessageBytes };

  return {
    name: `sqs:${queueName}`,
    client,
    fifo,
    limits: {
      maxEntriesPerRequest: SQS_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: SQS_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: maxMessageBytes,
    },
    sizeOf: sqsEntrySize,
    invalidReason: (entry, size) => sqsInvalidReason(entry, queue, size),
    async send(entries, signal) {
      const request = sendMessageBatchRequest(
        queueUrl,
        entries,
        requestBody,
        ownClient ? OwnClientSendMessageBatch : SendMessageBatchCommand,
      );
      const output = await client.send(request.command, sendOptions(request, signal, ownClient));
      // With a built body the SDK's MD5 check sees no entries; the same check is made here.
      const mismatched = request.body !== undefined ? md5Mismatches(output.Successful, entries) : undefined;
      return sendMessageBatchResults(output, entries.length, mismatched);
    },
    classifyError: (error) => classifyAwsError(error),
    // Only a FIFO queue keeps a group in order; a standard queue's group (fair queues) does not.
    orderingKeyOf: fifo ? (entry) => entry.messageGroupId : () => undefined,
  };
}

function createDefaultSqsClient(
  options: SqsDestinationOptions,
  responseParser: ResponseParserMode,
): SQSClient {
  const config = defaultClientConfig('SQS', options);
  // With an endpoint configured the client must not switch to the queue URL's host.
  const client = withLeanSdkMiddleware(
    withBuiltBodies(
      withoutSdkLogger(
        new SQSClient({
          ...config,
          ...(config.endpoint === undefined ? {} : { useQueueUrlAsEndpoint: false }),
          cacheMiddleware: true,
        }),
      ),
    ),
  );
  return responseParser === 'built' ? withSendMessageBatchParser(client) : client;
}
