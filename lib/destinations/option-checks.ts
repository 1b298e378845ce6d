/** Checks of destination options, done once at creation so that bad configuration fails at cold start. */
import { optionChecks } from '../core/option-checks.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { REQUEST_BODY_MODES, type RequestBodyMode } from './prebuilt-body.js';
import { RESPONSE_PARSER_MODES, type ResponseParserMode } from './sqs-batch-response.js';

const check = optionChecks((option, message) => new DestinationConfigurationError(option, message));

/** A check of a number option in [min, max]: `value ?? fallback`, whole when `integer`. */
function rangeOption(integer: boolean) {
  return (option: string, value: number | undefined, fallback: number, min: number, max: number): number =>
    check.number(option, value ?? fallback, { min, max, integer }, value);
}

/** Returns `value ?? fallback` after checking it is an integer in [min, max]. */
export const integerOption = rangeOption(true);

/** Returns `value ?? fallback` after checking it is a number (not necessarily whole) in [min, max]. */
export const numberOption = rangeOption(false);

/** Returns `value` after checking it is a string matching `pattern`; `what` says what a valid value looks like. */
export function stringOption(
  option: string,
  value: string | undefined,
  pattern: RegExp,
  what: string,
): string {
  return check.matching(option, value, pattern, what);
}

/** Returns `value ?? fallback` after checking it is a boolean. */
export function booleanOption(option: string, value: boolean | undefined, fallback: boolean): boolean {
  return check.boolean(option, value ?? fallback);
}

/** The `requestBody` option: `'built'` by default when the destination created its client, else `'sdk'`. */
export function requestBodyOption(value: RequestBodyMode | undefined, ownClient: boolean): RequestBodyMode {
  if (value === undefined) return ownClient ? 'built' : 'sdk';
  if (!REQUEST_BODY_MODES.includes(value)) {
    throw new DestinationConfigurationError(
      'requestBody',
      `requestBody must be 'built' or 'sdk'; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `responseParser`: `'built'` by default on the destination's own client; a user's client is only ever read by the SDK. */
export function responseParserOption(
  value: ResponseParserMode | undefined,
  ownClient: boolean,
): ResponseParserMode {
  if (value === undefined) return ownClient ? 'built' : 'sdk';
  if (!RESPONSE_PARSER_MODES.includes(value)) {
    throw new DestinationConfigurationError(
      'responseParser',
      `responseParser must be 'built' or 'sdk'; got ${JSON.stringify(value)}`,
    );
  }
  if (value === 'built' && !ownClient) {
    throw new DestinationConfigurationError(
      'responseParser',
      "responseParser 'built' applies only to the client the destination creates; remove it or remove client",
    );
  }
  return value;
}

/** `contentBasedDeduplication` (default false), refused unless the destination is FIFO: `what` is a topic or a queue. */
export function contentBasedDeduplicationOption(
  value: boolean | undefined,
  fifo: boolean,
  what: 'topic' | 'queue',
): boolean {
  const contentBasedDeduplication = booleanOption('contentBasedDeduplication', value, false);
  if (contentBasedDeduplication && !fifo) {
    throw new DestinationConfigurationError(
      'contentBasedDeduplication',
      `contentBasedDeduplication applies only to FIFO ${what}s; remove it or use a .fifo ${what}`,
    );
  }
  return contentBasedDeduplication;
}

/** Returns `value` (or undefined when not given) after checking it is one of `values`. */
export function optionalChoiceOption<T extends string>(
  option: string,
  value: T | undefined,
  values: readonly T[],
): T | undefined {
  return value === undefined ? undefined : check.oneOf(option, value, values);
}
