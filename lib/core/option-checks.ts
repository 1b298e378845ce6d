/**
 * The one kit that checks options and settings, once, at creation or cold start: the sink's,
 * the destinations', the handler's, the functions' environment variables and the local
 * pipeline's. Every layer gets the same checks and the same messages, and throws its own
 * error class. Powertools' env helpers do not fit: they read only `process.env`, take a blank
 * variable for a value (a blank number becomes 0), check no range, and throw a plain `Error`
 * that does not name the variable.
 */

/** Makes the error for an option at fault; `message` already names the option. */
export type OptionFailure = (option: string, message: string) => Error;

/** An inclusive range of a number option. */
export interface OptionRange {
  readonly min: number;
  readonly max: number;
  /** Only whole numbers fit. */
  readonly integer?: boolean;
  /** Said after the range in the message, e.g. `ms`. */
  readonly unit?: string;
}

/** The checks, each returning the value it was given once it passed. */
export interface OptionChecks {
  /** A finite number in `range`. `given` is the value as the user wrote it, when it was parsed. */
  number(option: string, value: unknown, range: OptionRange, given?: unknown): number;
  /** `true` or `false`. */
  boolean(option: string, value: unknown): boolean;
  /** One of `values`. */
  oneOf<T extends string>(option: string, value: unknown, values: readonly T[]): T;
  /** A string matching `pattern`; `what` says what a valid value looks like. */
  matching(option: string, value: unknown, pattern: RegExp, what: string): string;
}

/** How a value is shown after "got": a string quoted, so that a blank or a number in a string shows. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** `Number.isFinite` as a type guard: it does not coerce, so it is false for every non-number. */
const isFiniteNumber = (value: unknown): value is number => Number.isFinite(value);

/** The checks, throwing the errors `fail` makes. */
export function optionChecks(fail: OptionFailure): OptionChecks {
  return {
    number(option, value, range, given = value) {
      const { min, max, integer = false, unit } = range;
      if (!isFiniteNumber(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
        const kind = integer ? 'an integer' : 'a number';
        const units = unit === undefined ? '' : ` (${unit})`;
        throw fail(
          option,
          `${option} must be ${kind} from ${min} to ${max}${units}; got ${describeValue(given)}`,
        );
      }
      return value;
    },
    boolean(option, value) {
      if (typeof value !== 'boolean') {
        throw fail(option, `${option} must be true or false; got ${describeValue(value)}`);
      }
      return value;
    },
    oneOf(option, value, values) {
      if (!(values as readonly unknown[]).includes(value)) {
        throw fail(option, `${option} must be one of ${values.join(', ')}; got ${describeValue(value)}`);
      }
      return value as (typeof values)[number];
    },
    matching(option, value, pattern, what) {
      if (typeof value !== 'string' || !pattern.test(value)) {
        throw fail(option, `${option} must be ${what}; got ${describeValue(value)}`);
      }
      return value;
    },
  };
}
