import { optionChecks } from '../../lib/core/option-checks.js';

/** Lambda stops gathering a batch once the event reaches its 6 MB invocation payload limit. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/** A checker for a poller's integer settings; its errors name the poller, the setting and the range. */
export function integerSetting(poller: string) {
  const check = optionChecks((_name, message) => new RangeError(`${poller}: ${message}`));
  return (name: string, value: number, min: number, max: number): number =>
    check.number(name, value, { min, max, integer: true });
}

/** True when a call ended because the poller was stopped (its AbortSignal fired). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'RequestAbortedError');
}

/** Waits `ms`, or less if the poller is stopped (its signal aborts) meanwhile; at once if it already is. */
export function pauseUnlessStopped(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
