/**
 * The bad-input matrix: each row is one kind of bad input, run through a real handler
 * (a ready-made function, or `createSinkHandler` with its own `convert`) against the local
 * services, with the clear error it must give and proof that every record is accounted
 * for: delivered (read back from the service), reported in `batchItemFailures`,
 * dead-lettered or dropped by the poison policy, never silently lost.
 */
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisJson, kinesisText } from '../../lib/sources/kinesis.js';
import { sqsJson } from '../../lib/sources/sqs.js';
import { type FaultProxy, startFaultProxy } from '../../local/index.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { type FunctionName, importFunction } from '../functions/function-harness.js';
import {
  deadLettered,
  delivered,
  dropped,
  expectAccountedFor,
  failed,
  filtered,
  type Outcome,
} from './accounting.js';
import {
  bodyWithKey,
  build,
  eventOf,
  invoke,
  kinesis,
  NOT_LOGGED,
  onlySummary,
  type Poison,
  type RecordCase,
  runRecordCase,
  type SourceRecord,
  sqs,
  sqsForKinesisRecordOf,
  useBadInputHarness,
} from './bad-input-harness.js';
import { SERVICE_ERRORS, type ServiceError, startErrorStub } from './error-stub.js';
import { destinationKindOf, freshTarget, recordId, sourceBytes } from './local-pipelines.js';

const harness = useBadInputHarness();

const MiB = 1024 * 1024;
const FIREHOSE_RECORD = 1_000 * 1024;

// ---------------------------------------------------------------------------------------------
// The matrix.

const NOT_UTF8 = Uint8Array.from([0x7b, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7d]);
const EVERY_BYTE = Uint8Array.from({ length: 256 }, (_, index) => index);
const MULTI_BYTE_256 = 'é€中'.repeat(86).slice(0, 256);
const KEY_256 = 'k'.repeat(256);
const KEY_257 = 'k'.repeat(257);

const throwsOnBad = (record: SQSRecord) => {
  if (record.body.startsWith('bad')) throw new RangeError('amount out of range');
  return { data: Buffer.from(record.body), partitionKey: record.attributes.MessageGroupId ?? 'k' };
};

describe('bad input: malformed events', () => {
  const valid = () => sqsRecord({ body: 'valid' });
  const MALFORMED: readonly { name: string; event: () => unknown; message: RegExp }[] = [
    { name: 'null instead of an event', event: () => null, message: /got null/ },
    { name: 'an object without Records', event: () => ({ detail: {} }), message: /without a Records array/ },
    {
      name: 'Records that is not an array',
      event: () => ({ Records: 'x' }),
      message: /without a Records array/,
    },
    {
      name: 'a record that is null',
      event: () => ({ Records: [valid(), null] }),
      message: /Records\[1\] is null, not a record/,
    },
    {
      name: 'an unknown event source (S3)',
      event: () => ({ Records: [valid(), { ...valid(), eventSource: 'aws:s3' }] }),
      message: /Records\[1\]\.eventSource is "aws:s3"; expected "aws:sqs", "aws:kinesis" or "aws:dynamodb"/,
    },
    {
      name: 'a record with no event source',
      event: () => ({ Records: [{ ...valid(), eventSource: undefined }] }),
      message: /Records\[0\]\.eventSource is undefined/,
    },
    {
      name: 'an SQS record without messageId',
      event: () => ({ Records: [valid(), { ...valid(), messageId: '' }] }),
      message: /Records\[1\]\.messageId must be a non-empty string/,
    },
    {
      name: 'an SQS record without body',
      event: () => ({ Records: [{ ...valid(), body: undefined }] }),
      message: /Records\[0\]\.body must be a string/,
    },
    {
      name: 'a Kinesis record without sequenceNumber',
      event: () => {
        const record = kinesis('data');
        return { Records: [{ ...record, kinesis: { ...record.kinesis, sequenceNumber: undefined } }] };
      },
      message: /Records\[0\]\.kinesis\.sequenceNumber must be a non-empty string/,
    },
    {
      name: 'a Kinesis record whose data is not a string',
      event: () => {
        const record = kinesis('data');
        return { Records: [{ ...record, kinesis: { ...record.kinesis, data: 42 } }] };
      },
      message: /Records\[0\]\.kinesis\.data must be a base64 string/,
    },
    {
      name: 'SQS and Kinesis records in one event',
      event: () => ({ Records: [valid(), kinesis('data')] }),
      message: /Records\[1\] is a kinesis record in an event of sqs records/,
    },
    {
      name: 'FIFO and standard SQS records in one event',
      event: () => ({ Records: [sqs('a', 'g1'), sqs('b')] }),
      message: /Records\[1\] comes from a standard queue unlike the records before it/,
    },
    {
      name: 'a Kinesis event given to an SQS function',
      event: () => kinesisEvent([kinesis('data')]),
      message: /This handler takes sqs events; it was given a kinesis event/,
    },
  ];

  it.each(MALFORMED)(
    '$name: the invocation fails with a MalformedEventError and sends nothing',
    async ({ event, message }) => {
      const { handler, target } = await build('sqs-to-kinesis', {});

      const invocation = handler(event(), lambdaContext());

      await expect(invocation).rejects.toMatchObject({ name: 'MalformedEventError' });
      await expect(invocation).rejects.toThrow(message);
      const logged = harness.output.json().find((line) => line.message === 'malformed event');
      expect(logged).toMatchObject({ level: 'ERROR' });
      expect(String(logged?.error)).toMatch(message);
      // Lambda retries the whole batch: nothing may have been half sent.
      expect(await target.read()).toEqual([]);
    },
  );
});

