import { OptionError } from '../core/errors.js';

/** Thrown when a destination is created with a bad option; names the option and what to set. */
export class DestinationConfigurationError extends OptionError {
  override readonly name = 'DestinationConfigurationError';
  readonly code = 'DESTINATION_CONFIGURATION';
}
