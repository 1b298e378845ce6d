import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { optionChecks } from '../core/option-checks.js';
import type { SinkOptions } from '../core/options.js';
import type { Destination } from '../core/types.js';
import type { SqsEntry } from '../destinations/sqs.js';
import type { DynamoDBStreamRecord } from '../sources/dynamodb.js';
import { SourceKind, type SourceKindOf, type SourceRecord } from '../sources/source-event.js';
import { HandlerConfigurationError } from './handler-configuration-error.js';
import { PoisonPolicy } from './poison.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What `convert` may return: one entry, several, or nothing (`undefined`, `null` or `[]`: the record is filtered out). */
export type Conversion<Entry> = Entry | readonly Entry[] | undefined | null;

/** Options of {@link createSinkHandler}. Every option but `destination` and `convert` has a default. */
export interface SinkHandlerOptions<Rec extends SourceRecord, Entry> extends Omit<SinkOptions, 'random'> {
  /** Where the entries go, e.g. `kinesisDestination({ streamName })`. */
  readonly destination: Destination<Entry>;
  /**
   * Turns one source record into destination entries. A throw (or rejection) fails that
   * record alone; the reason is logged, the payload is not.
   */
  readonly convert: (record: Rec) => Conversion<Entry> | Promise<Conversion<Entry>>;
  /**
   * When set, an event from another source is refused with a {@link MalformedEventError}.
   * Typed by `convert`'s record: `'kinesis'` with a `convert` that takes an `SQSRecord` does not compile.
   */
  readonly source?: SourceKindOf<Rec>;
  /**
   * Entries with the same destination key never overtake each other. Default: on where the
   * user chose order, that is for an SQS FIFO source batch (a queue ARN ending in `.fifo`),
   * a DynamoDB stream (per item key) or a FIFO destination (one with `fifo: true`, e.g.
   * `sqsDestination` of a `.fifo` queue); off otherwise.
   */
  readonly ordered?: boolean;
  /**
   * Hand `convert` the user records inside a KPL-aggregated Kinesis record, each with its
   * own partition and explicit hash key, instead of the aggregate. Default true.
   */
  readonly deaggregate?: boolean;
  /** Throw when every record failed for a reason a retry may fix, so that the event source backs off. Default true. */
  readonly throwOnFullBatchFailure?: boolean;
  /** What to do with a record no retry can fix. Default `retry`. */
  readonly poisonPolicy?: PoisonPolicy;
  /** Where `dead-letter` sends poison records with their reason: an SQS queue, e.g. `sqsDestination({ queueUrl })`. */
  readonly deadLetterDestination?: Destination<SqsEntry> & { readonly fifo?: boolean };
  /**
   * Time kept back from the Lambda's remaining time, in ms, so that the handler answers
   * before Lambda's timeout. Capped at a quarter of the remaining time. Default 1,000.
   */
  readonly safetyMarginMs?: number;
  /**
   * middy's last resort, in ms before Lambda's timeout: should the handler still be
   * running then, every record is reported failed. Default 10.
   */
  readonly timeoutEarlyInMillis?: number;
  /** Put payloads of failed records in the logs. Default false: payloads are never logged. */
  readonly logPayloads?: boolean;
  /** Powertools Logger for the summary line. Default: a new Logger (`POWERTOOLS_SERVICE_NAME`). */
  readonly logger?: Logger;
  /** Powertools Metrics for the EMF metrics. Default: a new Metrics (`POWERTOOLS_METRICS_NAMESPACE`, else `LambdaAsyncSink`). */
  readonly metrics?: Metrics;
}

/**
 * Options of {@link createSinkHandler} with a `schema`: each record is decoded (the JSON
 * body of an SQS message, the base64 JSON of a Kinesis record, the unmarshalled image of a
 * DynamoDB stream record) and checked, and `convert` gets the schema's output, typed from
 * it, with the record beside it. A record the schema refuses is poison: the poison policy
 * applies, and its reason lists the issues' paths and messages, never the payload.
 */
export interface SchemaSinkHandlerOptions<Schema extends StandardSchemaV1, Rec extends SourceRecord, Entry>
  extends Omit<SinkHandlerOptions<Rec, Entry>, 'convert'> {
  /** Any Standard Schema v1 validator (zod, valibot, arktype, ...); sync or async. */
  readonly schema: Schema;
  /**
   * Turns one checked value, the schema's output, and its record into destination entries.
   * The record is typed by `source`: `source: 'sqs'` gives an `SQSRecord`.
   */
  readonly convert: (
    value: StandardSchemaV1.InferOutput<Schema>,
    record: Rec,
  ) => Conversion<Entry> | Promise<Conversion<Entry>>;
}

