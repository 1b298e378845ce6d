import {
  FailureCode,
  type RecordFailure,
  type RecordOutcome,
  type SinkRecord,
  type SinkResult,
} from '../core/types.js';
import { GroupCutoff } from '../sources/group-cutoff.js';
import { isKinesisRecord } from '../sources/kinesis.js';
import { kinesisUserRecords } from '../sources/kinesis-deaggregation.js';
import type { SourceRecord, SourceRecordInfo } from '../sources/source-event.js';
import type { Conversion } from './handler-options.js';
import { HandlerFailureCode } from './poison.js';
import { RecordRejectedError } from './record-rejected-error.js';

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

/**
 * A batch converted as the sink reads it: {@link read} converts source records, in order,
 * until one has entries to send, so the sink starts the first requests while the rest of the
 * batch is still to be converted. A throw or rejection of `convert` fails that record alone.
 */
export class BatchConversion<Rec extends SourceRecord, Entry> {
  /** Per source record; filled as records are converted, and by the sink's outcomes after the run. */
  readonly outcomes: (RecordOutcome | undefined)[];
  /** `positions[i]` is the batch position of the i-th record the sink read. */
  readonly positions: number[] = [];
  /** Records `convert` turned into no entries. */
  filtered = 0;
  private next = 0;
  private readonly cutoff = new GroupCutoff();
  /** The id of the record that failed to convert, once one did and `stopBatch` is on. */
  private stoppedBy: string | undefined;

  constructor(
    private readonly records: readonly SourceRecordInfo<Rec>[],
    private readonly options: ConvertOptions<Rec, Entry>,
  ) {
    this.outcomes = new Array(records.length);
  }

  /** The sink's {@link RecordReader}: the next record with entries, `undefined` after the last. */
  readonly read = (): SinkRecord<Entry> | undefined | Promise<SinkRecord<Entry> | undefined> => {
    while (this.next < this.records.length) {
      const index = this.next++;
      const info = this.records[index];
      const predecessor =
        this.stoppedBy === undefined
          ? this.cutoff.predecessorFailure(info.group)
          : batchStopped(this.stoppedBy);
      if (predecessor !== undefined) {
        this.outcomes[index] = { id: info.id, status: 'failed', ...predecessor };
        continue;
      }
      let conversion: readonly Entry[] | Promise<readonly Entry[]>;
      try {
        conversion = convertRecord(this.options.convert, info.record, this.options.deaggregate);
      } catch (error) {
        this.failed(index, error);
        continue;
      }
      // Awaited only when it is a promise: a microtask per record is a cost on the hot path.
      if (isPromiseLike(conversion)) {
        return conversion.then(
          (entries) => this.converted(index, entries) ?? this.read(),
          (error: unknown) => {
            this.failed(index, error);
            return this.read();
          },
        );
      }
      const record = this.converted(index, conversion);
      if (record !== undefined) return record;
    }
    return undefined;
  };

  /**
   * Writes the sink's outcomes into the batch. Records the sink did not read (it stopped
   * first: the deadline, a fatal error) fail for the reason it stopped.
   */
  settle(result: SinkResult, ids: readonly string[]): RecordOutcome[] {
    result.outcomes.forEach((outcome, position) => {
      const index = this.positions[position];
      this.outcomes[index] = { ...outcome, id: ids[index] };
    });
    const unread: RecordFailure = result.stopped ?? {
      code: 'InternalError',
      reason: 'the sink did not read the record; reported for retry',
    };
    for (let index = 0; index < this.outcomes.length; index++) {
      this.outcomes[index] ??= { id: ids[index], status: 'failed', ...unread };
    }
    return this.outcomes as RecordOutcome[];
  }

  /** A record converted into `entries`: the record for the sink, or `undefined` when filtered out. */
  private converted(index: number, entries: readonly Entry[]): SinkRecord<Entry> | undefined {
    const info = this.records[index];
    if (entries.length === 0) {
      this.outcomes[index] = { id: info.id, status: 'done' };
      this.filtered++;
      return undefined;
    }
    this.positions.push(index);
    // The sink sees positions, not message ids: a message delivered twice in one batch stays two records.
    return { id: String(index), entries, group: this.options.stopGroups ? info.group : undefined };
  }

  private failed(index: number, error: unknown): void {
    const info = this.records[index];
    this.outcomes[index] = convertFailure(info.id, error);
    if (this.options.stopGroups) this.cutoff.failed(info.group, info.id);
    if (this.options.stopBatch) this.stoppedBy = info.id;
  }
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

/** An error as it prints (`name: message` for an `Error`), for a failure reason. */
export function describeError(error: unknown): string {
  return String(error);
}
