import { setMaxListeners } from 'node:events';
import { optionChecks } from '../../lib/core/option-checks.js';
import { emptyPollerStats, INVOCATION_OUTCOMES, type InvocationReport, type PollerStats } from './types.js';

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

/** The inclusive range of each integer setting of a poller. */
export type IntegerRanges<K extends string> = Readonly<Record<K, readonly [min: number, max: number]>>;

/** Each integer setting: the option given, else the default; checked against its range. */
export function integerSettings<K extends string>(
  poller: string,
  given: { readonly [P in NoInfer<K>]?: number },
  defaults: { readonly [P in NoInfer<K>]: number },
  ranges: IntegerRanges<K>,
): Record<K, number> {
  const check = integerSetting(poller);
  const out = {} as Record<K, number>;
  for (const name of Object.keys(ranges) as K[]) {
    const [min, max] = ranges[name];
    out[name] = check(name, given[name] ?? defaults[name], min, max);
  }
  return out;
}

/** What every poller keeps while it runs: its counters, and the one signal that stops it. */
export class PollerState {
  readonly stats: PollerStats = emptyPollerStats();
  private readonly abort = new AbortController();

  constructor(private readonly onInvocation?: (report: InvocationReport) => void) {
    // Every call in flight listens to this one signal.
    setMaxListeners(0, this.abort.signal);
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  stop(): void {
    this.abort.abort();
  }

  /** Waits `ms`, or less if the poller is stopped meanwhile. */
  pause(ms: number): Promise<void> {
    return pauseUnlessStopped(this.abort.signal, ms);
  }

  /** Counts a settled invocation and reports it; only `onInvocation` can throw. */
  settled(report: InvocationReport): void {
    const { stats } = this;
    stats.invocations++;
    stats.records += report.records;
    stats.succeeded += report.succeeded;
    stats.retried += report.retried;
    stats.discarded += report.discarded;
    if (report.outcome === INVOCATION_OUTCOMES.partial) stats.partial++;
    else if (report.outcome === INVOCATION_OUTCOMES.error) stats.errors++;
    else if (report.outcome === INVOCATION_OUTCOMES.timeout) stats.timeouts++;
    else if (report.outcome === INVOCATION_OUTCOMES.invalidResponse) stats.invalidResponses++;
    this.onInvocation?.(report);
  }
}
