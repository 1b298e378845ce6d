/** Reproducible benchmark inputs: SQS events and Kinesis entries from a seed. */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { KinesisEntry } from '../lib/destinations/kinesis.js';
import { type Random, seededRandom } from '../local/services/seeded-random.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:-_{}[]"';
const POOL_CHARS = 64 * 1024;

/** A whole number drawn uniformly from [min, max]. */
export function uniformInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function hex(random: Random, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A UUID-shaped message id, reproducible from the PRNG; `run` keeps ids of different runs apart. */
function messageId(random: Random, run: string): string {
  return `${run}${hex(random, 8 - run.length)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

/** Bodies are slices of one random ASCII pool: cheap to make, and each byte counts as one. */
function bodyPool(random: Random): string {
  let pool = '';
  for (let i = 0; i < POOL_CHARS; i++) pool += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return pool;
}

/** An SQS event of `count` records whose bodies are `minBytes` to `maxBytes` ASCII bytes. */
export function sqsEvent(
  count: number,
  sizes: { readonly minBytes: number; readonly maxBytes: number },
  seed: number,
  run = '',
): SQSEvent {
  const random = seededRandom(seed);
  const pool = bodyPool(random);
  const Records: SQSRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = uniformInt(random, sizes.minBytes, sizes.maxBytes);
    const offset = Math.floor(random() * (POOL_CHARS - length));
    Records[i] = sqsRecord(messageId(random, run), pool.slice(offset, offset + length));
  }
  return { Records };
}

function sqsRecord(id: string, body: string): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1700000000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-source',
    awsRegion: 'us-east-1',
  };
}

/** The conversion every contender applies: the body's bytes, keyed by the message id. */
export function kinesisEntryOf(record: SQSRecord): KinesisEntry {
  return { data: Buffer.from(record.body), partitionKey: record.messageId };
}

/** `count` Kinesis entries of `minBytes` to `maxBytes` of data, with unique partition keys. */
export function kinesisEntries(
  count: number,
  sizes: { readonly minBytes: number; readonly maxBytes: number },
  seed: number,
): KinesisEntry[] {
  return sqsEvent(count, sizes, seed).Records.map(kinesisEntryOf);
}
