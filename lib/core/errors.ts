/**
 * The base of every error lambda-async-sink throws (as Powertools' `errors.ts` gives its
 * package one family): a stable `code` for logs, alarms and `catch` blocks beside a message
 * meant for people, which may change. Each class sets `name` as a literal, so that it
 * survives a minified bundle.
 */
export abstract class AsyncSinkError extends Error {
  /** Stable identifier of the kind of error, e.g. `SINK_CONFIGURATION`. */
  abstract readonly code: string;
}

/** The base of the errors for a bad option or setting, thrown once, at creation or cold start. */
export abstract class OptionError extends AsyncSinkError {
  constructor(
    /** The option or setting at fault, e.g. `maxInFlightRequests`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when a sink is created with an option out of range; names the option and what to set. */
export class SinkConfigurationError extends OptionError {
  override readonly name = 'SinkConfigurationError';
  readonly code = 'SINK_CONFIGURATION';
}
