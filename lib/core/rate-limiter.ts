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
 * Additive-increase / multiplicative-decrease on the entries in flight, as Flink's
 * `CongestionControlRateLimitingStrategy`. The window starts at its ceiling: a
 * destination that never throttles is never slowed, so a fault-free run packs every
 * request full.
 */
export class AimdRateLimiter implements RateLimitingStrategy {
  private readonly ceiling: number;
  private readonly floor: number;
  private readonly increaseBy: number;
  private readonly decreaseFactor: number;
  private readonly batchCeiling: number;
  private window: number;
  private inFlight = 0;

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
  }

  registerCompletedRequest(info: ResultInfo): void {
    this.inFlight -= info.batchSize;
    if (info.throttled) {
      this.window = Math.max(this.floor, Math.floor(this.window * this.decreaseFactor));
    } else if (info.failedEntries === 0) {
      this.window = Math.min(this.ceiling, this.window + this.increaseBy);
    }
  }

  shouldBlock(info: RequestInfo): boolean {
    // A request may always go when nothing is in flight, or the sink could stall.
    return this.inFlight > 0 && this.inFlight + info.batchSize > this.window;
  }

  maxBatchSize(): number {
    return Math.max(1, Math.min(this.batchCeiling, this.window));
  }
}
