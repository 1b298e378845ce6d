import type { QueuedEntry } from './entry-queue.js';
import type { Destination, EntryResult, ErrorClassification } from './types.js';

/** How one request ended. Exactly one settlement per request. */
export type Settlement =
  | { readonly kind: 'results'; readonly results: readonly EntryResult[] }
  | { readonly kind: 'error'; readonly classification: ErrorClassification };

/** The code of a request that got no answer within `requestTimeoutMs`. */
export const REQUEST_TIMEOUT_CODE = 'RequestTimeout';
/** The code of a destination whose `send` or `classifyError` answered outside the `Destination` contract. */
export const CONTRACT_VIOLATION_CODE = 'DestinationContractViolation';

/**
 * One request in flight. It settles exactly once: `finish` ignores every call after
 * the first, so a late response after a timeout or an abandon cannot count twice.
 */
export class InFlightRequest<Entry> {
  /** Settles once the destination's `send()` has returned, however the sink took its answer. */
  ended: Promise<void> = Promise.resolve();
  /** `send()` has not returned yet (it may still run after a timeout or an abandon). */
  // Stryker disable next-line BooleanLiteral: never read before begin() sets it, and the sink calls begin() right after construction
  running = false;
  private finished = false;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly batch: QueuedEntry<Entry>[],
    private readonly timeoutMs: number,
    private readonly onSettled: (settlement: Settlement) => void,
  ) {}

  begin(destination: Destination<Entry>): void {
    this.timer = setTimeout(() => {
      this.controller.abort(new Error(`request timed out after ${this.timeoutMs} ms`));
      this.finish({
        kind: 'error',
        classification: retryable(REQUEST_TIMEOUT_CODE, `no response within ${this.timeoutMs} ms`),
      });
    }, this.timeoutMs);
    let sending: Promise<readonly EntryResult[]>;
    try {
      // Promise.resolve: a custom send() that returns a plain value must not throw here.
      sending = Promise.resolve(
        destination.send(
          this.batch.map((queued) => queued.entry),
          this.controller.signal,
        ),
      );
    } catch (error) {
      sending = Promise.reject(error);
    }
    this.running = true;
    this.ended = sending.then(
      (results) => {
        this.running = false;
        this.finish(checkedResults(results, this.batch.length));
      },
      (error: unknown) => {
        this.running = false;
        this.finish({
          kind: 'error',
          classification: classify(destination, error),
        });
      },
    );
  }

  /** The run stopped: cancel the call and ignore whatever it answers. */
  abandon(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.controller.abort(new Error('the sink stopped'));
  }

  private finish(settlement: Settlement): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.onSettled(settlement);
  }
}

const RESULT_STATUSES: ReadonlySet<unknown> = new Set(['accepted', 'retryable', 'fatal', 'deferred']);

/**
 * The results, when they keep the contract (one per entry, each a known status with a code
 * where one is due); otherwise a fatal error that says what is wrong, at once. A custom
 * destination's mistake must not throw inside the sink, where it would leave the run
 * waiting for the deadline.
 */
function checkedResults(results: unknown, entries: number): Settlement {
  const violation = (message: string): Settlement => ({
    kind: 'error',
    // Stryker disable next-line StringLiteral: the sink stops at every kind but 'retryable' and 'bisect'
    classification: { kind: 'fatal', code: CONTRACT_VIOLATION_CODE, message },
  });
  if (!Array.isArray(results)) {
    return violation(`send() resolved with ${describe(results)}, not an array of ${entries} results`);
  }
  if (results.length !== entries) {
    return violation(`send() returned ${results.length} results for ${entries} entries`);
  }
  for (let i = 0; i < results.length; i++) {
    const result: unknown = results[i];
    const status =
      typeof result === 'object' && result !== null ? (result as { status?: unknown }).status : undefined;
    if (!RESULT_STATUSES.has(status)) {
      return violation(
        `send() result ${i} is ${describe(result)}, not { status: 'accepted' | 'retryable' | 'fatal' | 'deferred' }`,
      );
    }
    if (status !== 'accepted' && typeof (result as { code?: unknown }).code !== 'string') {
      return violation(`send() result ${i} has status '${String(status)}' but no string code`);
    }
  }
  // Stryker disable next-line StringLiteral: the sink tells the two settlements apart by `kind === 'error'`
  return { kind: 'results', results: results as readonly EntryResult[] };
}

const CLASSIFICATION_KINDS: ReadonlySet<unknown> = new Set(['retryable', 'fatal', 'bisect']);

/** The destination's classification of a failed send; retryable when it throws or answers something else. */
function classify<Entry>(destination: Destination<Entry>, error: unknown): ErrorClassification {
  const unclassified = (why: string): ErrorClassification =>
    retryable('UnclassifiedError', `${errorText(error)} (${why})`);
  let classification: ErrorClassification;
  try {
    classification = destination.classifyError(error);
  } catch (thrown) {
    return unclassified(`classifyError() threw: ${errorText(thrown)}`);
  }
  if (
    typeof classification !== 'object' ||
    classification === null ||
    !CLASSIFICATION_KINDS.has(classification.kind) ||
    typeof classification.code !== 'string'
  ) {
    return unclassified(`classifyError() returned ${describe(classification)}`);
  }
  return classification;
}

/** An error whose entries are sent again after a backoff; not a throttle, so the rate limiter does not shrink. */
function retryable(code: string, message: string): ErrorClassification {
  return { kind: 'retryable', code, message, throttled: false };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A short, payload-free description of a value: its type, never its content. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
