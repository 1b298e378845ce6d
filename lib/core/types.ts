/**
 * Types shared by the core, the destinations and the sources. Plain data only: the
 * core imports nothing from destinations or sources, they import only these.
 */

/** How AWS bounds one batch request of a destination. */
export interface DestinationLimits {
  /** Most entries one request may carry. */
  readonly maxEntriesPerRequest: number;
  /** Most bytes one request may carry, counted as the service counts them. */
  readonly maxBytesPerRequest: number;
  /** Most bytes one entry may have, counted as the service counts them. */
  readonly maxBytesPerEntry: number;
}

/** The outcome of one entry of a request, by position. */
export type EntryResult =
  | { readonly status: 'accepted' }
  | {
      readonly status: 'retryable';
      /** The service's error code, e.g. `ProvisionedThroughputExceededException`. */
      readonly code: string;
      readonly message?: string;
      /** True when the service said it was throttled: the rate limiter backs off. */
      readonly throttled?: boolean;
    }
  | { readonly status: 'fatal'; readonly code: string; readonly message?: string }
  | {
      /**
       * Not sent: the destination's own budget for it (e.g. its Kinesis shard's share) is used
       * up for longer than the entry may wait. Its record goes back to the event source at once,
       * as {@link FailureCode.Deferred}, for a later invocation; it is not retried in this one.
       */
      readonly status: 'deferred';
      readonly code: string;
      readonly message?: string;
    };

/** What a whole-request error means for the rest of the invocation. */
export type ErrorClassification =
  | {
      readonly kind: 'retryable';
      readonly code: string;
      readonly message: string;
      readonly throttled: boolean;
    }
  | { readonly kind: 'fatal'; readonly code: string; readonly message: string }
  | {
      /**
       * The service refused the whole request for an entry it does not name (DynamoDB's
       * `ValidationException`, CloudWatch's `InvalidParameterValue`): the core splits the
       * request in halves until that entry stands alone and fails as poison with this code.
       */
      readonly kind: 'bisect';
      readonly code: string;
      readonly message: string;
    };

/**
 * A destination: how to send one batch and how big an entry is. Everything else
 * (packing, in-flight limit, retries, rate limiting, deadlines) belongs to the core.
 */
export interface Destination<Entry> {
  /** A short name for logs and metrics, e.g. `kinesis:my-stream`. */
  readonly name: string;
  readonly limits: DestinationLimits;
  /** The entry's size as the service counts it. Called once per entry. */
  sizeOf(entry: Entry): number;
  /**
   * Why no request could ever accept this entry (naming the limit), or `undefined` when it
   * is valid. The core passes `size`, what `sizeOf` answered, so that entries are measured once.
   */
  invalidReason(entry: Entry, size?: number): string | undefined;
  /**
   * Sends one batch. Resolves with one result per entry, in the entries' order; rejects
   * when the whole request failed, and then `classifyError` decides what that means.
   */
  send(entries: readonly Entry[], signal: AbortSignal): Promise<readonly EntryResult[]>;
  /** Classifies an error thrown by `send` as retryable or fatal. */
  classifyError(error: unknown): ErrorClassification;
  /**
   * The entry's destination key (partition key, message group id). In ordered mode,
   * entries with the same key never overtake each other.
   */
  orderingKeyOf?(entry: Entry): string | undefined;
  /**
   * True when the service refuses a request that holds two entries with one ordering key
   * (DynamoDB `BatchWriteItem`): the sink then always runs in ordered mode, which keeps them apart.
   */
  readonly distinctKeysPerRequest?: boolean;
}

/** A source record as the sink sees it: its id and the entries it became. */
export interface SinkRecord<Entry> {
  readonly id: string;
  readonly entries: readonly Entry[];
  /**
   * The source's ordering group (an SQS FIFO message group), if any. Once a record of a
   * group fails before sending (an entry no request could take), the later records of the
   * group fail unsent: sending them would only have them cut off, and sent again on redelivery.
   */
  readonly group?: string;
}

/** Why a record was not done. `code` is machine-readable, `reason` is for people. */
export interface RecordFailure {
  readonly code: string;
  readonly reason: string;
}

/** The sink's verdict for one source record. */
export type RecordOutcome =
  | { readonly id: string; readonly status: 'done' }
  | ({ readonly id: string; readonly status: 'failed' } & RecordFailure);

/** Counters the sink keeps for one run. */
export interface SinkStats {
  records: number;
  recordsDone: number;
  recordsFailed: number;
  entries: number;
  entriesSent: number;
  entriesAccepted: number;
  entriesRetried: number;
  requests: number;
  requestsFailed: number;
  /** Requests split in halves to find an entry the service refused without naming it. */
  requestsBisected: number;
  throttles: number;
  /** Sum over requests of entries / min(maxEntriesPerRequest, rate limit): mean fill = batchFill / requests. */
  batchFill: number;
  deadlineReached: boolean;
  fatalError?: string;
  elapsedMs: number;
}

/** Stats with every counter at zero: a run's starting point, and the stats of a run that sent nothing. */
export function emptySinkStats(): SinkStats {
  return {
    records: 0,
    recordsDone: 0,
    recordsFailed: 0,
    entries: 0,
    entriesSent: 0,
    entriesAccepted: 0,
    entriesRetried: 0,
    requests: 0,
    requestsFailed: 0,
    requestsBisected: 0,
    throttles: 0,
    batchFill: 0,
    deadlineReached: false,
    elapsedMs: 0,
  };
}

/** The result of one sink run: an outcome per record read, in input order. */
export interface SinkResult {
  /** One per record read: every record of an array; of a lazy input, those read before a stop. */
  readonly outcomes: readonly RecordOutcome[];
  readonly stats: SinkStats;
  /**
   * Why the run stopped before every record was done (the deadline, a fatal error), if it
   * did. A lazy input is not read past a stop: its records after the last outcome fail for this.
   */
  readonly stopped?: RecordFailure;
}

/** Well-known failure codes the core itself gives. */
export const FailureCode = {
  /** An entry no request could accept. */
  InvalidEntry: 'InvalidEntry',
  /** Retries were used up. */
  RetriesExhausted: 'RetriesExhausted',
  /** The deadline came before the record was done. */
  DeadlineReached: 'DeadlineReached',
  /** A fatal whole-request error (access denied, no such stream) stopped all sending; the reason names it. */
  SendingStopped: 'SendingStopped',
  /** An earlier entry with the same ordering key failed. */
  PredecessorFailed: 'PredecessorFailed',
  /** The destination deferred the entry to a later invocation (its shard's budget was used up); retry from the source. */
  Deferred: 'Deferred',
} as const;
