/** The three fault knobs of `npm start`, as a fault proxy configuration. */
import type { FaultConfig } from './fault-proxy.js';

/** The three knobs of `npm start`: entry failures (with some 5xx), whole-call throttling, added latency. */
export interface SimpleFaults {
  /** Share of batch entries that fail (half throttled, half internal errors); calls get a 500 or a 503 at a tenth of it each. */
  readonly faultRate?: number;
  /** Share of calls throttled as a whole. */
  readonly throttleRate?: number;
  /** Milliseconds added to every call, plus up to half as much jitter. */
  readonly latencyMs?: number;
}

/** The fault proxy configuration for {@link SimpleFaults}. */
export function simpleFaults(faults: SimpleFaults): FaultConfig {
  const faultRate = faults.faultRate ?? 0;
  const throttleRate = faults.throttleRate ?? 0;
  const latencyMs = faults.latencyMs ?? 0;
  const requestErrorRate = faultRate / 10;
  if (!(faultRate >= 0 && faultRate <= 1) || !(throttleRate >= 0 && throttleRate <= 1)) {
    throw new RangeError('the fault rate and the throttle rate must be from 0 to 1');
  }
  if (2 * requestErrorRate + throttleRate > 1) {
    throw new RangeError('the throttle rate plus a fifth of the fault rate must not exceed 1');
  }
  if (!(latencyMs >= 0)) throw new RangeError(`the latency must be 0 ms or more; got ${latencyMs}`);
  return {
    ...(faultRate > 0
      ? {
          entryFailureRate: faultRate,
          internalErrorRate: requestErrorRate,
          unavailableRate: requestErrorRate,
        }
      : {}),
    ...(throttleRate > 0 ? { throttleRate } : {}),
    ...(latencyMs > 0 ? { latencyMs, latencyJitterMs: latencyMs / 2 } : {}),
  };
}
