/** Thrown when a sink is created with an option out of range; names the option and what to set. */
export class SinkConfigurationError extends Error {
  override readonly name = 'SinkConfigurationError';

  constructor(
    /** The option at fault, e.g. `maxInFlightRequests`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
