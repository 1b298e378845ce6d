import type { DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { HandlerConfigurationError } from '../../lib/handler/handler-configuration-error.js';
import { encodeAggregatedRecord } from '../../lib/kpl/index.js';
import type { DynamoDBStreamRecord } from '../../lib/sources/dynamodb.js';
import { lambdaContext } from '../factories/context.js';
import { dynamoDBEvent, dynamoDBRecord } from '../factories/dynamodb.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { FakeDeadLetterQueue, FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

// A value no log, reason or summary may ever show.
const SECRET = 'card-4111-1111-1111-1111';
const Order = z.object({ id: z.string(), amount: z.number().positive() });
type Order = z.output<typeof Order>;

const good = { id: 'order-1', amount: 5 };
// Refused: amount is a string (the secret), and negative quantities are not the point here.
const refused = { id: 'order-2', amount: SECRET };
const fast = {
  initialBackoffMs: 1,
  maxBackoffMs: 2,
  maxAttempts: 2,
  throwOnFullBatchFailure: false,
} as const;

type AnyEvent = SQSEvent | KinesisStreamEvent | DynamoDBStreamEvent;
interface SourceCase {
  readonly source: 'sqs' | 'kinesis' | 'dynamodb';
  /** A batch of: a valid record, one the schema refuses, one that cannot be decoded. */
  readonly batch: () => { event: AnyEvent; ids: string[] };
}

const text = (value: string) => new TextEncoder().encode(value);

const sources: SourceCase[] = [
  {
    source: 'sqs',
    batch: () => {
      const records = [
        sqsRecord({ body: JSON.stringify(good) }),
        sqsRecord({ body: JSON.stringify(refused) }),
        sqsRecord({ body: `{"id": "${SECRET}"` }),
      ];
      return { event: sqsEvent(records), ids: records.map((record) => record.messageId) };
    },
  },
  {
    source: 'kinesis',
    batch: () => {
      const records = [
        // The valid one is KPL-aggregated: each user record is checked on its own.
        kinesisRecord({
          partitionKey: 'a',
          data: encodeAggregatedRecord([
            { partitionKey: 'a', data: text(JSON.stringify(good)) },
            { partitionKey: 'b', data: text(JSON.stringify({ ...good, id: 'order-1b' })) },
          ]),
        }),
        kinesisRecord({ data: JSON.stringify(refused) }),
        kinesisRecord({ data: `not json ${SECRET}` }),
      ];
      return { event: kinesisEvent(records), ids: records.map((record) => record.kinesis.sequenceNumber) };
    },
  },
  {
    source: 'dynamodb',
    batch: () => {
      const undecodable = dynamoDBRecord({ keys: { id: 'order-3' } });
      // An attribute value of no DynamoDB type: util-dynamodb cannot unmarshall it.
      const broken = {
        ...undecodable,
        dynamodb: { ...undecodable.dynamodb, NewImage: { id: { S: 'order-3' }, amount: { Q: SECRET } } },
      } as unknown as DynamoDBStreamRecord;
      const records = [
        dynamoDBRecord({ keys: { id: 'order-1' }, newImage: good }),
        dynamoDBRecord({ eventName: 'MODIFY', keys: { id: 'order-2' }, newImage: refused }),
        broken,
      ];
      return { event: dynamoDBEvent(records), ids: records.map((record) => record.dynamodb.SequenceNumber) };
    },
  },
];

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

function orderHandler(
  source: SourceCase['source'],
  destination: FakeDestination,
  options: {
    poisonPolicy?: 'retry' | 'drop' | 'dead-letter';
    deadLetterDestination?: FakeDeadLetterQueue;
  } = {},
) {
  // The handler's record type follows `source`; the event is the test's own, of that source.
  const handler = createSinkHandler({
    destination,
    schema: Order,
    source,
    convert: (order: Order): FakeEntry => ({ key: order.id, value: `${order.id}:${order.amount}` }),
    ...fast,
    ...options,
  });
  return (event: AnyEvent) =>
    (
      handler as (
        event: AnyEvent,
        context: unknown,
      ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>
    )(event, lambdaContext());
}

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe.each(sources)('a schema on a $source source', ({ source, batch }) => {
  it('retry (the default) reports the refused and the undecodable record, and sends the valid one', async () => {
    const destination = new FakeDestination();
    const { event, ids } = batch();

    const response = await orderHandler(source, destination)(event);

    expect(failedIds(response)).toEqual([ids[1], ids[2]]);
    expect(destination.acceptedValues()).toEqual(
      source === 'kinesis' ? ['order-1:5', 'order-1b:5'] : ['order-1:5'],
    );
    expect(output.summaries()[0]).toMatchObject({
      failedByReason: { SchemaRejected: 1, DecodeFailed: 1 },
      poison: { policy: 'retry', found: 2 },
    });
    expect(output.all()).not.toContain(SECRET);
  });

  it('drop counts both done and logs their reasons without the payload', async () => {
    const destination = new FakeDestination();
    const { event } = batch();

    const response = await orderHandler(source, destination, { poisonPolicy: 'drop' })(event);

    expect(failedIds(response)).toEqual([]);
    expect(output.summaries()[0]).toMatchObject({ poison: { policy: 'drop', found: 2, dropped: 2 } });
    expect(output.all()).toMatch(/amount: Invalid input: expected number, received string/);
    expect(output.all()).not.toContain(SECRET);
  });

  it('dead-letter sends both with the issues as the reason, then counts them done', async () => {
    const deadLetters = new FakeDeadLetterQueue();
    const { event, ids } = batch();

    const response = await orderHandler(source, new FakeDestination(), {
      poisonPolicy: 'dead-letter',
      deadLetterDestination: deadLetters,
    })(event);

    expect(failedIds(response)).toEqual([]);
    const letters = deadLetters.letters();
    expect(letters.map((letter) => [letter.recordId, letter.failure.code])).toEqual([
      [ids[1], 'SchemaRejected'],
      [ids[2], 'DecodeFailed'],
    ]);
    expect(letters[0].failure.reason).toBe(
      'the schema refused the record: amount: Invalid input: expected number, received string',
    );
    expect(letters.map((letter) => letter.failure.reason).join('\n')).not.toContain(SECRET);
    expect(output.all()).not.toContain(SECRET);
  });
});

describe('a schema', () => {
  it('types convert from the schema output and the record from source', async () => {
    const destination = new FakeDestination();
    const Shouting = z
      .object({ word: z.string() })
      .transform((value) => ({ loud: value.word.toUpperCase() }));
    const handler = createSinkHandler({
      destination,
      schema: Shouting,
      source: 'sqs',
      convert: (value, record): FakeEntry => {
        // @ts-expect-error: the schema's output has `loud`, not its input's `word`.
        void value.word;
        const sqs: SQSRecord = record;
        return { key: sqs.messageId, value: value.loud };
      },
    });

    await handler(sqsEvent([sqsRecord({ body: '{"word":"hi"}' })]), lambdaContext());

    expect(destination.acceptedValues()).toEqual(['HI']);
  });

  it('awaits an async validator, and a refusal from it is poison too', async () => {
    const destination = new FakeDestination();
    const known = new Set(['order-1']);
    const KnownOrder = Order.refine(async (order) => known.has(order.id), {
      message: 'unknown order',
      path: ['id'],
    });
    const records = [
      sqsRecord({ body: JSON.stringify(good) }),
      sqsRecord({ body: JSON.stringify({ id: 'order-9', amount: 1 }) }),
    ];
    const deadLetters = new FakeDeadLetterQueue();
    const handler = createSinkHandler({
      destination,
      schema: KnownOrder,
      source: 'sqs',
      convert: (order): FakeEntry => ({ value: order.id }),
      poisonPolicy: 'dead-letter',
      deadLetterDestination: deadLetters,
      ...fast,
    });

    const response = await handler(sqsEvent(records), lambdaContext());

    expect(failedIds(response)).toEqual([]);
    expect(destination.acceptedValues()).toEqual(['order-1']);
    expect(deadLetters.letters().map((letter) => letter.failure)).toEqual([
      { code: 'SchemaRejected', reason: 'the schema refused the record: id: unknown order' },
    ]);
  });

  it('works with valibot, whose messages quote the refused value: the value is cut out', async () => {
    const ValibotOrder = v.object({ id: v.string(), amount: v.number() });
    const deadLetters = new FakeDeadLetterQueue();
    const destination = new FakeDestination();
    const handler = createSinkHandler({
      destination,
      schema: ValibotOrder,
      source: 'kinesis',
      convert: (order): FakeEntry => ({ value: `${order.id}:${order.amount.toFixed(0)}` }),
      poisonPolicy: 'dead-letter',
      deadLetterDestination: deadLetters,
      ...fast,
    });

    await handler(
      kinesisEvent([
        kinesisRecord({ data: JSON.stringify(good) }),
        kinesisRecord({ data: JSON.stringify(refused) }),
      ]),
      lambdaContext(),
    );

    expect(destination.acceptedValues()).toEqual(['order-1:5']);
    expect(deadLetters.letters()[0].failure.reason).toBe(
      'the schema refused the record: amount: Invalid type: Expected number but received <value>',
    );
    expect(output.all()).not.toContain(SECRET);
  });

  it('lists at most five issues and cuts a refused value that a library quotes out of the message', async () => {
    const quoting = {
      '~standard': {
        version: 1 as const,
        vendor: 'quoting',
        validate: (value: unknown) => ({
          issues: [
            { message: `Expected number but received "${(value as { a: string }).a}"`, path: ['a'] },
            { message: 'Expected 3 but received 7', path: [{ key: 'list' }, 0] },
            ...['c', 'd', 'e', 'f', 'g'].map((key) => ({ message: 'missing', path: [key] })),
          ],
        }),
      },
    };
    const deadLetters = new FakeDeadLetterQueue();
    const handler = createSinkHandler({
      destination: new FakeDestination(),
      schema: quoting,
      convert: (): FakeEntry => ({ value: 'never' }),
      poisonPolicy: 'dead-letter',
      deadLetterDestination: deadLetters,
      ...fast,
    });

    await handler(sqsEvent([sqsRecord({ body: JSON.stringify({ a: SECRET, list: [7] }) })]), lambdaContext());

    expect(deadLetters.letters()[0].failure.reason).toBe(
      'the schema refused the record: a: Expected number but received <value>; list[0]: Expected 3 but received <value>; c: missing; d: missing; e: missing; and 2 more',
    );
  });

  it('on a REMOVE checks the old image, and on a keys-only stream the keys', async () => {
    const destination = new FakeDestination();
    const Keyed = z.object({ id: z.string() });
    const removed = dynamoDBRecord({
      eventName: 'REMOVE',
      keys: { id: 'a' },
      oldImage: { id: 'a', amount: 1 },
    });
    const keysOnly = dynamoDBRecord({ eventName: 'MODIFY', keys: { id: 'b' } });
    const { NewImage: _new, OldImage: _old, ...keysOnlyStream } = keysOnly.dynamodb;
    const handler = createSinkHandler({
      destination,
      schema: Keyed.passthrough(),
      source: 'dynamodb',
      convert: (item, record): FakeEntry => ({ value: `${record.eventName}:${JSON.stringify(item)}` }),
      ...fast,
    });

    await handler(
      dynamoDBEvent([removed, { ...keysOnly, dynamodb: { ...keysOnlyStream, StreamViewType: 'KEYS_ONLY' } }]),
      lambdaContext(),
    );

    expect(destination.acceptedValues()).toEqual(['REMOVE:{"id":"a","amount":1}', 'MODIFY:{"id":"b"}']);
  });

  it('refuses at creation what is not a Standard Schema', () => {
    const create = () =>
      // @ts-expect-error: a plain object is not a Standard Schema (no overload matches).
      createSinkHandler({
        destination: new FakeDestination(),
        schema: { parse: () => 1 },
        convert: (): FakeEntry => ({ value: 'x' }),
      });

    expect(create).toThrow(HandlerConfigurationError);
    expect(create).toThrow(/schema must implement Standard Schema v1/);
  });
});