/** The record type of a source: `SQSRecord` for `'sqs'`, and so on; every source's for `SourceKind`. */
export type RecordOfKind<Kind extends SourceKind> = Kind extends typeof SourceKind.Sqs
  ? SQSRecord
  : Kind extends typeof SourceKind.Kinesis
    ? KinesisStreamRecord
    : DynamoDBStreamRecord;

/** The handler's own defaults, as data. The sink's are in `SINK_DEFAULTS`. */
export const HANDLER_DEFAULTS = {
  throwOnFullBatchFailure: true,
  poisonPolicy: PoisonPolicy.Retry,
  safetyMarginMs: 1_000,
  timeoutEarlyInMillis: 10,
  logPayloads: false,
  deaggregate: true,
  metricsNamespace: 'LambdaAsyncSink',
} as const;

/** Handler options with defaults filled in; `ordered` stays optional because its default depends on the batch. */
export interface ResolvedHandlerOptions {
  readonly source: SourceKind | undefined;
  readonly ordered: boolean | undefined;
  readonly deaggregate: boolean;
  readonly throwOnFullBatchFailure: boolean;
  readonly poisonPolicy: PoisonPolicy;
  readonly safetyMarginMs: number;
  readonly timeoutEarlyInMillis: number;
  readonly logPayloads: boolean;
}

const check = optionChecks((option, message) => new HandlerConfigurationError(option, message));

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  return check.boolean(name, value ?? fallback);
}

function millisecondsOption(name: string, value: unknown, fallback: number, max: number): number {
  return check.number(name, value ?? fallback, { min: 0, max, integer: true, unit: 'ms' }, value);
}

function isDestination(value: unknown): value is Destination<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Destination<unknown>>;
  return (
    typeof candidate.send === 'function' &&
    typeof candidate.sizeOf === 'function' &&
    typeof candidate.invalidReason === 'function' &&
    typeof candidate.classifyError === 'function' &&
    typeof candidate.limits === 'object'
  );
}

/** Checks the handler's own options once, at creation, with messages that say what to set. */
export function resolveHandlerOptions<Rec extends SourceRecord, Entry>(
  options: SinkHandlerOptions<Rec, Entry>,
): ResolvedHandlerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new HandlerConfigurationError(
      'options',
      'createSinkHandler needs an options object with destination and convert',
    );
  }
  if (!isDestination(options.destination)) {
    throw new HandlerConfigurationError(
      'destination',
      'destination must be a Destination, e.g. kinesisDestination({ streamName }), firehoseDestination({ deliveryStreamName }) or sqsDestination({ queueUrl })',
    );
  }
  if (typeof options.convert !== 'function') {
    throw new HandlerConfigurationError(
      'convert',
      'convert must be a function from a source record to entries',
    );
  }
  if (options.source !== undefined) check.oneOf('source', options.source, Object.values(SourceKind));
  const poisonPolicy = check.oneOf(
    'poisonPolicy',
    options.poisonPolicy ?? HANDLER_DEFAULTS.poisonPolicy,
    Object.values(PoisonPolicy),
  );
  if (poisonPolicy === PoisonPolicy.DeadLetter && !isDestination(options.deadLetterDestination)) {
    throw new HandlerConfigurationError(
      'deadLetterDestination',
      "poisonPolicy 'dead-letter' needs deadLetterDestination, e.g. sqsDestination({ queueUrl: deadLetterQueueUrl })",
    );
  }
  if (poisonPolicy !== PoisonPolicy.DeadLetter && options.deadLetterDestination !== undefined) {
    throw new HandlerConfigurationError(
      'deadLetterDestination',
      `deadLetterDestination is only used with poisonPolicy 'dead-letter' (it is '${poisonPolicy}'); remove one of them`,
    );
  }
  // Not set (undefined or null, as for every option) lets the batch decide.
  const ordered = options.ordered ?? undefined;
  return {
    source: options.source,
    ordered: ordered === undefined ? undefined : check.boolean('ordered', ordered),
    deaggregate: booleanOption('deaggregate', options.deaggregate, HANDLER_DEFAULTS.deaggregate),
    throwOnFullBatchFailure: booleanOption(
      'throwOnFullBatchFailure',
      options.throwOnFullBatchFailure,
      HANDLER_DEFAULTS.throwOnFullBatchFailure,
    ),
    poisonPolicy,
    safetyMarginMs: millisecondsOption(
      'safetyMarginMs',
      options.safetyMarginMs,
      HANDLER_DEFAULTS.safetyMarginMs,
      60_000,
    ),
    timeoutEarlyInMillis: millisecondsOption(
      'timeoutEarlyInMillis',
      options.timeoutEarlyInMillis,
      HANDLER_DEFAULTS.timeoutEarlyInMillis,
      60_000,
    ),
    logPayloads: booleanOption('logPayloads', options.logPayloads, HANDLER_DEFAULTS.logPayloads),
  };
}
