import type { Context } from 'aws-lambda';

/** What a batch handler may answer; Lambda reads `batchItemFailures` when ReportBatchItemFailures is on. */
export interface BatchItemFailuresResponse {
  readonly batchItemFailures?: readonly { readonly itemIdentifier?: string | null }[] | null;
}

/**
 * A Lambda handler for batches as Lambda calls it: an event and a context. Any function of
 * this shape works, e.g. `createSinkHandler(...)` or the `handler` export of a module in `functions/`.
 */
export type BatchHandler<Event> = (
  event: Event,
  context: Context,
) => BatchHandlerResult | Promise<BatchHandlerResult>;

/** A handler's answer: a batch response, or nothing (every record succeeded). */
// biome-ignore lint/suspicious/noConfusingVoidType: an async handler that returns nothing is a Promise<void>.
export type BatchHandlerResult = BatchItemFailuresResponse | null | undefined | void;

/** How one invocation ended, as the event source mapping sees it. */
export const INVOCATION_OUTCOMES = {
  /** Every record succeeded (no failures reported). */
  success: 'success',
  /** The response named some records in `batchItemFailures`. */
  partial: 'partial',
  /** The handler threw or rejected, or its response could not be serialised (a function error). */
  error: 'error',
  /** The handler did not answer within the function timeout. */
  timeout: 'timeout',
  /** The response broke Lambda's rules (e.g. an empty or unknown `itemIdentifier`): the whole batch failed. */
  invalidResponse: 'invalidResponse',
} as const;
export type InvocationOutcome = (typeof INVOCATION_OUTCOMES)[keyof typeof INVOCATION_OUTCOMES];

/** One invocation and what the poller did after it; given to `onInvocation`. */
export interface InvocationReport {
  readonly source: 'sqs' | 'kinesis';
  /** The context's `awsRequestId`. */
  readonly requestId: string;
  /** Kinesis only: the shard the batch came from. */
  readonly shardId?: string;
  /** Records in the event. */
  readonly records: number;
  readonly outcome: InvocationOutcome;
  /** The error, the timeout or the rule the response broke, when the batch failed as a whole. */
  readonly reason?: string;
  /** Records settled for good: deleted from the queue (SQS) or checkpointed past (Kinesis). */
  readonly succeeded: number;
  /** Records the event source will hand to the function again. */
  readonly retried: number;
  /** Kinesis only: records given up after the retry limit (described on the on-failure queue, if any). */
  readonly discarded: number;
  readonly durationMs: number;
}

/** Counters a poller keeps since it started. */
export interface PollerStats {
  invocations: number;
  /** Records handed to the function, counting every redelivery. */
  records: number;
  /** Records settled for good (deleted, or checkpointed past after success). */
  succeeded: number;
  /** Records to be handed to the function again after a failure. */
  retried: number;
  /** Kinesis: records given up after the retry limit. SQS: always 0 (the queue's redrive policy moves them). */
  discarded: number;
  /** Invocations by outcome. */
  partial: number;
  errors: number;
  timeouts: number;
  invalidResponses: number;
  /** SQS: messages received with `ApproximateReceiveCount` above 1. */
  redelivered: number;
  /** Calls to the source service that failed (retried by the poller). */
  sourceErrors: number;
}

/** Zeroed counters. */
export function emptyPollerStats(): PollerStats {
  return {
    invocations: 0,
    records: 0,
    succeeded: 0,
    retried: 0,
    discarded: 0,
    partial: 0,
    errors: 0,
    timeouts: 0,
    invalidResponses: 0,
    redelivered: 0,
    sourceErrors: 0,
  };
}

/** A running poller. */
export interface Poller {
  /** A copy of the counters. */
  stats(): PollerStats;
  /** Stops polling, waits for the invocations in flight to finish and be settled. */
  stop(): Promise<void>;
}
