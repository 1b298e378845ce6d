import type { KinesisStreamRecord } from 'aws-lambda';

/** The `eventSource` Lambda gives Kinesis records. */
export const KINESIS_EVENT_SOURCE = 'aws:kinesis';

// fatal: invalid UTF-8 throws instead of turning into U+FFFD, which would silently change the data.
// ignoreBOM: a leading byte-order mark is data too, so it is kept.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when the record came from a Kinesis data stream. */
export function isKinesisRecord(record: unknown): record is KinesisStreamRecord {
  return (
    typeof record === 'object' &&
    record !== null &&
    (record as { eventSource?: unknown }).eventSource === KINESIS_EVENT_SOURCE
  );
}

/** The record's id for `batchItemFailures`: its `kinesis.sequenceNumber`. */
export function kinesisRecordId(record: KinesisStreamRecord): string {
  return record.kinesis.sequenceNumber;
}

/** The record's data: `kinesis.data` decoded from base64 to bytes. */
export function kinesisData(record: KinesisStreamRecord): Uint8Array {
  const bytes = Buffer.from(record.kinesis.data, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The record's data as UTF-8 text. Throws (failing the record) when the bytes are not valid UTF-8. */
export function kinesisText(record: KinesisStreamRecord): string {
  return strictUtf8.decode(kinesisData(record));
}

/** The record's data parsed as UTF-8 JSON. Throws (failing the record) when it is not. */
export function kinesisJson<T = unknown>(record: KinesisStreamRecord): T {
  return JSON.parse(kinesisText(record)) as T;
}

/** The bytes as UTF-8 text, or `undefined` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
