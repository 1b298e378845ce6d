import type {
  Destination,
  DestinationLimits,
  EntryResult,
  ErrorClassification,
} from '../../lib/core/types.js';
import type { SqsEntry } from '../../lib/destinations/sqs.js';
import type { DeadLetter } from '../../lib/handler/poison.js';

/** An entry of the fake destination: `key` is its ordering key. */
export interface FakeEntry {
  readonly key?: string;
  readonly value: string;
}

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

/** The error of a `throw-fatal` request: `classifyError` takes it as fatal. */
export class FakeFatalError extends Error {
  override readonly name = 'FakeFatalError';
}

const accept: FakeBehaviour = () => ({ status: 'accepted' });

/**
 * An in-process destination for unit tests of the handler: it records every request,
 * every accepted entry, and the most entries of one key ever in flight at once.
 */
export class FakeDestination implements Destination<FakeEntry> {
  readonly name = 'fake:destination';
  readonly limits: DestinationLimits;
  readonly requests: FakeEntry[][] = [];
  readonly accepted: FakeEntry[] = [];
  maxInFlightPerKey = 0;
  private readonly attempts = new Map<FakeEntry, number>();
  private readonly inFlightPerKey = new Map<string, number>();

  constructor(
    private readonly behaviour: FakeBehaviour = accept,
    limits: Partial<DestinationLimits> = {},
  ) {
    this.limits = {
      maxEntriesPerRequest: 10,
      maxBytesPerRequest: 10_000,
      maxBytesPerEntry: 1_000,
      ...limits,
    };
  }

  sizeOf(entry: FakeEntry): number {
    return Buffer.byteLength(entry.value);
  }

  invalidReason(entry: FakeEntry): string | undefined {
    return entry.value === '' ? 'value must not be empty' : undefined;
  }

  async send(entries: readonly FakeEntry[], signal: AbortSignal): Promise<readonly EntryResult[]> {
    this.requests.push([...entries]);
    const keys = entries.map((entry) => entry.key).filter((key): key is string => key !== undefined);
    for (const key of keys) {
      const count = (this.inFlightPerKey.get(key) ?? 0) + 1;
      this.inFlightPerKey.set(key, count);
      this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, count);
    }
    // A request the sink aborted (timed out, deadline) no longer counts as in flight: its
    // entries may be sent again at once, and a late answer is ignored.
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      for (const key of keys) this.inFlightPerKey.set(key, (this.inFlightPerKey.get(key) ?? 1) - 1);
    };
    signal.addEventListener('abort', end, { once: true });
    try {
      // Let other requests start before this one answers, as a real service would.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const results = entries.map((entry) => {
        const attempt = (this.attempts.get(entry) ?? 0) + 1;
        this.attempts.set(entry, attempt);
        return this.behaviour(entry, attempt);
      });
      if (results.includes('throw-fatal')) throw new FakeFatalError('the whole request was refused');
      if (results.includes('throw')) throw new Error('the whole request failed');
      if (results.includes('hang')) await aborted(signal);
      if (results.includes('late')) {
        this.accepted.push(...entries);
        await aborted(signal).catch(() => undefined);
        return entries.map(() => ({ status: 'accepted' }) as const);
      }
      const settled = results as EntryResult[];
      settled.forEach((result, index) => {
        if (result.status === 'accepted') this.accepted.push(entries[index]);
      });
      return settled;
    } finally {
      signal.removeEventListener('abort', end);
      end();
    }
  }

  classifyError(error: unknown): ErrorClassification {
    if (error instanceof FakeFatalError)
      return { kind: 'fatal', code: 'AccessDeniedException', message: error.message };
    return { kind: 'retryable', code: 'FakeError', message: String(error), throttled: false };
  }

  orderingKeyOf(entry: FakeEntry): string | undefined {
    return entry.key;
  }

  /** The values accepted, in the order they were accepted. */
  acceptedValues(): string[] {
    return this.accepted.map((entry) => entry.value);
  }
}

/** Rejects once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    const abort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
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
