import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import {
  DYNAMODB_EVENT_SOURCE,
  DynamoDBEventName,
  type DynamoDBStreamRecord,
  dynamoDBItemKey,
} from './dynamodb.js';
import { KINESIS_EVENT_SOURCE } from './kinesis.js';
import { MalformedEventError } from './malformed-event-error.js';
import { isFifoSqsRecord, SQS_EVENT_SOURCE, sqsMessageGroupId } from './sqs.js';

/** The event sources the handler answers for, by the name users pass. */
export const SourceKind = { Sqs: 'sqs', Kinesis: 'kinesis', DynamoDB: 'dynamodb' } as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

/** A record of any of the sources, as Lambda delivers it. */
export type SourceRecord = SQSRecord | KinesisStreamRecord | DynamoDBStreamRecord;

/** The source whose records have type `Rec`: `'sqs'` for `SQSRecord`, `'kinesis'` for `KinesisStreamRecord`, `'dynamodb'` for `DynamoDBStreamRecord`. */
export type SourceKindOf<Rec extends SourceRecord> = [Rec] extends [SQSRecord]
  ? typeof SourceKind.Sqs
  : [Rec] extends [KinesisStreamRecord]
    ? typeof SourceKind.Kinesis
    : [Rec] extends [DynamoDBStreamRecord]
      ? typeof SourceKind.DynamoDB
      : SourceKind;

/** One record of a checked event with what the sink needs to know of it. */
export interface SourceRecordInfo<R extends SourceRecord = SourceRecord> {
  readonly record: R;
  /** The `itemIdentifier` Lambda expects back: never empty. */
  readonly id: string;
  /** The ordering group whose later records fail after a failure: an SQS FIFO queue's message group (never a fair queue's), a DynamoDB item key. */
  readonly group: string | undefined;
}

/** A checked event: which source it came from and its records in order. */
export interface SourceEvent<R extends SourceRecord = SourceRecord> {
  /** `undefined` only when the event holds no records. */
  readonly kind: SourceKind | undefined;
  /** True for an SQS FIFO batch (its queue ARN ends in `.fifo`); a fair queue's batch is not. */
  readonly fifo: boolean;
  /**
   * True when the records of one group must keep their order: an SQS FIFO batch (per
   * message group) and a DynamoDB stream (per item key). Ordered mode is then the default,
   * and a failed record fails the later records of its group.
   */
  readonly grouped: boolean;
  readonly records: readonly SourceRecordInfo<R>[];
}

const EVENT_SOURCES: Readonly<Record<string, SourceKind>> = {
  [SQS_EVENT_SOURCE]: SourceKind.Sqs,
  [KINESIS_EVENT_SOURCE]: SourceKind.Kinesis,
  [DYNAMODB_EVENT_SOURCE]: SourceKind.DynamoDB,
};

const EVENT_NAMES: ReadonlySet<unknown> = new Set(Object.values(DynamoDBEventName));

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : typeof value;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Checks that `event` is an SQS or Kinesis event and reads each record's id and group.
 * Every id is checked here, once, because an empty or unknown `itemIdentifier` in the
 * batch response makes Lambda fail the whole batch.
 */
