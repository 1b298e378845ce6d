import type { KinesisStreamRecord } from 'aws-lambda';
import type { FirehoseEntry } from '../../lib/destinations/firehose.js';
import { kinesisData } from '../../lib/sources/kinesis.js';
import { newlineTerminated } from '../newline.js';

/** The Kinesis-to-Firehose conversion: data is the record's data, newline-terminated when `appendNewline`. */
export function kinesisToFirehose(appendNewline: boolean): (record: KinesisStreamRecord) => FirehoseEntry {
  return (record) => {
    const data = kinesisData(record);
    return { data: appendNewline ? newlineTerminated(data) : data };
  };
}
