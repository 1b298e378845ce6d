import { SinkConfigurationError } from './errors.js';
import { optionChecks } from './option-checks.js';
import type { RateLimitingStrategy } from './rate-limiter.js';

/** Options of an {@link AsyncSink}. Every one is optional; the defaults are in {@link SINK_DEFAULTS}. */
export interface SinkOptions {
  /** Most requests in flight at once. */
  readonly maxInFlightRequests?: number;
  /** Most times one entry is sent, the first included. */
  readonly maxAttempts?: number;
  /** Ceiling of the first retry's backoff, in ms; it doubles per attempt (full jitter). */
  readonly initialBackoffMs?: number;
  /** Ceiling of any retry's backoff, in ms. */
  readonly maxBackoffMs?: number;
  /** How long one request may take before it is abandoned and its entries retried, in ms. */
  readonly requestTimeoutMs?: number;
  /** Keep entries with the same ordering key from overtaking each other. */
  readonly ordered?: boolean;
  /** Replaces the default AIMD rate limiter. */
  readonly rateLimiter?: RateLimitingStrategy;
  /** Source of randomness for jitter, in [0, 1). For reproducible tests. */
  readonly random?: () => number;
}

/** The defaults, as data. */
export const SINK_DEFAULTS = {
  maxInFlightRequests: 10,
  maxAttempts: 8,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  requestTimeoutMs: 10_000,
  ordered: false,
} as const;

/** Allowed ranges of the numeric options, inclusive. */
export const SINK_OPTION_RANGES = {
  maxInFlightRequests: { min: 1, max: 1_000, integer: true },
  maxAttempts: { min: 1, max: 100, integer: true },
  initialBackoffMs: { min: 0, max: 60_000, integer: false },
  maxBackoffMs: { min: 0, max: 300_000, integer: false },
  requestTimeoutMs: { min: 10, max: 900_000, integer: false },
} as const;

/** Options with every default filled in. */
export type ResolvedSinkOptions = Required<Omit<SinkOptions, 'rateLimiter'>> & {
  readonly rateLimiter?: RateLimitingStrategy;
};

const check = optionChecks((option, message) => new SinkConfigurationError(option, message));

/** Fills in defaults and checks every option once, at creation. */
export function resolveSinkOptions(options: SinkOptions = {}): ResolvedSinkOptions {
  const numbers = {} as Record<keyof typeof SINK_OPTION_RANGES, number>;
  for (const [name, range] of Object.entries(SINK_OPTION_RANGES) as [
    keyof typeof SINK_OPTION_RANGES,
    (typeof SINK_OPTION_RANGES)[keyof typeof SINK_OPTION_RANGES],
  ][]) {
    numbers[name] = check.number(name, options[name] ?? SINK_DEFAULTS[name], range);
  }
  if (numbers.maxBackoffMs < numbers.initialBackoffMs) {
    throw new SinkConfigurationError(
      'maxBackoffMs',
      `maxBackoffMs (${numbers.maxBackoffMs}) must be at least initialBackoffMs (${numbers.initialBackoffMs})`,
    );
  }
  const ordered = check.boolean('ordered', options.ordered ?? SINK_DEFAULTS.ordered);
  const { rateLimiter } = options;
  if (rateLimiter !== undefined) {
    for (const method of [
      'registerInFlightRequest',
      'registerCompletedRequest',
      'shouldBlock',
      'maxBatchSize',
    ] as const) {
      if (typeof rateLimiter[method] !== 'function') {
        throw new SinkConfigurationError(
          'rateLimiter',
          `rateLimiter must implement RateLimitingStrategy; ${method}() is missing`,
        );
      }
    }
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new SinkConfigurationError('random', 'random must be a function returning a number in [0, 1)');
  }
  return { ...numbers, ordered, rateLimiter, random };
}
