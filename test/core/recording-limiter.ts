import type { RateLimitingStrategy, ResultInfo } from '../../lib/core/index.js';

/** A rate limiter that records what the sink tells it and asks it, and blocks while `block` says so. */
export class RecordingLimiter implements RateLimitingStrategy {
  readonly blockedSizes: number[] = [];
  readonly completed: ResultInfo[] = [];
  /** How often the sink asked for the batch size. */
  batchSizeCalls = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly block: (inFlight: number, call: number) => boolean = () => false) {}

  registerInFlightRequest(): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  registerCompletedRequest(info: ResultInfo): void {
    this.inFlight--;
    this.completed.push(info);
  }

  shouldBlock(info: { readonly batchSize: number }): boolean {
    this.blockedSizes.push(info.batchSize);
    return this.block(this.inFlight, this.blockedSizes.length - 1);
  }

  maxBatchSize(): number {
    this.batchSizeCalls++;
    return 500;
  }
}
