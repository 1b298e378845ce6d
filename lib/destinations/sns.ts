/** Amazon SNS as a destination, standard or FIFO topic: one `PublishBatch` call per batch. */
import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchCommandOutput,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig } from './default-client.js';
import { classifyAwsError } from './error-classifier.js';
import { idMatchedResults } from './id-matched-results.js';
import { contentBasedDeduplicationOption, integerOption, stringOption } from './option-checks.js';
import {
  invalidAttributesReason,
  invalidIdReason,
  SQS_MESSAGE_LIMITS,
  sqsMessageSize,
} from './sqs-message-rules.js';

/** One SNS message. */
export interface SnsEntry {
  /** The message: a non-empty string. */
  readonly message: string;
  /** For email subscribers: up to 100 printable ASCII characters. */
  readonly subject?: string;
  /** Up to 10 attributes; their names, types and values count toward the message size. */
  readonly messageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
  /** FIFO topics: required; messages of one group are published in order. */
  readonly messageGroupId?: string;
  /** FIFO topics: required unless the topic has content-based deduplication; use {@link deduplicationIdFor}. */
  readonly messageDeduplicationId?: string;
}

/** Options of {@link snsDestination}. */
export interface SnsDestinationOptions extends DefaultClientOptions {
  /** The topic's ARN; a FIFO topic's name ends with `.fifo`. */
  readonly topicArn: string;
  /** FIFO only: the topic has `ContentBasedDeduplication` on. Default false. */
  readonly contentBasedDeduplication?: boolean;
  /** The topic's `MaximumMessageSize` in bytes: 256 KiB unless raised, up to 1 MiB. Bounds a message and a batch. */
  readonly maxMessageBytes?: number;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: SNSClient;
}

/** An SNS destination, with the client it sends through. */
export interface SnsDestination extends Destination<SnsEntry> {
  readonly client: SNSClient;
  readonly fifo: boolean;
}

/** `PublishBatch` limits from the SNS API reference (see README.md). */
export const SNS_LIMITS = {
  maxEntriesPerRequest: 10,
  defaultMaxMessageBytes: 256 * 1024,
  largestMaxMessageBytes: 1024 * 1024,
  smallestMaxMessageBytes: 1024,
  maxSubjectCharacters: 100,
} as const;

/** SNS's own throttling codes (its query codes for `ThrottledException`, `KMSThrottlingException`). */
const SNS_THROTTLING_CODES: ReadonlySet<string> = new Set(['Throttled', 'KMSThrottling']);

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const SUBJECT = /^[\x20-\x7e]{1,100}$/;

/** The message's size as SNS counts it: the message plus each attribute's name, data type and value. */
export function snsEntrySize(entry: SnsEntry): number {
  return sqsMessageSize(entry.message, entry.messageAttributes);
}

/** Why SNS would never accept this entry on this topic, or `undefined`. */
export function snsInvalidReason(
  entry: SnsEntry,
  topic: {
    readonly fifo: boolean;
    readonly contentBasedDeduplication: boolean;
    readonly maxMessageBytes: number;
  },
  measured?: number,
): string | undefined {
  if (typeof entry.message !== 'string' || entry.message.length === 0)
    return 'message must be a non-empty string';
  if (entry.subject !== undefined && !SUBJECT.test(entry.subject)) {
    return 'subject must be 1 to 100 printable ASCII characters';
  }
  const attributesReason = invalidAttributesReason(entry.messageAttributes);
  if (attributesReason !== undefined) return attributesReason;
  const size = measured ?? snsEntrySize(entry);
  if (size > topic.maxMessageBytes) {
    return `message is ${size} bytes (message + attributes), over the maximum message size of the topic, ${topic.maxMessageBytes} bytes`;
  }
  if (!topic.fifo) {
    return entry.messageDeduplicationId === undefined
      ? undefined
      : 'messageDeduplicationId applies only to FIFO topics';
  }
  const group = invalidIdReason(
    'messageGroupId',
    entry.messageGroupId,
    SQS_MESSAGE_LIMITS.maxGroupIdCharacters,
  );
  if (group !== undefined) return `${group} (required on a FIFO topic)`;
  if (entry.messageDeduplicationId === undefined) {
    return topic.contentBasedDeduplication
      ? undefined
      : 'messageDeduplicationId is required on a FIFO topic without contentBasedDeduplication (use deduplicationIdFor)';
  }
  return invalidIdReason(
    'messageDeduplicationId',
    entry.messageDeduplicationId,
    SQS_MESSAGE_LIMITS.maxDeduplicationIdCharacters,
  );
}

