import { AsyncSinkError } from '../core/errors.js';

/**
 * Thrown for a KPL aggregated record whose checksum matches but whose contents are not a
 * valid `AggregatedRecord` (a producer bug, never noise on the wire), and for encoding
 * something the format cannot hold. The message names the fault, never the data.
 */
export class KplFormatError extends AsyncSinkError {
  override readonly name = 'KplFormatError';
  /** Stable code for logs and failure reasons. */
  readonly code = 'KPL_FORMAT';
}
