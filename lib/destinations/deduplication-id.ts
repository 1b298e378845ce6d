/** The default SQS FIFO deduplication id: the same source record and entry always give the same id. */
import { createHash } from 'node:crypto';

/** Longest id SQS accepts. */
const MAX_LENGTH = 128;
/** Alphanumerics and punctuation, what SQS accepts in a deduplication id. */
const ALLOWED = /^[!-~]+$/;

/**
 * A `MessageDeduplicationId` for entry `entryIndex` of source record `recordId`, so that a
 * redelivered batch is not duplicated within SQS's 5-minute deduplication interval.
 * It is `<recordId>:<entryIndex>` when that is a valid id (SQS message ids and Kinesis
 * sequence numbers are), else the SHA-256 of it in hex (64 characters).
 */
export function deduplicationIdFor(recordId: string, entryIndex: number): string {
  if (!Number.isInteger(entryIndex) || entryIndex < 0) {
    throw new RangeError(`entryIndex must be a non-negative integer; got ${entryIndex}`);
  }
  const id = `${recordId}:${entryIndex}`;
  if (id.length <= MAX_LENGTH && ALLOWED.test(id)) return id;
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
