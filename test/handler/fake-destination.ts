import type { Destination, DestinationLimits, EntryResult } from '../../lib/core/types.js';

/** An entry of the fake destination: `key` is its ordering key. */
export interface FakeEntry {
  readonly key?: string;
  readonly value: string;
}

/** What the fake answers for one entry on one attempt (1-based); `hang` holds the request until it is aborted. */
export type FakeBehaviour = (entry: FakeEntry, attempt: number) => EntryResult | 'hang';

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
    try {
      // Let other requests start before this one answers, as a real service would.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const results = entries.map((entry) => {
        const attempt = (this.attempts.get(entry) ?? 0) + 1;
        this.attempts.set(entry, attempt);
        return this.behaviour(entry, attempt);
      });
      if (results.includes('hang')) {
        await new Promise<never>((_resolve, reject) => {
          const abort = () => reject(signal.reason ?? new Error('aborted'));
          if (signal.aborted) abort();
          else signal.addEventListener('abort', abort, { once: true });
        });
      }
      const settled = results as EntryResult[];
      settled.forEach((result, index) => {
        if (result.status === 'accepted') this.accepted.push(entries[index]);
      });
      return settled;
    } finally {
      for (const key of keys) this.inFlightPerKey.set(key, (this.inFlightPerKey.get(key) ?? 1) - 1);
    }
  }

  classifyError(error: unknown): { kind: 'retryable'; code: string; message: string; throttled: boolean } {
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