/** The `PublishBatch` input for a batch; each entry's `Id` is its position. */
export function publishBatchInput(topicArn: string, entries: readonly SnsEntry[]): PublishBatchCommandInput {
  return {
    TopicArn: topicArn,
    PublishBatchRequestEntries: entries.map((entry, index) => ({
      Id: String(index),
      Message: entry.message,
      ...(entry.subject === undefined ? {} : { Subject: entry.subject }),
      ...(entry.messageAttributes === undefined ? {} : { MessageAttributes: { ...entry.messageAttributes } }),
      ...(entry.messageGroupId === undefined ? {} : { MessageGroupId: entry.messageGroupId }),
      ...(entry.messageDeduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: entry.messageDeduplicationId }),
    })),
  };
}

/**
 * One result per entry, matched by `Id`. `SenderFault: true` is the message's own fault and
 * is not retried, except a throttling code. An entry the response does not mention is retried.
 */
export function publishBatchResults(output: PublishBatchCommandOutput, entryCount: number): EntryResult[] {
  return idMatchedResults({
    operation: 'PublishBatch',
    entryCount,
    successful: output.Successful,
    failed: output.Failed,
    throttlingCodes: SNS_THROTTLING_CODES,
  });
}

/** An Amazon SNS destination (`PublishBatch`), standard or FIFO topic; checks its options at creation. */
export function snsDestination(options: SnsDestinationOptions): SnsDestination {
  const topicArn = stringOption(
    'topicArn',
    options.topicArn,
    TOPIC_ARN,
    "a topic's ARN, e.g. arn:aws:sns:us-east-1:123456789012:orders",
  );
  const fifo = topicArn.endsWith('.fifo');
  const contentBasedDeduplication = contentBasedDeduplicationOption(
    options.contentBasedDeduplication,
    fifo,
    'topic',
  );
  const maxMessageBytes = integerOption(
    'maxMessageBytes',
    options.maxMessageBytes,
    SNS_LIMITS.defaultMaxMessageBytes,
    SNS_LIMITS.smallestMaxMessageBytes,
    SNS_LIMITS.largestMaxMessageBytes,
  );
  const client = options.client ?? new SNSClient(defaultClientConfig('SNS', options));
  const topic = { fifo, contentBasedDeduplication, maxMessageBytes };

  return {
    name: `sns:${topicArn.slice(topicArn.lastIndexOf(':') + 1)}`,
    client,
    fifo,
    limits: {
      maxEntriesPerRequest: SNS_LIMITS.maxEntriesPerRequest,
      // The topic's MaximumMessageSize bounds a message and the whole batch alike.
      maxBytesPerRequest: maxMessageBytes,
      maxBytesPerEntry: maxMessageBytes,
    },
    sizeOf: snsEntrySize,
    invalidReason: (entry, size) => snsInvalidReason(entry, topic, size),
    async send(entries, signal) {
      const output = await client.send(new PublishBatchCommand(publishBatchInput(topicArn, entries)), {
        abortSignal: signal,
      });
      return publishBatchResults(output, entries.length);
    },
    classifyError: (error) => classifyAwsError(error),
    // A FIFO topic publishes a group in order; a standard topic keeps no order.
    orderingKeyOf: fifo ? (entry) => entry.messageGroupId : () => undefined,
  };
}
