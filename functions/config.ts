/**
 * Configuration of the ready-made functions, read from environment variables once, at
 * cold start: a missing or invalid variable throws a {@link ConfigurationError} that
 * names it and says what to set, so the function fails to initialise instead of
 * failing records.
 */
import { OptionError } from '../lib/core/errors.js';
import { optionChecks } from '../lib/core/option-checks.js';
import { SINK_DEFAULTS, SINK_OPTION_RANGES } from '../lib/core/options.js';
import { type SqsDestination, sqsDestination } from '../lib/destinations/sqs.js';
import { HANDLER_DEFAULTS } from '../lib/handler/handler-options.js';
import { PoisonPolicy } from '../lib/handler/poison.js';
import { type FunctionVariable, POISON_VARIABLES, TUNING_VARIABLES } from './contract.js';

/** Thrown at cold start when an environment variable is missing or invalid. */
export class ConfigurationError extends OptionError {
  override readonly name = 'ConfigurationError';
  readonly code = 'FUNCTION_CONFIGURATION';

  /** The environment variable at fault. */
  get variable(): string {
    return this.option;
  }
}

const check = optionChecks(
  (variable, message) => new ConfigurationError(variable, `Environment variable ${message}`),
);

/** The environment as the functions read it. */
export type Environment = Readonly<Record<string, string | undefined>>;

function variableValue(env: Environment, name: FunctionVariable): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A variable that must be set. `example` shows what a valid value looks like. */
export function requiredString(env: Environment, name: FunctionVariable, example: string): string {
  const value = variableValue(env, name);
  if (value === undefined) {
    throw new ConfigurationError(name, `Environment variable ${name} is missing: set it to ${example}`);
  }
  return value;
}

/** An optional variable, or `undefined`. */
export function optionalString(env: Environment, name: FunctionVariable): string | undefined {
  return variableValue(env, name);
}

/** An integer variable in [min, max], or `fallback` when unset. */
export function integerVariable(
  env: Environment,
  name: FunctionVariable,
  fallback: number,
  min: number,
  max: number,
): number;
export function integerVariable(
  env: Environment,
  name: FunctionVariable,
  fallback: undefined,
  min: number,
  max: number,
): number | undefined;
export function integerVariable(
  env: Environment,
  name: FunctionVariable,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const value = variableValue(env, name);
  if (value === undefined) return fallback;
  const parsed = /^[+]?\d+$/.test(value) ? Number(value) : Number.NaN;
  return check.number(name, parsed, { min, max, integer: true }, value);
}

/** A `true` / `false` variable (any case), or `fallback` when unset. */
export function booleanVariable(env: Environment, name: FunctionVariable, fallback: boolean): boolean;
export function booleanVariable(
  env: Environment,
  name: FunctionVariable,
  fallback: undefined,
): boolean | undefined;
export function booleanVariable(
  env: Environment,
  name: FunctionVariable,
  fallback: boolean | undefined,
): boolean | undefined {
  const value = variableValue(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  return check.boolean(name, lower === 'true' ? true : lower === 'false' ? false : value);
}

/** One of `values`, or `undefined` when unset. */
export function optionalChoiceVariable<T extends string>(
  env: Environment,
  name: FunctionVariable,
  values: readonly T[],
): T | undefined {
  const value = variableValue(env, name);
  return value === undefined ? undefined : check.oneOf(name, value, values);
}

/** One of `values`, or `fallback` when unset. */
export function choiceVariable<T extends string>(
  env: Environment,
  name: FunctionVariable,
  values: readonly T[],
  fallback: T,
): T {
  const value = variableValue(env, name);
  return value === undefined ? fallback : check.oneOf(name, value, values);
}

/**
 * Runs `create` (a destination factory) and rethrows its configuration error as one
 * naming `variable`, so that the message says which variable to fix.
 */
export function fromVariable<T>(variable: FunctionVariable, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const option = (error as { option?: unknown }).option;
    // A missing region is the one destination error that no variable of ours can fix (Lambda sets it).
    if (option === 'region')
      throw new ConfigurationError('AWS_REGION', `Environment variable AWS_REGION is missing: ${message}`);
    throw new ConfigurationError(variable, `Environment variable ${variable} is invalid: ${message}`);
  }
}

