import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerConfigurationError } from '../../lib/handler/handler-configuration-error.js';
import type { SinkHandlerOptions } from '../../lib/handler/handler-options.js';
import { RecordRejectedError } from '../../lib/handler/record-rejected-error.js';
import {
  convertWithSchema,
  decodeForSchema,
  describeIssues,
  withSchemaApplied,
} from '../../lib/handler/schema-conversion.js';
import type { SourceRecord } from '../../lib/sources/source-event.js';
import { dynamoDBRecord } from '../factories/dynamodb.js';
import { kinesisRecord } from '../factories/kinesis.js';
import { sqsRecord } from '../factories/sqs.js';
import { FakeDestination, type FakeEntry } from './fake-destination.js';

/** What `act` threw. */
function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

const base = { destination: new FakeDestination(), convert: () => ({ value: 'v' }) };

describe('withSchemaApplied', () => {
  it('gives options without a schema back as they are, for the option checks to judge', () => {
    // Arrange
    const withUndefinedSchema = { ...base, schema: undefined } as unknown as SinkHandlerOptions<
      SQSRecord,
      FakeEntry
    >;

    // Act
    const results = [undefined, null, 'options', withUndefinedSchema].map((options) =>
      withSchemaApplied(options as never),
    );

    // Assert
    expect(results).toEqual([undefined, null, 'options', withUndefinedSchema]);
    expect(results[3]).toBe(withUndefinedSchema);
  });

  it.each([
    ['a null schema', { schema: null }, 'schema', /schema must implement Standard Schema v1/],
    [
      'a schema without convert',
      { schema: z.object({}), convert: undefined },
      'convert',
      /^convert must be a function from the checked value to entries$/,
    ],
  ])('refuses %s, naming the option', (_name, override, option, message) => {
    // Act
    const error = thrown(() => withSchemaApplied({ ...base, ...override } as never));

    // Assert
    expect(error).toBeInstanceOf(HandlerConfigurationError);
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toMatch(message);
  });
});

describe('convertWithSchema', () => {
  it('stays synchronous for a synchronous schema and convert', () => {
    // Arrange
    const convert = convertWithSchema(z.object({ id: z.string() }), (value: { id: string }) => ({
      value: value.id,
    }));

    // Act
    const conversion = convert(sqsRecord({ body: '{"id":"a"}' }) as SourceRecord);

    // Assert
    expect(conversion).toEqual({ value: 'a' });
  });
});

describe('decodeForSchema', () => {
  const reasonOf = (record: unknown) => {
    const error = thrown(() => decodeForSchema(record as SourceRecord));
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({ failureCode: 'DecodeFailed' });
    return (error as Error).message;
  };

  it.each([
    ['cut short', '{"id":', 'the body is not JSON (it ends too soon)'],
    ['with a stray character', '{"ident":12,}', 'the body is not JSON (unexpected character at position 12)'],
    ['that is a word', 'hello', 'the body is not JSON (malformed)'],
  ])('says how an SQS body %s is not JSON, quoting none of it', (_name, body, reason) => {
    // Act
    const message = reasonOf(sqsRecord({ body }));

    // Assert
    expect(message).toBe(reason);
  });

  it('says that Kinesis data is not JSON, or not UTF-8', () => {
    // Arrange
    const notJson = kinesisRecord({ data: '{"id":' });
    const notUtf8 = kinesisRecord({ data: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });

    // Act
    const reasons = [reasonOf(notJson), reasonOf(notUtf8)];

    // Assert
    expect(reasons).toEqual(['the data is not JSON (it ends too soon)', 'the data is not UTF-8']);
  });

  it('says a DynamoDB image cannot be unmarshalled, quoting none of it', () => {
    // Arrange: an attribute of a type DynamoDB does not have.
    const record = dynamoDBRecord();
    const broken = { ...record, dynamodb: { ...record.dynamodb, NewImage: { pk: { Z: 'secret' } } } };

    // Act
    const message = reasonOf(broken);

    // Assert
    expect(message).toBe('the image holds an attribute value that cannot be unmarshalled');
  });

  it('refuses a record of no known source', () => {
    // Act
    const message = reasonOf({ something: 'else' });

    // Assert
    expect(message).toBe('a record of no known source');
  });
});

describe('describeIssues', () => {
  it('writes paths with dots and indexes, object segments too, and (root) for none', () => {
    // Arrange
    const issues = [
      { message: 'bad', path: ['items', 0, { key: 'name' }] },
      { message: 'bad', path: [] },
      { message: 'bad' },
    ];

    // Act
    const text = describeIssues(issues, {});

    // Assert
    expect(text).toBe('items[0].name: bad; (root): bad; (root): bad');
  });

  it('lists five issues without a tail, and counts those past five', () => {
    // Arrange
    const issue = (i: number) => ({ message: `bad ${i}`, path: [`f${i}`] });

    // Act
    const five = describeIssues([0, 1, 2, 3, 4].map(issue), {});
    const seven = describeIssues([0, 1, 2, 3, 4, 5, 6].map(issue), {});

    // Assert
    expect(five).toBe('f0: bad 0; f1: bad 1; f2: bad 2; f3: bad 3; f4: bad 4');
    expect(seven).toBe('f0: bad 0; f1: bad 1; f2: bad 2; f3: bad 3; f4: bad 4; and 2 more');
  });

  it('leaves a message alone when the field is missing or not a scalar', () => {
    // Arrange
    const issues = [
      { message: 'Invalid input: expected string, received undefined', path: ['missing'] },
      { message: 'expected a string, not [object Object]', path: ['object'] },
    ];

    // Act
    const text = describeIssues(issues, { object: { id: 1 } });

    // Assert
    expect(text).toBe(
      'missing: Invalid input: expected string, received undefined; object: expected a string, not [object Object]',
    );
  });

  it('takes a path that runs past the value, and an issue without a message', () => {
    // Arrange
    const issues = [
      { message: 'missing', path: ['a', 'b'] },
      { message: 'null', path: ['n', 'b'] },
      { message: undefined as unknown as string, path: ['a'] },
    ];

    // Act
    const text = describeIssues(issues, { n: null });

    // Assert
    expect(text).toBe('a.b: missing; n.b: null; a: (no message)');
  });

  it('describes a path with a null segment, which Standard Schema does not allow, instead of throwing', () => {
    // Arrange
    const issues = [{ message: 'bad', path: [null as unknown as PropertyKey] }];

    // Act
    const text = describeIssues(issues, {});

    // Assert
    expect(text).toBe('null: bad');
  });

  it.each([
    ['a number, every time it appears', 12.5, 'got 12.5, and 12.5 again', 'got <value>, and <value> again'],
    ['a bigint', 12345n, 'got 12345n', 'got <value>'],
    ['a boolean', true, 'expected false, got true', 'expected false, got <value>'],
    ['a string of four characters, bare', 'abcd', 'abcd is not allowed', '<value> is not allowed'],
    ['a string of three, only when quoted', 'abc', 'abc is not "abc"', 'abc is not <value>'],
    ['a string of words, even where it touches a word', 'ab cd', 'got ab cdx', 'got <value>x'],
  ])('cuts %s out of the message', (_name, value, message, expected) => {
    // Act
    const text = describeIssues([{ message, path: ['field'] }], { field: value });

    // Assert
    expect(text).toBe(`field: ${expected}`);
  });
});
