/** Thrown when `createSinkHandler` is given a bad option; names the option and what to set. */
export class HandlerConfigurationError extends Error {
  override readonly name = 'HandlerConfigurationError';

  constructor(
    /** The option at fault, e.g. `deadLetterDestination`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
