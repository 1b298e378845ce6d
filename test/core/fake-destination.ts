import type {
  Destination,
  DestinationLimits,
  EntryResult,
  ErrorClassification,
} from '../../lib/core/index.js';

/** An entry of the fake: its size is given, its id lets tests trace it. */
export interface FakeEntry {
  readonly id: string;
  readonly size: number;
  readonly key?: string;
  readonly invalid?: string;
}

/** A whole-request error the fake throws, classified by its `kind`. */
export class FakeRequestError extends Error {
  constructor(
    readonly kind: 'retryable' | 'fatal' | 'bisect',
    readonly code: string,
    readonly throttled = false,
  ) {
    super(code);
    this.name = code;
  }
}

/** Decides what one request gets: results per entry, a thrown error, or never answering. */
export type FakeBehaviour = (
  entries: readonly FakeEntry[],
  call: number,
) => readonly EntryResult[] | FakeRequestError | 'hang' | Promise<readonly EntryResult[]>;

export interface FakeDestinationOptions {
  readonly limits?: Partial<DestinationLimits>;
  readonly behaviour?: FakeBehaviour;
  /** Delay before answering, in ms (real timers). */
  readonly latencyMs?: number | ((call: number) => number);
  readonly ordered?: boolean;
}

/**
 * An in-process destination for unit tests of the core. It records every request and
 * every accepted entry, and the most requests it ever saw in flight at once.
 */
export class FakeDestination implements Destination<FakeEntry> {
  readonly name = 'fake';
  readonly limits: DestinationLimits;
  readonly requests: FakeEntry[][] = [];
  readonly accepted = new Map<string, number>();
  readonly sent = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  sizeCalls = 0;
  private readonly behaviour: FakeBehaviour;

  constructor(private readonly options: FakeDestinationOptions = {}) {
    this.limits = {
      maxEntriesPerRequest: 500,
      maxBytesPerRequest: 5 * 1024 * 1024,
      maxBytesPerEntry: 1024 * 1024,
      ...options.limits,
    };
    this.behaviour = options.behaviour ?? ((entries) => entries.map(() => ({ status: 'accepted' })));
  }

  sizeOf(entry: FakeEntry): number {
    this.sizeCalls++;
    return entry.size;
  }

  invalidReason(entry: FakeEntry): string | undefined {
    return entry.invalid;
  }

  orderingKeyOf(entry: FakeEntry): string | undefined {
    return entry.key;
  }

  classifyError(error: unknown): ErrorClassification {
    if (error instanceof FakeRequestError) {
      return error.kind === 'retryable'
        ? { kind: 'retryable', code: error.code, message: error.message, throttled: error.throttled }
        : { kind: error.kind, code: error.code, message: error.message };
    }
    return { kind: 'retryable', code: 'NetworkError', message: String(error), throttled: false };
  }

  async send(entries: readonly FakeEntry[], signal: AbortSignal): Promise<readonly EntryResult[]> {
    const call = this.requests.length;
    this.requests.push([...entries]);
    for (const entry of entries) this.sent.add(entry.id);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const latency =
        typeof this.options.latencyMs === 'function'
          ? this.options.latencyMs(call)
          : (this.options.latencyMs ?? 0);
      if (latency > 0) await abortableDelay(latency, signal);
      const outcome = this.behaviour(entries, call);
      if (outcome === 'hang') {
        await abortableDelay(Number.MAX_SAFE_INTEGER >>> 1, signal);
        throw new Error('unreachable');
      }
      if (outcome instanceof FakeRequestError) throw outcome;
      const results = await outcome;
      if (signal.aborted) throw signal.reason;
      results.forEach((result, i) => {
        if (result.status === 'accepted') {
          const id = entries[i].id;
          this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
        }
      });
      return results;
    } finally {
      this.inFlight--;
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1));
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Records `r0..r{n-1}`, each with `fanOut` entries of `size` bytes. */
export function makeRecords(count: number, size = 100, fanOut = 1, key?: (record: number) => string) {
  return Array.from({ length: count }, (_, r) => ({
    id: `r${r}`,
    entries: Array.from({ length: fanOut }, (_, e) => ({ id: `r${r}e${e}`, size, key: key?.(r) })),
  }));
}
