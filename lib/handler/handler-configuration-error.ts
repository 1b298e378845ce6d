import { OptionError } from '../core/errors.js';

/** Thrown when `createSinkHandler` is given a bad option; names the option and what to set. */
export class HandlerConfigurationError extends OptionError {
  override readonly name = 'HandlerConfigurationError';
  readonly code = 'HANDLER_CONFIGURATION';
}