describe('bad input: records', () => {
  const RECORD_CASES: readonly RecordCase[] = [
    // Empty bodies.
    {
      name: 'an empty SQS body to Kinesis is an empty record (Kinesis allows 0 bytes of data)',
      pipeline: 'sqs-to-kinesis',
      records: () => [
        [sqs(''), delivered()],
        [sqs('x'), delivered()],
      ],
    },
    {
      name: 'an empty SQS body to Firehose is a lone newline',
      pipeline: 'sqs-to-firehose',
      records: () => [
        [sqs(''), delivered()],
        [sqs('x'), delivered()],
      ],
    },
    {
      name: 'empty Kinesis data to SQS fails: SQS takes no empty message (retry policy: reported)',
      pipeline: 'kinesis-to-sqs',
      records: () => [
        [kinesis(''), failed('InvalidEntry', /body must be a non-empty string/)],
        [kinesis('x'), delivered()],
      ],
    },
    {
      name: 'empty Kinesis data to SQS, dead-letter policy: dead-lettered with its reason',
      pipeline: 'kinesis-to-sqs',
      poison: 'dead-letter',
      records: () => [
        [kinesis(''), deadLettered('InvalidEntry', /body must be a non-empty string/)],
        [kinesis('x'), delivered()],
      ],
    },
    {
      name: 'empty Kinesis data to SQS, drop policy: dropped and logged',
      pipeline: 'kinesis-to-sqs',
      poison: 'drop',
      records: () => [
        [kinesis(''), dropped('InvalidEntry', /body must be a non-empty string/)],
        [kinesis('x'), delivered()],
      ],
    },
    // Non-UTF-8 and binary payloads.
    {
      name: 'non-UTF-8 Kinesis data to SQS arrives base64-encoded, flagged contentEncoding',
      pipeline: 'kinesis-to-sqs',
      records: () => [
        [kinesis(NOT_UTF8), delivered()],
        [kinesis('text'), delivered()],
      ],
    },
    {
      name: 'text with characters SQS rejects (U+0000, U+FFFE) to SQS arrives base64-encoded',
      pipeline: 'kinesis-to-sqs',
      records: () => [[kinesis('nul\u0000 and \uFFFE'), delivered()]],
    },
    {
      name: 'binary Kinesis data (every byte value) to Firehose arrives byte for byte',
      pipeline: 'kinesis-to-firehose',
      env: { APPEND_NEWLINE: 'false' },
      records: () => [
        [kinesis(EVERY_BYTE), delivered()],
        [kinesis(NOT_UTF8), delivered()],
      ],
    },
    {
      name: 'non-UTF-8 data with a convert that reads JSON (kinesisJson) fails that record alone',
      pipeline: 'kinesis-to-firehose',
      convert: (record: KinesisStreamRecord) => ({ data: Buffer.from(JSON.stringify(kinesisJson(record))) }),
      arrives: (record) =>
        Buffer.from(JSON.stringify(JSON.parse(kinesisText(record as KinesisStreamRecord)))),
      records: () => [
        [kinesis(NOT_UTF8), failed('ConvertFailed', /convert threw TypeError: .*not valid.*utf-8/)],
        [kinesis('{"n":1}'), delivered()],
      ],
    },
    {
      name: 'a body that is not JSON with a convert that reads JSON (sqsJson) fails that record alone',
      pipeline: 'sqs-to-kinesis',
      convert: (record: SQSRecord) => ({
        data: Buffer.from(JSON.stringify(sqsJson(record))),
        partitionKey: 'k',
      }),
      records: () => [
        [sqs('not json'), failed('ConvertFailed', /convert threw SyntaxError: .*not valid JSON/)],
        [sqs('{"n":1}'), delivered()],
      ],
    },
    // convert throwing or returning an invalid entry.
    {
      name: 'convert throws: that record fails with the error, the others arrive',
      pipeline: 'sqs-to-kinesis',
      convert: throwsOnBad,
      records: () => [
        [sqs('good-1'), delivered()],
        [sqs('bad-2'), failed('ConvertFailed', /^convert threw RangeError: amount out of range$/)],
        [sqs('good-3'), delivered()],
      ],
    },
    {
      name: 'convert rejects (async): that record fails with the error',
      pipeline: 'sqs-to-kinesis',
      convert: async (record: SQSRecord) => {
        if (record.body === 'reject') throw new Error('lookup failed');
        return { data: Buffer.from(record.body), partitionKey: 'k' };
      },
      records: () => [
        [sqs('reject'), failed('ConvertFailed', /^convert threw Error: lookup failed$/)],
        [sqs('good'), delivered()],
      ],
    },
    {
      name: 'convert throws, dead-letter policy: dead-lettered with the error',
      pipeline: 'sqs-to-kinesis',
      convert: throwsOnBad,
      poison: 'dead-letter',
      records: () => [
        [sqs('bad-1'), deadLettered('ConvertFailed', /convert threw RangeError: amount out of range/)],
        [sqs('good-2'), delivered()],
      ],
    },
    {
      name: 'convert throws in a FIFO group: the later records of that group are held back, others go on',
      pipeline: 'sqs-to-kinesis',
      convert: throwsOnBad,
      records: () => [
        [sqs('g1-first', 'g1'), delivered('g1')],
        [sqs('bad-g1', 'g1'), failed('ConvertFailed', /amount out of range/)],
        [sqs('g1-after', 'g1'), failed('PredecessorFailed', /of message group g1 failed before it/)],
        [sqs('g2-only', 'g2'), delivered('g2')],
      ],
    },
    {
      name: 'convert returns data that is not bytes: InvalidEntry, never sent',
      pipeline: 'sqs-to-kinesis',
      convert: (record: SQSRecord) => ({
        data: record.body === 'string' ? record.body : Buffer.from(record.body),
        partitionKey: 'k',
      }),
      records: () => [
        [sqs('string'), failed('InvalidEntry', /^data must be a Uint8Array$/)],
        [sqs('bytes'), delivered()],
      ],
    },
    {
      name: 'convert returns a Kinesis entry without partition key: InvalidEntry, the others arrive',
      pipeline: 'sqs-to-kinesis',
      convert: (record: SQSRecord) => ({
        data: Buffer.from(record.body),
        ...(record.body === 'no key' ? {} : { partitionKey: 'k' }),
      }),
      records: () => [
        [sqs('no key'), failed('InvalidEntry', /^entry 0 could not be checked: /)],
        [sqs('with key'), delivered('k')],
      ],
    },
    {
      name: 'convert returns an SQS entry without body: InvalidEntry, the others arrive',
      pipeline: 'kinesis-to-sqs',
      convert: (record: KinesisStreamRecord) =>
        kinesisText(record) === 'none' ? {} : { body: kinesisText(record) },
      records: () => [
        [
          kinesis('none'),
          failed('InvalidEntry', /^entry 0 could not be checked: |body must be a non-empty string/),
        ],
        [kinesis('body'), delivered()],
      ],
    },
    {
      name: 'convert returns a Firehose entry without data: InvalidEntry, the others arrive',
      pipeline: 'sqs-to-firehose',
      convert: (record: SQSRecord) => (record.body === 'none' ? {} : { data: Buffer.from(record.body) }),
      arrives: (record) => sourceBytes(record),
      records: () => [
        [sqs('none'), failed('InvalidEntry', /^entry 0 could not be checked: |data must be a Uint8Array/)],
        [sqs('data'), delivered()],
      ],
    },
    {
      name: 'convert returns a valid and an invalid entry: the record fails whole, its valid entry is not sent',
      pipeline: 'sqs-to-firehose',
      convert: (record: SQSRecord) =>
        record.body === 'half'
          ? [{ data: Buffer.from('first half') }, { data: 'second half' }]
          : { data: Buffer.from(record.body) },
      arrives: (record) => sourceBytes(record),
      records: () => [
        [sqs('half'), failed('InvalidEntry', /data must be a Uint8Array/)],
        [sqs('whole'), delivered()],
      ],
    },
    {
      name: 'convert returns nothing: the record is filtered out and counted done',
      pipeline: 'sqs-to-firehose',
      convert: (record: SQSRecord) =>
        record.body === 'skip' ? undefined : { data: Buffer.from(record.body) },
      arrives: (record) => sourceBytes(record),
      records: () => [
        [sqs('skip'), filtered],
        [sqs('keep'), delivered()],
      ],
    },
    // Partition keys.
    {
      name: 'an empty partition key field falls back to the message id',
      pipeline: 'sqs-to-kinesis',
      env: { PARTITION_KEY_FIELD: 'key' },
      records: () => {
        const record = sqs(bodyWithKey(''));
        return [[record, delivered(record.messageId)]];
      },
    },
    {
      name: 'an empty partition key from convert: InvalidEntry naming the 1 to 256 characters',
      pipeline: 'sqs-to-kinesis',
      convert: (record: SQSRecord) => ({ data: Buffer.from(record.body), partitionKey: record.body }),
      records: () => [
        [sqs(''), failed('InvalidEntry', /^partitionKey must have 1 to 256 characters; it has 0$/)],
        [sqs('k'), delivered('k')],
      ],
    },
    {
      name: 'partition keys of 256 characters arrive; 257 fail with InvalidEntry',
      pipeline: 'sqs-to-kinesis',
      env: { PARTITION_KEY_FIELD: 'key' },
      records: () => [
        [sqs(bodyWithKey(KEY_256)), delivered(KEY_256)],
        [
          sqs(bodyWithKey(KEY_257)),
          failed('InvalidEntry', /partitionKey must have 1 to 256 characters; it has 257/),
        ],
      ],
    },
    {
      name: 'multi-byte partition keys count characters: 256 arrive (768 bytes), 257 fail',
      pipeline: 'sqs-to-kinesis',
      env: { PARTITION_KEY_FIELD: 'key' },
      records: () => [
        [sqs(bodyWithKey(MULTI_BYTE_256)), delivered(MULTI_BYTE_256)],
        [
          sqs(bodyWithKey(`${MULTI_BYTE_256}é`)),
          failed('InvalidEntry', /partitionKey must have 1 to 256 characters; it has 257/),
        ],
      ],
    },
    // Limits: Kinesis, data plus partition key.
    {
      name: 'Kinesis: a record of 1 MiB (data + key) arrives, one byte over fails naming the limit',
      pipeline: 'sqs-to-kinesis',
      records: () => [
        [sqsForKinesisRecordOf(MiB), delivered()],
        [
          sqsForKinesisRecordOf(MiB + 1),
          failed(
            'InvalidEntry',
            /^record is 1048577 bytes \(data \+ partition key\), over the maximum record size of the stream, 1048576 bytes$/,
          ),
        ],
      ],
    },
    {
      name: 'Kinesis: a multi-byte key counts its UTF-8 bytes toward the 1 MiB',
      pipeline: 'sqs-to-kinesis',
      env: { PARTITION_KEY_FIELD: 'key' },
      records: () => [
        [sqs(bodyWithKey(MULTI_BYTE_256, MiB)), delivered(MULTI_BYTE_256)],
        [
          sqs(bodyWithKey(MULTI_BYTE_256, MiB + 1)),
          failed(
            'InvalidEntry',
            /^record is 1048577 bytes \(data \+ partition key\), over the maximum record size of the stream/,
          ),
        ],
      ],
    },
    {
      name: 'Kinesis: a record over 1 MiB under the dead-letter policy is too large to dead-letter: it stays reported',
      pipeline: 'sqs-to-kinesis',
      poison: 'dead-letter',
      records: () => [
        [
          sqsForKinesisRecordOf(MiB + 1),
          failed(
            'InvalidEntry',
            /^record is 1048577 bytes .*; the dead-letter send failed: InvalidEntry: message is \d+ bytes \(body \+ attributes\), over the maximum message size of the queue/,
          ),
        ],
        [sqs('small'), delivered()],
      ],
    },
    // Limits: Firehose, data before base64.
    {
      name: 'Firehose: a record of 1,000 KiB arrives, one byte over fails naming the limit',
      pipeline: 'sqs-to-firehose',
      env: { APPEND_NEWLINE: 'false' },
      records: () => [
        [sqs('f'.repeat(FIREHOSE_RECORD)), delivered()],
        [
          sqs('f'.repeat(FIREHOSE_RECORD + 1)),
          failed(
            'InvalidEntry',
            /^record is 1024001 bytes, over the Firehose maximum record size of 1024000 bytes \(1,000 KiB\)$/,
          ),
        ],
      ],
    },
    {
      name: 'Firehose: the appended newline counts toward the 1,000 KiB',
      pipeline: 'sqs-to-firehose',
      records: () => [
        [sqs('f'.repeat(FIREHOSE_RECORD - 1)), delivered()],
        [
          sqs('f'.repeat(FIREHOSE_RECORD)),
          failed('InvalidEntry', /^record is 1024001 bytes, over the Firehose maximum record size/),
        ],
      ],
    },
    {
      name: 'Firehose: five records of 1,000 KiB go in two requests (4 MiB per request)',
      pipeline: 'sqs-to-firehose',
      env: { APPEND_NEWLINE: 'false' },
      requests: 2,
      records: () =>
        Array.from({ length: 5 }, () => [sqs('f'.repeat(FIREHOSE_RECORD)), delivered()] as const),
    },
    // Limits: SQS, body plus attributes.
    {
      name: 'SQS: a body of 1 MiB arrives, one byte over fails naming the limit',
      pipeline: 'kinesis-to-sqs',
      records: () => [
        [kinesis('s'.repeat(MiB)), delivered()],
        [
          kinesis('s'.repeat(MiB + 1)),
          failed(
            'InvalidEntry',
            /^message is 1048577 bytes \(body \+ attributes\), over the maximum message size of the queue, 1048576 bytes$/,
          ),
        ],
      ],
    },
    {
      name: 'SQS: message attributes count toward the 1 MiB (name + type + value)',
      pipeline: 'kinesis-to-sqs',
      // 'origin' + 'String' + 'kinesis': 19 bytes.
      convert: (record: KinesisStreamRecord) => ({
        body: kinesisText(record),
        messageAttributes: { origin: { DataType: 'String', StringValue: 'kinesis' } },
      }),
      records: () => [
        [kinesis('a'.repeat(MiB - 19)), delivered()],
        [
          kinesis('a'.repeat(MiB - 18)),
          failed(
            'InvalidEntry',
            /^message is 1048577 bytes \(body \+ attributes\), over the maximum message size of the queue/,
          ),
        ],
      ],
    },
    {
      name: 'SQS: two messages of 600 KB go in two requests (1 MiB per request)',
      pipeline: 'kinesis-to-sqs',
      requests: 2,
      records: () => [
        [kinesis('a'.repeat(600_000)), delivered()],
        [kinesis('b'.repeat(600_000)), delivered()],
      ],
    },
  ];

  it.each(RECORD_CASES)('$name', runRecordCase);
});

