/** The default SQS FIFO deduplication id: the same source record and entry always give the same id. */
import { createHash } from 'node:crypto';

/** Longest id SQS accepts. */
const MAX_LENGTH = 128;
/** Alphanumerics and punctuation, what SQS accepts in a deduplication id. */
const ALLOWED = /^[!-~]+$/;
/** Hex digits of the source's digest kept in an id: 64 bits, so two sources collide with odds of 2⁻⁶⁴. */
const SOURCE_TAG_LENGTH = 16;

/**
 * A `MessageDeduplicationId` for entry `entryIndex` of source record `recordId`, so that a
 * redelivered batch is not duplicated within SQS's 5-minute deduplication interval.
 *
 * `source` names where the record came from (see `sourceOfRecord`: a Kinesis stream and
 * shard, an SQS queue). Give it whenever record ids are unique only within their source, as
 * Kinesis sequence numbers are: two streams feeding one FIFO queue then never share an id,
 * which SQS would take for a duplicate and silently drop. The id is
 * `<source tag>:<recordId>:<entryIndex>`, the tag being the first 16 hex digits of the
 * source's SHA-256; without `source`, `<recordId>:<entryIndex>`. When that is not a valid id
 * (over 128 characters, or a character outside `!`–`~`), it is the SHA-256 of it in hex (64
 * characters).
 */
export function deduplicationIdFor(recordId: string, entryIndex: number, source?: string): string {
  if (!Number.isInteger(entryIndex) || entryIndex < 0) {
    throw new RangeError(`entryIndex must be a non-negative integer; got ${entryIndex}`);
  }
  const id =
    source === undefined
      ? `${recordId}:${entryIndex}`
      : `${sha256Hex(source).slice(0, SOURCE_TAG_LENGTH)}:${recordId}:${entryIndex}`;
  if (id.length <= MAX_LENGTH && ALLOWED.test(id)) return id;
  return sha256Hex(id);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