/** The tuning every ready-made function reads, with the defaults filled in. */
export interface SinkTuning {
  readonly maxInFlightRequests: number;
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly poisonPolicy: PoisonPolicy;
  readonly deadLetterQueueUrl: string | undefined;
  readonly throwOnFullBatchFailure: boolean;
  /** `undefined` when unset: then ordered mode is on for an SQS FIFO source or a FIFO destination. */
  readonly ordered: boolean | undefined;
  readonly logPayloads: boolean;
}

/** Reads the tuning variables: MAX_IN_FLIGHT_REQUESTS, MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, POISON_POLICY, DEAD_LETTER_QUEUE_URL, THROW_ON_FULL_BATCH_FAILURE, ORDERED, LOG_PAYLOADS. */
export function readTuning(env: Environment): SinkTuning {
  const v = { ...TUNING_VARIABLES, ...POISON_VARIABLES };
  const inFlight = SINK_OPTION_RANGES.maxInFlightRequests;
  const attempts = SINK_OPTION_RANGES.maxAttempts;
  const timeout = SINK_OPTION_RANGES.requestTimeoutMs;
  const poisonPolicy = choiceVariable(
    env,
    v.poisonPolicy,
    Object.values(PoisonPolicy) as PoisonPolicy[],
    HANDLER_DEFAULTS.poisonPolicy,
  );
  const deadLetterQueueUrl = optionalString(env, v.deadLetterQueueUrl);
  if (poisonPolicy === PoisonPolicy.DeadLetter && deadLetterQueueUrl === undefined) {
    throw new ConfigurationError(
      v.deadLetterQueueUrl,
      `Environment variable ${v.deadLetterQueueUrl} is missing: ${v.poisonPolicy}=dead-letter needs the URL of the dead-letter queue, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/poison`,
    );
  }
  return {
    maxInFlightRequests: integerVariable(
      env,
      v.maxInFlightRequests,
      SINK_DEFAULTS.maxInFlightRequests,
      inFlight.min,
      inFlight.max,
    ),
    maxAttempts: integerVariable(env, v.maxAttempts, SINK_DEFAULTS.maxAttempts, attempts.min, attempts.max),
    requestTimeoutMs: integerVariable(
      env,
      v.requestTimeoutMs,
      SINK_DEFAULTS.requestTimeoutMs,
      timeout.min,
      timeout.max,
    ),
    poisonPolicy,
    deadLetterQueueUrl: poisonPolicy === PoisonPolicy.DeadLetter ? deadLetterQueueUrl : undefined,
    throwOnFullBatchFailure: booleanVariable(
      env,
      v.throwOnFullBatchFailure,
      HANDLER_DEFAULTS.throwOnFullBatchFailure,
    ),
    ordered: booleanVariable(env, v.ordered, undefined),
    logPayloads: booleanVariable(env, v.logPayloads, HANDLER_DEFAULTS.logPayloads),
  };
}

/**
 * The destination client's settings: the sink's own in-flight limit and request timeout, so
 * that the client keeps as many sockets as the sink runs requests and times them out alike.
 */
export function clientOptions(tuning: SinkTuning): { maxInFlightRequests: number; requestTimeoutMs: number } {
  return { maxInFlightRequests: tuning.maxInFlightRequests, requestTimeoutMs: tuning.requestTimeoutMs };
}

/** The handler options the tuning stands for, the dead-letter destination included. */
export function tuningOptions(tuning: SinkTuning): {
  maxInFlightRequests: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  poisonPolicy: PoisonPolicy;
  deadLetterDestination?: SqsDestination;
  throwOnFullBatchFailure: boolean;
  ordered?: boolean;
  logPayloads: boolean;
} {
  const { deadLetterQueueUrl, ordered, ...rest } = tuning;
  return {
    ...rest,
    ...(ordered === undefined ? {} : { ordered }),
    ...(deadLetterQueueUrl === undefined
      ? {}
      : {
          deadLetterDestination: fromVariable(POISON_VARIABLES.deadLetterQueueUrl, () =>
            sqsDestination({ queueUrl: deadLetterQueueUrl, ...clientOptions(tuning) }),
          ),
        }),
  };
}