describe('bad input: records to the newer destinations (DynamoDB, EventBridge, SNS, CloudWatch)', () => {
  const POLICIES = ['retry', 'dead-letter', 'drop'] as const;
  /** The outcome of a poison record under each policy. */
  const poisonOutcome = (policy: Poison, code: string, reason: RegExp): Outcome =>
    policy === 'retry'
      ? failed(code, reason)
      : policy === 'dead-letter'
        ? deadLettered(code, reason)
        : dropped(code, reason);

  /** A DynamoDB item `{"id": id, "pad": "xx…"}` of exactly `bytes` as DynamoDB counts it (names + values). */
  const itemOf = (id: string, bytes: number) =>
    JSON.stringify({ id, pad: 'x'.repeat(bytes - 'id'.length - id.length - 'pad'.length) });
  /** An event detail of `bytes` that, with the function's Source and DetailType (23 bytes), makes an entry of `bytes + 23`. */
  const detailOf = (bytes: number) => JSON.stringify({ p: 'e'.repeat(bytes - '{"p":""}'.length) });
  const EVENT_LIMIT = 256 * 1024 - 1;
  const FUNCTION_EVENT_FIELDS = 'lambda-async-sink'.length + 'record'.length;
  const SNS_LIMIT = 256 * 1024;
  const datum = (fields: Record<string, unknown>) =>
    JSON.stringify({ MetricName: 'Latency', Unit: 'Milliseconds', ...fields });
  /** A datum whose JSON is over CloudWatch's 1 MB request limit (2,000 dimensions of 500 characters). */
  const hugeDatum = () =>
    datum({
      Value: 1,
      Dimensions: Array.from({ length: 2_000 }, (_, i) => ({ Name: `d${i}`, Value: 'v'.repeat(500) })),
    });

  const NEWER_CASES: readonly RecordCase[] = [
    // DynamoDB: 400 KB per item, counted as DynamoDB counts it; key attributes from the options.
    {
      name: 'DynamoDB: an item of 400 KB as DynamoDB counts it arrives; one byte over fails naming the limit',
      pipeline: 'sqs-to-dynamodb',
      requests: 1,
      records: () => [
        [sqs(itemOf('at-limit', 400 * 1024)), delivered()],
        [
          sqs(itemOf(`over-${NOT_LOGGED}`, 400 * 1024 + 1)),
          failed(
            'InvalidEntry',
            /^item is 409601 bytes as DynamoDB counts it, over the item size limit of 409600 bytes \(400 KB\)$/,
          ),
        ],
      ],
    },
    {
      name: 'DynamoDB: an item over 400 KB alone fails before any request',
      pipeline: 'kinesis-to-dynamodb',
      requests: 0,
      records: () => [
        [
          kinesis(itemOf(`over-${NOT_LOGGED}`, 400 * 1024 + 1)),
          failed('InvalidEntry', /over the item size limit/),
        ],
      ],
    },
    ...POLICIES.map(
      (policy): RecordCase => ({
        name: `DynamoDB: an item without the key attribute, ${policy} policy: poison before any request, the others arrive`,
        pipeline: 'sqs-to-dynamodb',
        poison: policy,
        requests: 1,
        records: () => [
          [
            sqs(JSON.stringify({ name: NOT_LOGGED })),
            poisonOutcome(policy, 'InvalidEntry', /^key attribute id must be a string, number or binary$/),
          ],
          [sqs(JSON.stringify({ id: 'k1', n: 1 })), delivered()],
        ],
      }),
    ),
    {
      name: 'DynamoDB: with TABLE_PARTITION_KEY_TYPE, a key of another type is poison before any request, drop policy: dropped',
      pipeline: 'kinesis-to-dynamodb',
      env: { TABLE_PARTITION_KEY_TYPE: 'S' },
      poison: 'drop',
      requests: 1,
      records: () => [
        [
          kinesis(JSON.stringify({ id: 42, note: NOT_LOGGED })),
          dropped(
            'InvalidEntry',
            /^key attribute id must be a string, as in the table's key schema; it is a number$/,
          ),
        ],
        [kinesis(JSON.stringify({ id: '42' })), delivered()],
      ],
    },
    {
      name: 'DynamoDB: a number beyond 2^53 cannot be marshalled: that record fails, the others arrive',
      pipeline: 'kinesis-to-dynamodb',
      records: () => [
        [
          kinesis(`{"id":"${NOT_LOGGED}","n":12345678901234567890}`),
          failed('InvalidEntry', /MAX_SAFE_INTEGER/),
        ],
        [kinesis(JSON.stringify({ id: 'fine', n: 2 ** 53 - 1 })), delivered()],
      ],
    },
    {
      name: 'DynamoDB: a record that is not a JSON object fails alone (ConvertFailed), drop policy: dropped',
      pipeline: 'sqs-to-dynamodb',
      poison: 'drop',
      records: () => [
        [sqs(`[1, "${NOT_LOGGED}"]`), dropped('ConvertFailed', /the record is not a JSON object/)],
        [sqs(JSON.stringify({ id: 'k2' })), delivered()],
      ],
    },
    // EventBridge: under 256 KB per entry by its own formula; the detail must be a JSON object.
    {
      name: "EventBridge: an entry of 256 KB - 1 by EventBridge's formula arrives; one byte over fails naming the limit",
      pipeline: 'sqs-to-eventbridge',
      requests: 1,
      records: () => [
        [sqs(detailOf(EVENT_LIMIT - FUNCTION_EVENT_FIELDS)), delivered()],
        [
          sqs(detailOf(EVENT_LIMIT - FUNCTION_EVENT_FIELDS + 1).replace('eeee', NOT_LOGGED.slice(0, 4))),
          failed(
            'InvalidEntry',
            /^event is 262144 bytes by EventBridge's entry-size formula, over the limit of 262143 bytes \(less than 256 KB\)$/,
          ),
        ],
      ],
    },
    {
      name: 'EventBridge: an entry over the limit alone fails before any request',
      pipeline: 'kinesis-to-eventbridge',
      requests: 0,
      records: () => [
        [kinesis(detailOf(EVENT_LIMIT)), failed('InvalidEntry', /over the limit of 262143 bytes/)],
      ],
    },
    {
      name: 'EventBridge: text and non-UTF-8 data arrive wrapped as {"data": ...} (base64 when not UTF-8)',
      pipeline: 'kinesis-to-eventbridge',
      records: () => [
        [kinesis(NOT_UTF8), delivered()],
        [kinesis('plain text'), delivered()],
        [kinesis('[1,2]'), delivered()],
      ],
    },
    ...POLICIES.map(
      (policy): RecordCase => ({
        name: `EventBridge: convert returns a detail that is not a JSON object, ${policy} policy: poison before any request`,
        pipeline: 'sqs-to-eventbridge',
        poison: policy,
        requests: 1,
        convert: (record: SQSRecord) => ({ source: 'app', detailType: 'order', detail: record.body }),
        arrives: (record) => sourceBytes(record),
        records: () => [
          [
            sqs(`not json ${NOT_LOGGED}`),
            poisonOutcome(
              policy,
              'InvalidEntry',
              /^detail must be a JSON object \(EventBridge: MalformedDetail\)$/,
            ),
          ],
          [sqs('{"ok":true}'), delivered()],
        ],
      }),
    ),
    // SNS: the topic's MaximumMessageSize (256 KiB by default) bounds a message and a whole batch.
    {
      name: 'SNS: a message of 256 KiB arrives; one byte over fails naming the limit',
      pipeline: 'kinesis-to-sns',
      requests: 1,
      records: () => [
        [kinesis('s'.repeat(SNS_LIMIT)), delivered()],
        [
          kinesis(`${NOT_LOGGED}${'s'.repeat(SNS_LIMIT + 1 - NOT_LOGGED.length)}`),
          failed(
            'InvalidEntry',
            /^message is 262145 bytes \(message \+ attributes\), over the maximum message size of the topic, 262144 bytes$/,
          ),
        ],
      ],
    },
    {
      name: 'SNS: a message over the limit alone fails before any request',
      pipeline: 'sqs-to-sns',
      requests: 0,
      records: () => [
        [sqs('s'.repeat(SNS_LIMIT + 1)), failed('InvalidEntry', /over the maximum message size/)],
      ],
    },
    {
      name: 'SNS: two messages of 200 KB go in two requests (256 KiB per batch)',
      pipeline: 'sqs-to-sns',
      requests: 2,
      records: () => [
        [sqs('a'.repeat(200_000)), delivered()],
        [sqs('b'.repeat(200_000)), delivered()],
      ],
    },
    {
      name: 'SNS: non-UTF-8 Kinesis data arrives as base64',
      pipeline: 'kinesis-to-sns',
      records: () => [
        [kinesis(NOT_UTF8), delivered()],
        [kinesis(EVERY_BYTE), delivered()],
      ],
    },
    ...POLICIES.map(
      (policy): RecordCase => ({
        name: `SNS: an empty message, ${policy} policy: poison before any request, the others arrive`,
        pipeline: 'kinesis-to-sns',
        poison: policy,
        requests: 1,
        records: () => [
          [kinesis(''), poisonOutcome(policy, 'InvalidEntry', /^message must be a non-empty string$/)],
          [kinesis('x'), delivered()],
        ],
      }),
    ),
    // CloudWatch: 1,000 data and 1 MB per request; each datum checked as PutMetricData would.
    {
      name: 'CloudWatch: a datum over the 1 MB request limit alone fails before any request',
      pipeline: 'sqs-to-cloudwatch',
      requests: 0,
      records: () => [
        [
          sqs(hugeDatum()),
          failed('InvalidEntry', /^datum is \d+ bytes of JSON, over the request limit of \d+ bytes$/),
        ],
      ],
    },
    {
      name: 'CloudWatch: 1,500 data go in two requests (1,000 per request)',
      pipeline: 'kinesis-to-cloudwatch',
      requests: 2,
      records: () =>
        Array.from({ length: 1_500 }, (_, i) => [kinesis(datum({ Value: i })), delivered()] as const),
    },
    ...POLICIES.map(
      (policy): RecordCase => ({
        name: `CloudWatch: a Value that is not a number, ${policy} policy: poison before any request, the others arrive`,
        pipeline: 'sqs-to-cloudwatch',
        poison: policy,
        requests: 1,
        records: () => [
          [
            sqs(datum({ Value: NOT_LOGGED })),
            poisonOutcome(policy, 'InvalidEntry', /^Value must be a finite number within ±2\^360$/),
          ],
          [
            sqs(datum({ Unit: 'Parsecs', Value: 1 })),
            poisonOutcome(policy, 'InvalidEntry', /^Unit Parsecs is not a CloudWatch unit$/),
          ],
          [sqs(datum({ Value: 3 })), delivered()],
        ],
      }),
    ),
  ];

  it.each(NEWER_CASES)('$name', runRecordCase);
});

