import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { SinkConfigurationError } from '../../lib/core/errors.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { HandlerConfigurationError } from '../../lib/handler/handler-configuration-error.js';
import type { SinkHandlerOptions } from '../../lib/handler/handler-options.js';
import { FakeDestination, type FakeEntry } from './fake-destination.js';

const valid: SinkHandlerOptions<SQSRecord, FakeEntry> = {
  destination: new FakeDestination(),
  convert: (record) => ({ value: record.body }),
};

/** A destination as a plain object, as a user's own would be. */
function plainDestination(): Record<string, unknown> {
  const fake = new FakeDestination();
  return {
    name: fake.name,
    limits: fake.limits,
    send: fake.send.bind(fake),
    sizeOf: fake.sizeOf.bind(fake),
    invalidReason: fake.invalidReason.bind(fake),
    classifyError: fake.classifyError.bind(fake),
  };
}

/** {@link plainDestination} with one member missing. */
function destinationWithout(member: 'send' | 'sizeOf' | 'invalidReason' | 'classifyError' | 'limits') {
  const destination = plainDestination();
  delete destination[member];
  return destination;
}

describe('createSinkHandler options', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'my-stream'],
  ])('refuses %s for options at creation, naming what it needs', (_name, options) => {
    // Act
    const error = (() => {
      try {
        createSinkHandler(options as never);
      } catch (thrown) {
        return thrown;
      }
    })();

    // Assert
    expect(error).toBeInstanceOf(HandlerConfigurationError);
    expect(error).toMatchObject({
      option: 'options',
      message: 'createSinkHandler needs an options object with destination and convert',
    });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a missing destination', { destination: undefined }, 'destination', /destination must be a Destination/],
    ['a convert that is not a function', { convert: 'body' }, 'convert', /convert must be a function/],
    [
      'an unknown poison policy',
      { poisonPolicy: 'ignore' },
      'poisonPolicy',
      /retry, dead-letter, drop; got "ignore"/,
    ],
    [
      'dead-letter without a destination',
      { poisonPolicy: 'dead-letter' },
      'deadLetterDestination',
      /needs deadLetterDestination/,
    ],
    [
      'a dead-letter destination without the policy',
      { deadLetterDestination: new FakeDestination() },
      'deadLetterDestination',
      /only used with poisonPolicy 'dead-letter'/,
    ],
    ['an unknown source', { source: 'sns' }, 'source', /source must be one of sqs, kinesis, dynamodb/],
    [
      'a non-boolean flag',
      { throwOnFullBatchFailure: 'yes' },
      'throwOnFullBatchFailure',
      /must be true or false/,
    ],
    ['a negative margin', { safetyMarginMs: -1 }, 'safetyMarginMs', /integer from 0 to 60000 \(ms\); got -1/],
    ['a non-boolean ordered', { ordered: 'yes' }, 'ordered', /ordered must be true or false/],
    ['a non-boolean deaggregate', { deaggregate: 'no' }, 'deaggregate', /deaggregate must be true or false/],
    [
      'a negative early timeout',
      { timeoutEarlyInMillis: -5 },
      'timeoutEarlyInMillis',
      /timeoutEarlyInMillis must be/,
    ],
    ['a non-boolean logPayloads', { logPayloads: 1 }, 'logPayloads', /logPayloads must be true or false/],
    ['a destination that is a string', { destination: 'my-stream' }, 'destination', /must be a Destination/],
    ['a null destination', { destination: null }, 'destination', /must be a Destination/],
    ...(['send', 'sizeOf', 'invalidReason', 'classifyError', 'limits'] as const).map(
      (member) =>
        [
          `a destination without ${member}`,
          { destination: destinationWithout(member) },
          'destination',
          /must be a Destination/,
        ] as [string, Record<string, unknown>, string, RegExp],
    ),
  ])('refuse %s at creation, naming the option', (_name, override, option, message) => {
    const create = () =>
      createSinkHandler({ ...valid, ...(override as object) } as SinkHandlerOptions<SQSRecord, FakeEntry>);

    expect(create).toThrow(HandlerConfigurationError);
    expect(create).toThrow(message);
    try {
      create();
    } catch (error) {
      expect((error as HandlerConfigurationError).option).toBe(option);
    }
  });

  it('refuses a sink option out of range at creation', () => {
    expect(() => createSinkHandler({ ...valid, maxInFlightRequests: 0 })).toThrow(SinkConfigurationError);
    expect(() => createSinkHandler({ ...valid, maxAttempts: 1.5 })).toThrow(/maxAttempts must be an integer/);
  });

  it('takes a destination written as a plain object', () => {
    // Arrange
    const destination = plainDestination();

    // Act
    const handler = createSinkHandler({ ...valid, destination } as unknown as SinkHandlerOptions<
      SQSRecord,
      FakeEntry
    >);

    // Assert
    expect(typeof handler).toBe('function');
  });

  it('returns a middy handler', () => {
    const handler = createSinkHandler(valid);

    expect(typeof handler).toBe('function');
    expect(typeof handler.use).toBe('function');
  });
});
