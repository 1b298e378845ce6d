import { createHash } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';
import { deduplicationIdFor } from '../../lib/destinations/deduplication-id.js';
import type { SqsEntry } from '../../lib/destinations/sqs.js';
import { invalidCharacterIn } from '../../lib/destinations/sqs-message-rules.js';
import { decodeUtf8, kinesisData } from '../../lib/sources/kinesis.js';
import { sourceOfRecord } from '../../lib/sources/source-event.js';

/** The message attribute that marks a body holding the record's data in base64. */
export const CONTENT_ENCODING_ATTRIBUTE = 'contentEncoding';

/**
 * The body for the record's data: the data as text when it is valid UTF-8 and every
 * character is allowed in an SQS body; otherwise the data in base64, flagged by a
 * `contentEncoding: base64` message attribute so that a consumer can decode it.
 */
export function sqsBodyFor(data: Uint8Array): Pick<SqsEntry, 'body' | 'messageAttributes'> {
  const text = decodeUtf8(data);
  if (text !== undefined && text !== '' && invalidCharacterIn(text) === undefined) return { body: text };
  return {
    body: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    messageAttributes: { [CONTENT_ENCODING_ATTRIBUTE]: { DataType: 'String', StringValue: 'base64' } },
  };
}

/** A message group id for a partition key: the key itself when SQS allows it, else its SHA-256 in hex. */
export function messageGroupIdFor(partitionKey: string): string {
  return /^[!-~]{1,128}$/.test(partitionKey)
    ? partitionKey
    : createHash('sha256').update(partitionKey, 'utf8').digest('hex');
}

/**
 * The Kinesis-to-SQS conversion. A FIFO queue gets the partition key as message group
 * (records of one key stay in order: the handler runs in ordered mode for a FIFO queue)
 * and a deduplication id from the stream, shard and sequence number, so a redelivered
 * batch is not duplicated within SQS's deduplication interval, and two streams feeding
 * one queue never share an id.
 */
export function kinesisToSqs(fifo: boolean): (record: KinesisStreamRecord) => SqsEntry {
  return (record) => ({
    ...sqsBodyFor(kinesisData(record)),
    ...(fifo
      ? {
          messageGroupId: messageGroupIdFor(record.kinesis.partitionKey),
          messageDeduplicationId: deduplicationIdFor(
            record.kinesis.sequenceNumber,
            0,
            sourceOfRecord(record),
          ),
        }
      : {}),
  });
}