describe('bad input: environment configuration fails at cold start, naming the variable', () => {
  const ENVIRONMENT_CASES: readonly {
    name: string;
    pipeline: FunctionName;
    env: Record<string, string>;
    variable: string;
    message: RegExp;
  }[] = [
    {
      name: 'STREAM_NAME missing',
      pipeline: 'sqs-to-kinesis',
      env: {},
      variable: 'STREAM_NAME',
      message: /Environment variable STREAM_NAME is missing: set it to the name of the destination Kinesis/,
    },
    {
      name: 'STREAM_NAME not a stream name',
      pipeline: 'sqs-to-kinesis',
      env: { STREAM_NAME: 'my stream' },
      variable: 'STREAM_NAME',
      message: /Environment variable STREAM_NAME is invalid: streamName must be 1 to 128 of/,
    },
    {
      name: 'DELIVERY_STREAM_NAME missing',
      pipeline: 'kinesis-to-firehose',
      env: {},
      variable: 'DELIVERY_STREAM_NAME',
      message: /Environment variable DELIVERY_STREAM_NAME is missing/,
    },
    {
      name: 'QUEUE_URL missing',
      pipeline: 'kinesis-to-sqs',
      env: {},
      variable: 'QUEUE_URL',
      message: /Environment variable QUEUE_URL is missing/,
    },
    {
      name: 'QUEUE_URL not a queue URL',
      pipeline: 'kinesis-to-sqs',
      env: { QUEUE_URL: 'records' },
      variable: 'QUEUE_URL',
      message: /Environment variable QUEUE_URL is invalid: queueUrl must be the queue's URL/,
    },
    ...['0', '1001', 'ten', '2.5'].map((value) => ({
      name: `MAX_IN_FLIGHT_REQUESTS=${value}`,
      pipeline: 'sqs-to-kinesis' as const,
      env: { STREAM_NAME: 'records', MAX_IN_FLIGHT_REQUESTS: value },
      variable: 'MAX_IN_FLIGHT_REQUESTS',
      message: /Environment variable MAX_IN_FLIGHT_REQUESTS must be an integer from 1 to 1000/,
    })),
    {
      name: 'MAX_ATTEMPTS=0',
      pipeline: 'sqs-to-firehose',
      env: { DELIVERY_STREAM_NAME: 'records', MAX_ATTEMPTS: '0' },
      variable: 'MAX_ATTEMPTS',
      message: /Environment variable MAX_ATTEMPTS must be an integer from 1 to 100/,
    },
    {
      name: 'POISON_POLICY=dead-letter without DEAD_LETTER_QUEUE_URL',
      pipeline: 'sqs-to-kinesis',
      env: { STREAM_NAME: 'records', POISON_POLICY: 'dead-letter' },
      variable: 'DEAD_LETTER_QUEUE_URL',
      message: /Environment variable DEAD_LETTER_QUEUE_URL is missing: POISON_POLICY=dead-letter needs/,
    },
    {
      name: 'DEAD_LETTER_QUEUE_URL not a queue URL',
      pipeline: 'sqs-to-kinesis',
      env: { STREAM_NAME: 'records', POISON_POLICY: 'dead-letter', DEAD_LETTER_QUEUE_URL: 'poison' },
      variable: 'DEAD_LETTER_QUEUE_URL',
      message: /Environment variable DEAD_LETTER_QUEUE_URL is invalid/,
    },
    {
      name: 'POISON_POLICY not a policy',
      pipeline: 'kinesis-to-sqs',
      env: { QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', POISON_POLICY: 'discard' },
      variable: 'POISON_POLICY',
      message: /Environment variable POISON_POLICY must be one of retry, dead-letter, drop; got "discard"/,
    },
    {
      name: 'LOG_PAYLOADS not a boolean',
      pipeline: 'kinesis-to-firehose',
      env: { DELIVERY_STREAM_NAME: 'records', LOG_PAYLOADS: 'yes' },
      variable: 'LOG_PAYLOADS',
      message: /Environment variable LOG_PAYLOADS must be true or false; got "yes"/,
    },
    {
      name: 'no AWS region',
      pipeline: 'sqs-to-kinesis',
      env: { STREAM_NAME: 'records', AWS_REGION: '', AWS_DEFAULT_REGION: '' },
      variable: 'AWS_REGION',
      message:
        /Environment variable AWS_REGION is missing: No AWS region: set the AWS_REGION environment variable/,
    },
  ];

  it.each(ENVIRONMENT_CASES)('$name', async ({ pipeline, env, variable, message }) => {
    const loading = importFunction(pipeline, env);

    await expect(loading).rejects.toThrow(message);
    await expect(loading).rejects.toMatchObject({ name: 'ConfigurationError', variable });
  });
});

describe('bad input: the destination refuses every call', () => {
  const ERROR_CASES: readonly {
    name: string;
    pipeline: FunctionName;
    error: ServiceError | 'missing';
    code: string;
  }[] = [
    {
      name: 'Kinesis stream not found',
      pipeline: 'sqs-to-kinesis',
      error: 'missing',
      code: 'ResourceNotFoundException',
    },
    {
      name: 'Firehose stream not found',
      pipeline: 'kinesis-to-firehose',
      error: 'missing',
      code: 'ResourceNotFoundException',
    },
    { name: 'SQS queue not found', pipeline: 'kinesis-to-sqs', error: 'missing', code: 'QueueDoesNotExist' },
    {
      name: 'DynamoDB table not found',
      pipeline: 'sqs-to-dynamodb',
      error: 'missing',
      code: 'ResourceNotFoundException',
    },
    { name: 'SNS topic not found', pipeline: 'kinesis-to-sns', error: 'missing', code: 'NotFoundException' },
    // PutEvents answers a missing bus with an EventId per entry and drops the events, as AWS does:
    // only the destination's DescribeEventBus before its first PutEvents can tell.
    {
      name: 'EventBridge event bus not found',
      pipeline: 'sqs-to-eventbridge',
      error: 'missing',
      code: 'ResourceNotFoundException',
    },
    {
      name: 'Kinesis access denied',
      pipeline: 'sqs-to-kinesis',
      error: SERVICE_ERRORS.kinesisAccessDenied,
      code: 'AccessDeniedException',
    },
    {
      name: 'Firehose access denied',
      pipeline: 'sqs-to-firehose',
      error: SERVICE_ERRORS.firehoseAccessDenied,
      code: 'AccessDeniedException',
    },
    {
      name: 'SQS access denied',
      pipeline: 'kinesis-to-sqs',
      error: SERVICE_ERRORS.sqsAccessDenied,
      code: 'AccessDenied',
    },
    {
      name: 'Kinesis KMS key disabled',
      pipeline: 'sqs-to-kinesis',
      error: SERVICE_ERRORS.kinesisKmsDisabled,
      code: 'KMSDisabledException',
    },
    {
      name: 'Kinesis KMS access denied',
      pipeline: 'sqs-to-kinesis',
      error: SERVICE_ERRORS.kinesisKmsAccessDenied,
      code: 'KMSAccessDeniedException',
    },
    {
      name: 'Firehose KMS key unusable',
      pipeline: 'kinesis-to-firehose',
      error: SERVICE_ERRORS.firehoseInvalidKmsResource,
      code: 'InvalidKMSResourceException',
    },
    {
      name: 'SQS KMS key disabled',
      pipeline: 'kinesis-to-sqs',
      error: SERVICE_ERRORS.sqsKmsDisabled,
      code: 'KmsDisabled',
    },
    {
      name: 'SQS KMS access denied',
      pipeline: 'kinesis-to-sqs',
      error: SERVICE_ERRORS.sqsKmsAccessDenied,
      code: 'KmsAccessDenied',
    },
  ];

  it.each(ERROR_CASES)(
    '$name: sending stops at once and every record is reported, even under the drop policy',
    async ({ pipeline, error, code }) => {
      // Arrange
      const kind = destinationKindOf(pipeline);
      const target = await freshTarget(harness.services, kind, error === 'missing');
      const stub = error === 'missing' ? undefined : await startErrorStub({ error });
      const endpointVariable = `AWS_ENDPOINT_URL_${kind.toUpperCase()}`;
      const { handler } = await build(pipeline, {
        target,
        poison: 'drop',
        env: stub === undefined ? {} : { [endpointVariable]: stub.endpoint },
      });
      // A JSON object with a key attribute, which every destination takes.
      const payload = (index: number) => JSON.stringify({ id: `record-${index}` });
      const records: SourceRecord[] = pipeline.startsWith('sqs')
        ? Array.from({ length: 30 }, (_, index) => sqs(payload(index)))
        : Array.from({ length: 30 }, (_, index) => kinesis(payload(index)));

      // Act
      const { response, thrown } = await invoke(handler, eventOf(records)).finally(() => stub?.close());

      // Assert: the invocation fails, so the event source backs off and retries every record.
      expect(thrown?.name).toBe('WholeBatchFailedError');
      expect(thrown?.message).toMatch(/All 30 records of the batch failed \(SendingStopped: 30\)/);
      expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
        records.map(recordId),
      );
      const summary = onlySummary();
      expect(summary).toMatchObject({
        records: 30,
        failed: 30,
        failedByReason: { SendingStopped: 30 },
        poison: { found: 0, dropped: 0 },
      });
      expect(String(summary.fatalError)).toMatch(new RegExp(`^${code}: `));
      for (const line of summary.failures as { code: string; reason: string }[]) {
        expect(line.code).toBe('SendingStopped');
        expect(line.reason).toMatch(new RegExp(`^sending stopped by a fatal error from \\S+: ${code}: `));
      }
      if (stub !== undefined) expect(stub.errorsAnswered()).toBe(1);
      expect(await target.read()).toEqual([]);
    },
  );

  it('DynamoDB: a key of another type than the table in every record stops sending, dropping nothing under the drop policy', async () => {
    // Arrange: the table's key id is a string; every record's id is a number.
    const target = await freshTarget(harness.services, 'dynamodb');
    const { handler } = await build('sqs-to-dynamodb', { target, poison: 'drop' });
    const records = Array.from({ length: 30 }, (_, index) => sqs(JSON.stringify({ id: index, n: index })));

    // Act
    const { response, thrown } = await invoke(handler, sqsEvent(records));

    // Assert: a configuration error, not 30 poison records to drop.
    expect(thrown?.name).toBe('WholeBatchFailedError');
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      records.map(recordId),
    );
    const summary = onlySummary();
    expect(summary).toMatchObject({ records: 30, failed: 30, poison: { found: 0, dropped: 0 } });
    expect(String(summary.fatalError)).toMatch(/^KeySchemaMismatch: DynamoDB refuses the key/);
    expect(await target.read()).toEqual([]);
  });

  it('KMS throttling is retried, not fatal: every record arrives', async () => {
    const target = await freshTarget(harness.services, 'kinesis');
    const stub = await startErrorStub({
      error: SERVICE_ERRORS.kinesisKmsThrottling,
      times: 2,
      upstream: harness.services.kinesis.endpoint,
    });
    const { handler } = await build('sqs-to-kinesis', {
      target,
      env: { AWS_ENDPOINT_URL_KINESIS: stub.endpoint },
    });
    const records = Array.from({ length: 20 }, (_, index) => sqs(`record-${index}`));

    const { response, thrown } = await invoke(handler, sqsEvent(records)).finally(() => stub.close());

    expect(thrown).toBeUndefined();
    expect(stub.errorsAnswered()).toBe(2);
    expectAccountedFor(
      records.map((record) => ({ id: record.messageId, arrives: sourceBytes(record), outcome: delivered() })),
      {
        reported: response.batchItemFailures.map((failure) => failure.itemIdentifier),
        arrived: await target.read(),
        deadLetters: [],
        summary: onlySummary(),
      },
    );
    expect(onlySummary()).toMatchObject({ throttles: 2 });
  });

  it('a dead-letter queue that does not exist: the poison record stays reported, with both reasons', async () => {
    const target = await freshTarget(harness.services, 'kinesis');
    const missingQueue = await freshTarget(harness.services, 'sqs', true);
    const handler = await importFunction('sqs-to-kinesis', {
      ...target.env,
      PARTITION_KEY_FIELD: 'key',
      POISON_POLICY: 'dead-letter',
      DEAD_LETTER_QUEUE_URL: missingQueue.address,
      AWS_ENDPOINT_URL_SQS: harness.services.sqs.endpoint,
    });
    const poison = sqs(bodyWithKey(KEY_257));
    const good = sqs('good');

    const { response } = await invoke(handler, sqsEvent([poison, good]));

    expectAccountedFor(
      [
        {
          id: poison.messageId,
          arrives: sourceBytes(poison),
          outcome: failed(
            'InvalidEntry',
            /it has 257; the dead-letter send failed: SendingStopped: sending stopped by a fatal error from \S+: QueueDoesNotExist: /,
          ),
        },
        { id: good.messageId, arrives: sourceBytes(good), outcome: delivered() },
      ],
      {
        reported: response.batchItemFailures.map((failure) => failure.itemIdentifier),
        arrived: await target.read(),
        deadLetters: [],
        summary: onlySummary(),
      },
    );
  });
});

