import { AsyncSinkError } from '../core/errors.js';

/** Thrown when the handler is given something that is not an SQS or Kinesis event it can answer for. */
export class MalformedEventError extends AsyncSinkError {
  override readonly name = 'MalformedEventError';
  readonly code = 'MALFORMED_EVENT';

  constructor(
    message: string,
    /** Position of the offending record in `Records`, when one record is at fault. */
    readonly recordIndex?: number,
  ) {
    super(message);
  }
}
