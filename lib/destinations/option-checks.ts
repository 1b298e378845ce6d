/** Checks of destination options, done once at creation so that bad configuration fails at cold start. */
import { DestinationConfigurationError } from './destination-configuration-error.js';

/** Returns `value ?? fallback` after checking it is an integer in [min, max]. */
export function integerOption(
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < min || resolved > max) {
    throw new DestinationConfigurationError(
      option,
      `${option} must be an integer from ${min} to ${max}; got ${String(value)}`,
    );
  }
  return resolved;
}

/** Returns `value` after checking it is a string matching `pattern`; `what` says what a valid value looks like. */
export function stringOption(
  option: string,
  value: string | undefined,
  pattern: RegExp,
  what: string,
): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new DestinationConfigurationError(
      option,
      `${option} must be ${what}; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Returns `value ?? fallback` after checking it is a boolean. */
export function booleanOption(option: string, value: boolean | undefined, fallback: boolean): boolean {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'boolean') {
    throw new DestinationConfigurationError(option, `${option} must be true or false; got ${String(value)}`);
  }
  return resolved;
}
