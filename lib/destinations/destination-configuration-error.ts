/** Thrown when a destination is created with a bad option; names the option and what to set. */
export class DestinationConfigurationError extends Error {
  override readonly name = 'DestinationConfigurationError';

  constructor(
    /** The option at fault, e.g. `streamName`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