describe('bad input: a batch of 10,000 records', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: harness.services.kinesis.endpoint, seed: 10_000 });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('every record is accounted for: arrived, reported after failed entries, or invalid', async () => {
    // Arrange: 1 % of entries fail once and are not retried; every 1,000th record has a key too long.
    const target = await freshTarget(harness.services, 'kinesis');
    const handler = await importFunction('sqs-to-kinesis', {
      ...target.env,
      AWS_ENDPOINT_URL_KINESIS: proxy.endpoint,
      PARTITION_KEY_FIELD: 'key',
      MAX_ATTEMPTS: '1',
    });
    proxy.setFaults({ entryFailureRate: 0.01, entryThrottleShare: 0.5 });
    const records = Array.from({ length: 10_000 }, (_, index) =>
      sqs(index % 1_000 === 999 ? bodyWithKey(KEY_257) : JSON.stringify({ key: `k${index % 97}`, n: index })),
    );

    // Act
    const { response, thrown } = await invoke(handler, sqsEvent(records));

    // Assert
    expect(thrown).toBeUndefined();
    const arrived = await target.read();
    const reported = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const arrivedBodies = new Set(arrived.map((item) => item.data.toString('utf8')));
    expect(arrived).toHaveLength(arrivedBodies.size);
    for (const record of records) {
      // Exactly one of the two, for every record.
      expect(reported.has(record.messageId) !== arrivedBodies.has(record.body)).toBe(true);
    }
    expect(arrived.length + reported.size).toBe(10_000);
    const summary = onlySummary();
    expect(summary).toMatchObject({ records: 10_000, done: arrived.length, failed: reported.size });
    const failedByReason = summary.failedByReason as Record<string, number>;
    expect(failedByReason.InvalidEntry).toBe(10);
    expect(failedByReason.RetriesExhausted).toBeGreaterThan(0);
    expect(failedByReason.InvalidEntry + failedByReason.RetriesExhausted).toBe(reported.size);
    expect(summary.requests).toBeGreaterThanOrEqual(20);
  });
});