export function parseSourceEvent<R extends SourceRecord = SourceRecord>(event: unknown): SourceEvent<R> {
  if (
    typeof event !== 'object' ||
    event === null ||
    !Array.isArray((event as { Records?: unknown }).Records)
  ) {
    throw new MalformedEventError(
      `Expected an SQS, Kinesis or DynamoDB stream event (an object with a Records array); got ${describe(event)}` +
        (typeof event === 'object' && event !== null ? ' without a Records array' : ''),
    );
  }
  const raw = (event as { Records: unknown[] }).Records;
  let kind: SourceKind | undefined;
  let fifo = false;
  const records: SourceRecordInfo<R>[] = [];
  raw.forEach((record, index) => {
    if (typeof record !== 'object' || record === null) {
      throw new MalformedEventError(`Records[${index}] is ${describe(record)}, not a record`, index);
    }
    const eventSource = (record as { eventSource?: unknown }).eventSource;
    const recordKind = typeof eventSource === 'string' ? EVENT_SOURCES[eventSource] : undefined;
    if (recordKind === undefined) {
      throw new MalformedEventError(
        `Records[${index}].eventSource is ${describe(eventSource)}; expected "${SQS_EVENT_SOURCE}", "${KINESIS_EVENT_SOURCE}" or "${DYNAMODB_EVENT_SOURCE}"`,
        index,
      );
    }
    if (kind !== undefined && recordKind !== kind) {
      throw new MalformedEventError(
        `Records[${index}] is a ${recordKind} record in an event of ${kind} records; one event holds one source`,
        index,
      );
    }
    kind = recordKind;
    if (recordKind === SourceKind.Sqs) {
      const sqs = record as SQSRecord;
      if (!nonEmptyString(sqs.messageId)) {
        throw new MalformedEventError(`Records[${index}].messageId must be a non-empty string`, index);
      }
      if (typeof sqs.body !== 'string') {
        throw new MalformedEventError(`Records[${index}].body must be a string`, index);
      }
      const fifoRecord = isFifoSqsRecord(sqs);
      if (index > 0 && fifo !== fifoRecord) {
        throw new MalformedEventError(
          `Records[${index}] comes from a ${fifoRecord ? 'FIFO' : 'standard'} queue unlike the records before it; one event comes from one queue`,
          index,
        );
      }
      fifo = fifoRecord;
      // A fair queue's MessageGroupId orders nothing: only a FIFO record has an ordering group.
      const group = fifoRecord ? sqsMessageGroupId(sqs) : undefined;
      if (fifoRecord && group === undefined) {
        throw new MalformedEventError(
          `Records[${index}] comes from a FIFO queue but has no attributes.MessageGroupId`,
          index,
        );
      }
      records.push({ record: record as R, id: sqs.messageId, group });
    } else if (recordKind === SourceKind.DynamoDB) {
      records.push(checkedDynamoDBRecord<R>(record, index));
    } else {
      const kinesis = (record as KinesisStreamRecord).kinesis;
      if (typeof kinesis !== 'object' || kinesis === null) {
        throw new MalformedEventError(`Records[${index}].kinesis must be an object`, index);
      }
      if (!nonEmptyString(kinesis.sequenceNumber)) {
        throw new MalformedEventError(
          `Records[${index}].kinesis.sequenceNumber must be a non-empty string`,
          index,
        );
      }
      if (typeof kinesis.data !== 'string') {
        throw new MalformedEventError(`Records[${index}].kinesis.data must be a base64 string`, index);
      }
      records.push({ record: record as R, id: kinesis.sequenceNumber, group: undefined });
    }
  });
  return { kind, fifo, grouped: fifo || kind === SourceKind.DynamoDB, records };
}

/** A DynamoDB stream record's id (its sequence number) and group (its item key), checked. */
function checkedDynamoDBRecord<R extends SourceRecord>(record: object, index: number): SourceRecordInfo<R> {
  const { dynamodb, eventName } = record as Partial<DynamoDBStreamRecord>;
  if (typeof dynamodb !== 'object' || dynamodb === null) {
    throw new MalformedEventError(`Records[${index}].dynamodb must be an object`, index);
  }
  if (!nonEmptyString(dynamodb.SequenceNumber)) {
    throw new MalformedEventError(
      `Records[${index}].dynamodb.SequenceNumber must be a non-empty string`,
      index,
    );
  }
  if (!EVENT_NAMES.has(eventName)) {
    throw new MalformedEventError(
      `Records[${index}].eventName is ${describe(eventName)}; expected INSERT, MODIFY or REMOVE`,
      index,
    );
  }
  const keys: unknown = dynamodb.Keys;
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new MalformedEventError(
      `Records[${index}].dynamodb.Keys must be an object of key attributes`,
      index,
    );
  }
  return { record: record as R, id: dynamodb.SequenceNumber, group: dynamoDBItemKey(dynamodb.Keys) };
}

/**
 * Where a record came from, for ids that must not collide across sources: a Kinesis
 * record's stream ARN and shard (its `eventID` is `<shardId>:<sequenceNumber>`), an SQS
 * record's queue ARN. Sequence numbers are unique only within a stream, so an id derived
 * from one alone could collide with another stream's.
 */
export function sourceOfRecord(record: SourceRecord): string {
  const arn = typeof record.eventSourceARN === 'string' ? record.eventSourceARN : '';
  if (record.eventSource !== KINESIS_EVENT_SOURCE) return arn;
  const eventId = (record as KinesisStreamRecord).eventID;
  const shard =
    typeof eventId === 'string' && eventId.includes(':') ? eventId.slice(0, eventId.indexOf(':')) : '';
  return `${arn}/${shard}`;
}
