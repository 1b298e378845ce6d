import { FailureCode, type RecordFailure, type RecordOutcome, type SinkRecord } from '../core/types.js';
import { GroupCutoff } from '../sources/group-cutoff.js';
import { isKinesisRecord } from '../sources/kinesis.js';
import { kinesisUserRecords } from '../sources/kinesis-deaggregation.js';
import type { SourceRecord, SourceRecordInfo } from '../sources/source-event.js';
import type { Conversion } from './handler-options.js';
import { HandlerFailureCode } from './poison.js';
import { RecordRejectedError } from './record-rejected-error.js';

/** A batch after `convert`: what is settled already, and what goes to the sink. */
export interface ConvertedBatch<Entry> {
  /** Per source record; empty where the sink decides. */
  readonly outcomes: RecordOutcome[];
  /** The records the sink sends, with ids that are positions in the batch. */
  readonly toSend: SinkRecord<Entry>[];
  /** `positions[i]` is the batch position of `toSend[i]`. */
  readonly positions: number[];
  /** Records `convert` turned into no entries. */
  readonly filtered: number;
}

/** What the conversion phase needs to know. */
export interface ConvertOptions<Rec extends SourceRecord, Entry> {
  readonly convert: (record: Rec) => Conversion<Entry> | Promise<Conversion<Entry>>;
  /** Convert the user records of a KPL-aggregated Kinesis record one by one. */
  readonly deaggregate: boolean;
  /**
   * True when a record that failed to convert, or that the sink rejects before sending,
   * must stop its message group: its later records then fail unsent instead of being
   * sent, cut off and sent again on redelivery.
   */
  readonly stopGroups: boolean;
  /**
   * True when a record that failed to convert must stop every later record of the batch: a
   * Kinesis batch (one shard) in ordered mode under `retry`. The failed record has no entries,
   * so the sink cannot block its ordering keys, and a Kinesis record has no group; Lambda
   * sends the shard again from the lowest failed record, so the later records come back
   * after it rather than overtake it.
   */
  readonly stopBatch: boolean;
}

/** Turns every record into entries, in order; a throw or rejection fails that record alone. */
export async function convertRecords<Rec extends SourceRecord, Entry>(
  records: readonly SourceRecordInfo<Rec>[],
  options: ConvertOptions<Rec, Entry>,
): Promise<ConvertedBatch<Entry>> {
  const outcomes: RecordOutcome[] = new Array(records.length);
  const toSend: SinkRecord<Entry>[] = [];
  const positions: number[] = [];
  let filtered = 0;
  const cutoff = new GroupCutoff();
  /** The id of the record that failed to convert, once one did and `stopBatch` is on. */
  let stoppedBy: string | undefined;
  for (let index = 0; index < records.length; index++) {
    const info = records[index];
    const predecessor =
      stoppedBy === undefined ? cutoff.predecessorFailure(info.group) : batchStopped(stoppedBy);
    if (predecessor !== undefined) {
      outcomes[index] = { id: info.id, status: 'failed', ...predecessor };
      continue;
    }
    let entries: readonly Entry[];
    try {
      // Awaited only when it is a promise: a microtask per record is a cost on the hot path.
      const conversion = convertRecord(options.convert, info.record, options.deaggregate);
      entries = isPromiseLike(conversion) ? await conversion : conversion;
    } catch (error) {
      outcomes[index] = convertFailure(info.id, error);
      if (options.stopGroups) cutoff.failed(info.group, info.id);
      if (options.stopBatch) stoppedBy = info.id;
      continue;
    }
    if (entries.length === 0) {
      outcomes[index] = { id: info.id, status: 'done' };
      filtered++;
      continue;
    }
    // The sink sees positions, not message ids: a message delivered twice in one batch stays two records.
    toSend.push({ id: String(index), entries, group: options.stopGroups ? info.group : undefined });
    positions.push(index);
  }
  return { outcomes, toSend, positions, filtered };
}

/**
 * The entries of one source record. A KPL-aggregated Kinesis record is converted user
 * record by user record, and its entries are all of theirs: any one failing fails it.
 * Stays synchronous for a synchronous `convert`.
 */
function convertRecord<Rec extends SourceRecord, Entry>(
  convert: ConvertOptions<Rec, Entry>['convert'],
  record: Rec,
  deaggregate: boolean,
): readonly Entry[] | Promise<readonly Entry[]> {
  if (!deaggregate || !isKinesisRecord(record)) {
    const conversion = convert(record);
    return isPromiseLike(conversion) ? Promise.resolve(conversion).then(toEntries) : toEntries(conversion);
  }
  const userRecords = kinesisUserRecords(record) as Rec[];
  if (userRecords.length === 1) return convertRecord(convert, userRecords[0], false);
  return convertEach(convert, userRecords);
}

async function convertEach<Rec extends SourceRecord, Entry>(
  convert: ConvertOptions<Rec, Entry>['convert'],
  records: readonly Rec[],
): Promise<readonly Entry[]> {
  const entries: Entry[] = [];
  for (const record of records) {
    const conversion = convert(record);
    entries.push(...toEntries(isPromiseLike(conversion) ? await conversion : conversion));
  }
  return entries;
}

function batchStopped(id: string): RecordFailure {
  return {
    code: FailureCode.PredecessorFailed,
    reason: `record ${id} failed to convert before it, so its ordering keys are unknown; the shard is sent again from that record`,
  };
}

function convertFailure(id: string, error: unknown): RecordOutcome {
  if (error instanceof RecordRejectedError) {
    return { id, status: 'failed', code: error.failureCode, reason: error.message };
  }
  return {
    id,
    status: 'failed',
    code: HandlerFailureCode.ConvertFailed,
    reason: `convert threw ${describeError(error)}`,
  };
}

function toEntries<Entry>(conversion: Conversion<Entry>): readonly Entry[] {
  if (conversion === undefined || conversion === null) return [];
  return Array.isArray(conversion) ? (conversion as readonly Entry[]) : [conversion as Entry];
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** An error as `name: message`, for a failure reason. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
