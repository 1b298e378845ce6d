/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"): a uniform delay in [0, min(cap, base × 2^(attempt − 1))). Full jitter
 * spreads retries of concurrent invocations apart, so they do not throttle in step.
 */
export function fullJitterBackoff(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
