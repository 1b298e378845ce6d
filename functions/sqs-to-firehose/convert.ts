import type { SQSRecord } from 'aws-lambda';
import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import { newlineTerminated } from '../newline.js';

const utf8 = new TextEncoder();

/** The SQS-to-Firehose conversion: data is the body's UTF-8 bytes, newline-terminated when `appendNewline`. */
export function sqsToFirehose(appendNewline: boolean): (record: SQSRecord) => FirehoseEntry {
  return (record) => {
    const data = utf8.encode(record.body);
    return { data: appendNewline ? newlineTerminated(data) : data };
  };
}
