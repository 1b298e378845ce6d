/** Thrown when the handler is given something that is not an SQS or Kinesis event it can answer for. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';

  constructor(
    message: string,
    /** Position of the offending record in `Records`, when one record is at fault. */
    readonly recordIndex?: number,
  ) {
    super(message);
  }
}
