import { describe, expect, it } from 'vitest';
import { PipelineConfigurationError } from '../../cdk/pipeline-configuration-error.js';
import { ConfigurationError } from '../../functions/config.js';
import { AsyncSinkError, OptionError, SinkConfigurationError } from '../../lib/core/errors.js';
import { optionChecks } from '../../lib/core/option-checks.js';
import { DestinationConfigurationError } from '../../lib/destinations/destination-configuration-error.js';
import { MalformedResponseError } from '../../lib/destinations/malformed-response-error.js';
import { HandlerConfigurationError } from '../../lib/handler/handler-configuration-error.js';
import { HandlerTimeoutError } from '../../lib/handler/handler-timeout-error.js';
import { RecordRejectedError } from '../../lib/handler/record-rejected-error.js';
import { WholeBatchFailedError } from '../../lib/handler/whole-batch-failed-error.js';
import { KplFormatError } from '../../lib/kpl/kpl-format-error.js';
import { ProtobufWireError } from '../../lib/kpl/protobuf-wire.js';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';

const check = optionChecks((option, message) => new SinkConfigurationError(option, message));

function failureOf(act: () => unknown): SinkConfigurationError {
  try {
    act();
  } catch (error) {
    return error as SinkConfigurationError;
  }
  throw new Error('expected the check to throw');
}

describe('optionChecks', () => {
  it.each([
    [
      'a number out of range',
      () => check.number('n', 11, { min: 1, max: 10 }),
      'n must be a number from 1 to 10; got 11',
    ],
    [
      'a fraction where an integer is needed',
      () => check.number('n', 1.5, { min: 1, max: 10, integer: true }),
      'n must be an integer from 1 to 10; got 1.5',
    ],
    [
      'not a number, shown as given',
      () => check.number('N', Number.NaN, { min: 0, max: 5, integer: true, unit: 'ms' }, 'ten'),
      'N must be an integer from 0 to 5 (ms); got "ten"',
    ],
    [
      'a number in a string, which is not coerced',
      () => check.number('n', '5', { min: 1, max: 10 }),
      'n must be a number from 1 to 10; got "5"',
    ],
    [
      'infinity',
      () => check.number('n', Number.POSITIVE_INFINITY, { min: 0, max: Number.MAX_VALUE }),
      'n must be a number from 0 to 1.7976931348623157e+308; got Infinity',
    ],
    ['a string for a boolean', () => check.boolean('b', 'yes'), 'b must be true or false; got "yes"'],
    [
      'a value not among the choices',
      () => check.oneOf('p', 'discard', ['retry', 'drop']),
      'p must be one of retry, drop; got "discard"',
    ],
    [
      'a string not matching',
      () => check.matching('s', 'a b', /^\S+$/, 'one word'),
      's must be one word; got "a b"',
    ],
    [
      'undefined for a string',
      () => check.matching('s', undefined, /^\S+$/, 'one word'),
      's must be one word; got undefined',
    ],
  ])('rejects %s with the error the caller makes, naming the option', (_case, act, message) => {
    // Act
    const error = failureOf(act);

    // Assert
    expect(error).toBeInstanceOf(SinkConfigurationError);
    expect(error.option).toBe(message.split(' ')[0]);
    expect(error.message).toBe(message);
  });

  it('returns a value that passes', () => {
    // Act and assert
    expect(check.number('n', 10, { min: 1, max: 10, integer: true })).toBe(10);
    expect(check.boolean('b', false)).toBe(false);
    expect(check.oneOf('p', 'drop', ['retry', 'drop'])).toBe('drop');
    expect(check.matching('s', 'word', /^\S+$/, 'one word')).toBe('word');
  });
});

describe('AsyncSinkError', () => {
  const scope = { node: { path: 'Stack/Pipeline' } } as unknown as ConstructorParameters<
    typeof PipelineConfigurationError
  >[0];
  it.each([
    ['SinkConfigurationError', () => new SinkConfigurationError('maxAttempts', 'm'), 'SINK_CONFIGURATION'],
    [
      'DestinationConfigurationError',
      () => new DestinationConfigurationError('streamName', 'm'),
      'DESTINATION_CONFIGURATION',
    ],
    [
      'HandlerConfigurationError',
      () => new HandlerConfigurationError('convert', 'm'),
      'HANDLER_CONFIGURATION',
    ],
    ['ConfigurationError', () => new ConfigurationError('QUEUE_URL', 'm'), 'FUNCTION_CONFIGURATION'],
    [
      'PipelineConfigurationError',
      () => new PipelineConfigurationError(scope, 'm'),
      'PIPELINE_CONFIGURATION',
    ],
    [
      'WholeBatchFailedError',
      () => new WholeBatchFailedError({ batchItemFailures: [] }, {}),
      'FULL_BATCH_FAILURE',
    ],
    ['HandlerTimeoutError', () => new HandlerTimeoutError('m'), 'HANDLER_TIMEOUT'],
    ['MalformedEventError', () => new MalformedEventError('m'), 'MALFORMED_EVENT'],
    ['MalformedResponse', () => new MalformedResponseError('m'), 'MALFORMED_RESPONSE'],
    ['KplFormatError', () => new KplFormatError('m'), 'KPL_FORMAT'],
    ['ProtobufWireError', () => new ProtobufWireError('m'), 'PROTOBUF_WIRE'],
    ['RecordRejectedError', () => new RecordRejectedError('DecodeFailed', 'm'), 'RECORD_REJECTED'],
  ])('is the base of %s, with a literal name and a stable code', (name, make, code) => {
    // Act: made here, not when the table is built, so that each test sees the code as it is then.
    const error = make();

    // Assert
    expect(error).toBeInstanceOf(AsyncSinkError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });

  it('says how many records of the batch failed, per failure code', () => {
    // Arrange
    const batchResponse = {
      batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }, { itemIdentifier: 'c' }],
    };

    // Act
    const error = new WholeBatchFailedError(batchResponse, { RetriesExhausted: 2, DeadlineReached: 1 });

    // Assert
    expect(error.message).toBe(
      'All 3 records of the batch failed (RetriesExhausted: 2, DeadlineReached: 1); failing the invocation so that the event source backs off (throwOnFullBatchFailure)',
    );
    expect(error.batchResponse).toBe(batchResponse);
  });

  it('gives every configuration error the option at fault', () => {
    // Arrange
    const error = new ConfigurationError('QUEUE_URL', 'Environment variable QUEUE_URL is missing');

    // Assert
    expect(error).toBeInstanceOf(OptionError);
    expect(error.option).toBe('QUEUE_URL');
    expect(error.variable).toBe('QUEUE_URL');
  });
});
