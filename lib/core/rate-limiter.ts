/** What the rate limiter is told when a request starts. */
export interface RequestInfo {
  /** Entries in the request. */
  readonly batchSize: number;
}

/** What the rate limiter is told when a request ends. */
export interface ResultInfo {
  readonly batchSize: number;
  /** Entries that failed and will be retried. */
  readonly failedEntries: number;
  /** Entries the destination throttled (all of them when it throttled the whole request). */
  readonly throttledEntries: number;
  /** True when the destination throttled (per entry or the whole request). */
  readonly throttled: boolean;
}

/**
 * Decides how much may be in flight. Pluggable: pass your own to the sink's
 * `rateLimiter` option. Calls come from one event loop; no locking is needed.
 */
export interface RateLimitingStrategy {
  registerInFlightRequest(info: RequestInfo): void;
  registerCompletedRequest(info: ResultInfo): void;
  /** True when a request of this size must wait. */
  shouldBlock(info: RequestInfo): boolean;
  /** The most entries the next request may carry. */
  maxBatchSize(): number;
}

/** Options of {@link AimdRateLimiter}. */
export interface AimdOptions {
  /** Ceiling of the window, in entries in flight. */
  readonly maxInFlightEntries: number;
  /** Entries the window grows by after a clean request. Default 10. */
  readonly increaseBy?: number;
  /** Factor the window shrinks by after a throttled request, in (0, 1). Default 0.5. */
  readonly decreaseFactor?: number;
  /** Entries the window never shrinks below. Default 1. */
  readonly minInFlightEntries?: number;
  /** Most entries per request, so the window can never block a lone request forever. */
  readonly maxBatchSize: number;
}

/**
 * Additive-increase / multiplicative-decrease on the entries in flight, after Flink's
 * `CongestionControlRateLimitingStrategy`, with two changes learnt from TCP and from
 * the benchmark (random per-entry throttles collapsed Flink's window to one entry):
 * - the window shrinks at most once per round trip: the requests already in flight when it
 *   shrank carry the same news, so their throttles do not shrink it again;
 * - the cut is in proportion to the share of the request that was throttled (a request
 *   throttled whole halves the window; one with 5 % of its entries throttled cuts 2.5 %),
 *   and a request grows the window in proportion to the share it got accepted.
 * The window starts at its ceiling: a destination that never throttles is never slowed,
 * so a fault-free run packs every request full.
 */
export class AimdRateLimiter implements RateLimitingStrategy {
  private readonly ceiling: number;
  private readonly floor: number;
  private readonly increaseBy: number;
  private readonly decreaseFactor: number;
  private readonly batchCeiling: number;
  private window: number;
  private inFlight = 0;
  private requestsInFlight = 0;
  /** Requests still in flight that were sent before the window last shrank. */
  private sameRoundTrip = 0;

  constructor(options: AimdOptions) {
    this.ceiling = options.maxInFlightEntries;
    this.floor = Math.max(1, options.minInFlightEntries ?? 1);
    this.increaseBy = options.increaseBy ?? 10;
    this.decreaseFactor = options.decreaseFactor ?? 0.5;
    this.batchCeiling = options.maxBatchSize;
    if (!(this.decreaseFactor > 0 && this.decreaseFactor < 1)) {
      throw new RangeError(`decreaseFactor must be in (0, 1), got ${this.decreaseFactor}`);
    }
    this.window = this.ceiling;
  }

  /** The current window, in entries. */
  get currentWindow(): number {
    return this.window;
  }

  registerInFlightRequest(info: RequestInfo): void {
    this.inFlight += info.batchSize;
    this.requestsInFlight++;
  }

  registerCompletedRequest(info: ResultInfo): void {
    this.inFlight -= info.batchSize;
    this.requestsInFlight = Math.max(0, this.requestsInFlight - 1);
    const sameRoundTrip = this.sameRoundTrip > 0;
    this.sameRoundTrip = Math.max(0, this.sameRoundTrip - 1);
    // An empty request counts as one entry: throttled, it is cut as if throttled whole.
    const size = Math.max(1, info.batchSize);
    if (info.throttled && !sameRoundTrip) {
      const throttledShare = Math.min(1, info.throttledEntries / size);
      const cut = (1 - this.decreaseFactor) * Math.max(throttledShare, 1 / size);
      this.window = Math.max(this.floor, Math.floor(this.window * (1 - cut)));
      this.sameRoundTrip = this.requestsInFlight;
    }
    // A request with nothing accepted adds nothing.
    const acceptedShare = Math.max(0, 1 - info.failedEntries / size);
    this.window = Math.min(this.ceiling, Math.round(this.window + this.increaseBy * acceptedShare));
  }

  shouldBlock(info: RequestInfo): boolean {
    // A request may always go when nothing is in flight, or the sink could stall.
    return this.inFlight > 0 && this.inFlight + info.batchSize > this.window;
  }

  maxBatchSize(): number {
    return Math.max(1, Math.min(this.batchCeiling, this.window));
  }
}
