import type { SinkRecord } from './types.js';

/**
 * Gives the next record to send, `undefined` when there are no more, or a promise of either.
 * The sink calls it only after the previous call's answer: a producer may do its work (say,
 * convert a source record) lazily, and the sink sends the first requests while it goes on.
 */
export type RecordReader<Entry> = () =>
  | SinkRecord<Entry>
  | undefined
  | PromiseLike<SinkRecord<Entry> | undefined>;

/**
 * What {@link AsyncSink.run} takes: an array, any iterable (a generator), an async iterable,
 * or a {@link RecordReader}. The sink reads it one request's worth at a time and starts that
 * request before it reads on, so the first request is on the wire before the last record is read.
 */
export type SinkInput<Entry> =
  | readonly SinkRecord<Entry>[]
  | Iterable<SinkRecord<Entry>>
  | AsyncIterable<SinkRecord<Entry>>
  | RecordReader<Entry>;

/** An input as the run reads it. Internal to the core. */
export interface RecordInput<Entry> {
  readonly read: RecordReader<Entry>;
  /** How many records there are, when known (an array): the run sizes its arrays by it. */
  readonly length: number | undefined;
  /** How many entries there are, when known. */
  readonly entries: number | undefined;
  /**
   * True when reading costs nothing (an array): a stopped run reads the rest and fails each
   * record, so that every record has an outcome. A lazy input is not read past a stop.
   */
  readonly readsFreely: boolean;
  /** Lets go of an iterator that was not read to its end. */
  close(): void;
}

/** Adapts any {@link SinkInput} to the one way the run reads records. */
export function recordInput<Entry>(input: SinkInput<Entry>): RecordInput<Entry> {
  if (Array.isArray(input)) return arrayInput(input as readonly SinkRecord<Entry>[]);
  if (typeof input === 'function') {
    return { read: input, length: undefined, entries: undefined, readsFreely: false, close: () => {} };
  }
  // `in` throws on a primitive (a string is iterable, but not as records): check for an object first.
  if (typeof input === 'object' && input !== null) {
    if (Symbol.iterator in input) {
      const iterator = input[Symbol.iterator]();
      return iteratorInput(iterator, () => {
        const step = iterator.next();
        return step.done === true ? undefined : step.value;
      });
    }
    if (Symbol.asyncIterator in input) {
      const iterator = input[Symbol.asyncIterator]();
      return iteratorInput(iterator, () =>
        iterator.next().then((step) => (step.done === true ? undefined : step.value)),
      );
    }
  }
  throw new TypeError(
    `AsyncSink.run takes an array, an iterable, an async iterable or a reader function of records; got ${describeInput(input)}`,
  );
}

/** What the input is, never its content. */
function describeInput(input: unknown): string {
  return input === null
    ? 'null'
    : typeof input === 'object'
      ? 'an object that is none of them'
      : `a ${typeof input}`;
}

function arrayInput<Entry>(records: readonly SinkRecord<Entry>[]): RecordInput<Entry> {
  let next = 0;
  let entries = 0;
  // Stryker disable next-line AssignmentOperator: a size hint for the ordered queue, which grows as needed
  for (const record of records) entries += record.entries.length;
  return {
    // Past its end, an array gives `undefined`: the end of the input.
    read: () => records[next++],
    length: records.length,
    entries,
    readsFreely: true,
    close: () => {},
  };
}

function iteratorInput<Entry>(
  iterator: Iterator<SinkRecord<Entry>> | AsyncIterator<SinkRecord<Entry>>,
  read: RecordReader<Entry>,
): RecordInput<Entry> {
  return {
    read,
    length: undefined,
    entries: undefined,
    readsFreely: false,
    close: () => {
      // A generator's `finally` runs on return(); an async one's return() is a promise.
      const closing = iterator.return?.();
      if (closing instanceof Promise) closing.catch(() => {});
    },
  };
}
