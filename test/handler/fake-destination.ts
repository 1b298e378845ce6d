import type { Destination, EntryResult, ErrorClassification } from '../../lib/core/types.js';
import type { SqsEntry } from '../../lib/destinations/sqs.js';
import type { DeadLetter } from '../../lib/handler/poison.js';
import {
  FakeDestination as FakeDestinationOf,
  type FakeEntryModel,
  type FakeOutcome,
  FakeRequestError,
} from '../core/fake-destination.js';

/** An entry of the handler's tests: `key` is its ordering key, `value` its payload and its id. */
export interface FakeEntry {
  readonly key?: string;
  readonly value: string;
}

/** The model of {@link FakeEntry}: its size is its value's, an empty value is invalid. */
const VALUE_ENTRIES: FakeEntryModel<FakeEntry> = {
  idOf: (entry) => entry.value,
  sizeOf: (entry) => Buffer.byteLength(entry.value),
  keyOf: (entry) => entry.key,
  invalidReason: (entry) => (entry.value === '' ? 'value must not be empty' : undefined),
};

/**
 * What the fake answers for one entry on one attempt (1-based). Beside a result per entry,
 * one entry can decide for its whole request: `hang` holds it until it is aborted; `late`
 * stores every entry of it, then answers only after it was aborted (a response that came
 * too late); `throw` fails the whole request retryably, `throw-fatal` fatally.
 */
export type FakeBehaviour = (
  entry: FakeEntry,
  attempt: number,
) => EntryResult | 'hang' | 'late' | 'throw' | 'throw-fatal';

const accept: FakeBehaviour = () => ({ status: 'accepted' });

/** A request's outcome from the answers of its entries, counting each entry's attempts. */
function perEntry(behaviour: FakeBehaviour) {
  const attempts = new Map<FakeEntry, number>();
  return async (entries: readonly FakeEntry[]): Promise<FakeOutcome> => {
    // Let other requests start before this one answers, as a real service would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const results = entries.map((entry) => {
      const attempt = (attempts.get(entry) ?? 0) + 1;
      attempts.set(entry, attempt);
      return behaviour(entry, attempt);
    });
    if (results.includes('throw-fatal')) return new FakeRequestError('fatal', 'AccessDeniedException');
    if (results.includes('throw')) return new FakeRequestError('retryable', 'FakeError');
    if (results.includes('hang')) return 'hang';
    if (results.includes('late')) return 'late';
    return results as EntryResult[];
  };
}

/** The one fake destination, with the handler's entries and an answer per entry; its name is `fake:destination`. */
export class FakeDestination extends FakeDestinationOf<FakeEntry> {
  constructor(behaviour: FakeBehaviour = accept, limits: Partial<FakeDestinationOf['limits']> = {}) {
    super({
      model: VALUE_ENTRIES,
      name: 'fake:destination',
      behaviour: perEntry(behaviour),
      limits: { maxEntriesPerRequest: 10, maxBytesPerRequest: 10_000, maxBytesPerEntry: 1_000, ...limits },
    });
  }

  /** The values accepted, in the order they were accepted. */
  acceptedValues(): string[] {
    return this.acceptedIds();
  }
}

/** An in-process stand-in for an SQS dead-letter queue, which may refuse everything. */
export class FakeDeadLetterQueue implements Destination<SqsEntry> {
  readonly name = 'sqs:dead-letters';
  readonly limits = { maxEntriesPerRequest: 10, maxBytesPerRequest: 1_048_576, maxBytesPerEntry: 1_048_576 };
  readonly messages: SqsEntry[] = [];

  constructor(
    readonly fifo = false,
    private readonly refuse = false,
  ) {}

  sizeOf(entry: SqsEntry): number {
    return Buffer.byteLength(entry.body);
  }

  invalidReason(): string | undefined {
    return undefined;
  }

  async send(entries: readonly SqsEntry[]): Promise<readonly EntryResult[]> {
    if (this.refuse)
      return entries.map(() => ({ status: 'fatal', code: 'AccessDenied', message: 'no' }) as const);
    this.messages.push(...entries);
    return entries.map(() => ({ status: 'accepted' }) as const);
  }

  classifyError(): ErrorClassification {
    return { kind: 'retryable', code: 'Boom', message: 'boom', throttled: false };
  }

  /** The dead letters stored, parsed. */
  letters(): DeadLetter[] {
    return this.messages.map((message) => JSON.parse(message.body) as DeadLetter);
  }
}
