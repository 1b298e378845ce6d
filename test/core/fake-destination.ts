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

/**
 * What one request gets: results per entry, a thrown error, never answering (`hang`), or every
 * entry stored and the answer only after the request was aborted (`late`, a response that came
 * too late).
 */
export type FakeOutcome = readonly EntryResult[] | FakeRequestError | 'hang' | 'late';

/** Decides what one request gets; `call` counts the requests from 0. */
export type FakeBehaviour<E = FakeEntry> = (
  entries: readonly E[],
  call: number,
) => FakeOutcome | Promise<FakeOutcome>;

/** How the fake reads its entries: an id to trace each, its size, its ordering key, and why it is invalid. */
export interface FakeEntryModel<E> {
  idOf(entry: E): string;
  sizeOf(entry: E): number;
  keyOf(entry: E): string | undefined;
  invalidReason(entry: E): string | undefined;
}

/** The model of {@link FakeEntry}: its size is given. */
export const SIZED_ENTRIES: FakeEntryModel<FakeEntry> = {
  idOf: (entry) => entry.id,
  sizeOf: (entry) => entry.size,
  keyOf: (entry) => entry.key,
  invalidReason: (entry) => entry.invalid,
};

export interface FakeDestinationOptions<E = FakeEntry> {
  /** How entries are read; {@link SIZED_ENTRIES} for {@link FakeEntry}. */
  readonly model?: FakeEntryModel<E>;
  /** The destination's name. Default `fake`. */
  readonly name?: string;
  readonly limits?: Partial<DestinationLimits>;
  readonly behaviour?: FakeBehaviour<E>;
  /** Delay before answering, in ms (real timers). */
  readonly latencyMs?: number | ((call: number) => number);
  readonly ordered?: boolean;
}

/**
 * The in-process destination of the unit tests of the core and of the handler. It records
 * every request and every accepted entry, the most requests it ever saw in flight at once,
 * and the most entries of one ordering key in flight at once (a request the sink aborted no
 * longer counts: its entries may be sent again at once, and a late answer is ignored).
 */
export class FakeDestination<E = FakeEntry> implements Destination<E> {
  readonly name: string;
  readonly limits: DestinationLimits;
  readonly requests: E[][] = [];
  /** The abort signal each request was sent with, in the order of `requests`. */
  readonly signals: AbortSignal[] = [];
  /** Accepted entries, by id: how often each was accepted. */
  readonly accepted = new Map<string, number>();
  /** Accepted entries, in the order they were accepted. */
  readonly acceptedEntries: E[] = [];
  readonly sent = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  maxInFlightPerKey = 0;
  sizeCalls = 0;
  private readonly behaviour: FakeBehaviour<E>;
  private readonly model: FakeEntryModel<E>;
  private readonly inFlightPerKey = new Map<string, number>();

  constructor(private readonly options: FakeDestinationOptions<E> = {}) {
    this.name = options.name ?? 'fake';
    this.model = options.model ?? (SIZED_ENTRIES as unknown as FakeEntryModel<E>);
    this.limits = {
      maxEntriesPerRequest: 500,
      maxBytesPerRequest: 5 * 1024 * 1024,
      maxBytesPerEntry: 1024 * 1024,
      ...options.limits,
    };
    this.behaviour = options.behaviour ?? ((entries) => entries.map(() => ({ status: 'accepted' })));
  }

  sizeOf(entry: E): number {
    this.sizeCalls++;
    return this.model.sizeOf(entry);
  }

  invalidReason(entry: E): string | undefined {
    return this.model.invalidReason(entry);
  }

  orderingKeyOf(entry: E): string | undefined {
    return this.model.keyOf(entry);
  }

  classifyError(error: unknown): ErrorClassification {
    if (error instanceof FakeRequestError) {
      return error.kind === 'retryable'
        ? { kind: 'retryable', code: error.code, message: error.message, throttled: error.throttled }
        : { kind: error.kind, code: error.code, message: error.message };
    }
    return { kind: 'retryable', code: 'NetworkError', message: String(error), throttled: false };
  }

  async send(entries: readonly E[], signal: AbortSignal): Promise<readonly EntryResult[]> {
    const call = this.requests.length;
    this.requests.push([...entries]);
    this.signals.push(signal);
    for (const entry of entries) this.sent.add(this.model.idOf(entry));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const endKeys = this.keysInFlight(entries, signal);
    try {
      const latency =
        typeof this.options.latencyMs === 'function'
          ? this.options.latencyMs(call)
          : (this.options.latencyMs ?? 0);
      if (latency > 0) await abortableDelay(latency, signal);
      const outcome = this.behaviour(entries, call);
      // A plain answer is taken without a turn of the microtask queue, as the sink's timing tests expect.
      const answer = outcome instanceof Promise ? await outcome : outcome;
      if (answer === 'hang') {
        await abortableDelay(Number.MAX_SAFE_INTEGER >>> 1, signal);
        throw new Error('unreachable');
      }
      if (answer instanceof FakeRequestError) throw answer;
      if (answer === 'late') return await this.answerLate(entries, signal);
      if (signal.aborted) throw signal.reason;
      answer.forEach((result, i) => {
        if (result.status === 'accepted') this.accept(entries[i]);
      });
      return answer;
    } finally {
      this.inFlight--;
      endKeys();
    }
  }

  /** The ids of the accepted entries, in the order they were accepted. */
  acceptedIds(): string[] {
    return this.acceptedEntries.map((entry) => this.model.idOf(entry));
  }

  /** Stores every entry, then answers only after the request was aborted: a response that came too late. */
  private async answerLate(entries: readonly E[], signal: AbortSignal): Promise<readonly EntryResult[]> {
    for (const entry of entries) this.accept(entry);
    await abortableDelay(Number.MAX_SAFE_INTEGER >>> 1, signal).catch(() => undefined);
    return entries.map(() => ({ status: 'accepted' }) as const);
  }

  private accept(entry: E): void {
    const id = this.model.idOf(entry);
    this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1);
    this.acceptedEntries.push(entry);
  }

  /** Counts the request's entries in flight per key until it ends or is aborted; answers how to end it. */
  private keysInFlight(entries: readonly E[], signal: AbortSignal): () => void {
    const keys = entries
      .map((entry) => this.model.keyOf(entry))
      .filter((key): key is string => key !== undefined);
    for (const key of keys) {
      const count = (this.inFlightPerKey.get(key) ?? 0) + 1;
      this.inFlightPerKey.set(key, count);
      this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, count);
    }
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', end);
      for (const key of keys) this.inFlightPerKey.set(key, (this.inFlightPerKey.get(key) ?? 1) - 1);
    };
    signal.addEventListener('abort', end, { once: true });
    return end;
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

/** A plain-object destination (no ordering keys) over a fake's limits and classification, for tests that write their own send(). */
export function baseDestination(fake = new FakeDestination()): Omit<Destination<FakeEntry>, 'send'> {
  return {
    name: 'custom',
    limits: fake.limits,
    sizeOf: (entry) => entry.size,
    invalidReason: () => undefined,
    classifyError: (error) => fake.classifyError(error),
  };
}

/** Counts the sends `destination` starts in the same event-loop turn as the send before (the sink starts one per turn). */
export function countSameTurnSends<E>(destination: FakeDestination<E>): () => number {
  let turnOpen = false;
  let sameTurn = 0;
  const send = destination.send.bind(destination);
  destination.send = (entries, signal) => {
    if (turnOpen) sameTurn++;
    turnOpen = true;
    setImmediate(() => {
      turnOpen = false;
    });
    return send(entries, signal);
  };
  return () => sameTurn;
}
