import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  booleanVariable,
  ConfigurationError,
  integerVariable,
  readTuning,
  requiredString,
  tuningOptions,
} from '../../functions/config.js';
import { type FunctionName, importFunction } from './function-harness.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readTuning', () => {
  it('fills in the defaults when nothing is set', () => {
    expect(readTuning({})).toEqual({
      maxInFlightRequests: 10,
      maxAttempts: 8,
      requestTimeoutMs: 10_000,
      poisonPolicy: 'retry',
      deadLetterQueueUrl: undefined,
      throwOnFullBatchFailure: true,
      ordered: undefined,
      logPayloads: false,
    });
  });

  it('reads every variable', () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const tuning = readTuning({
      MAX_IN_FLIGHT_REQUESTS: '4',
      MAX_ATTEMPTS: '3',
      REQUEST_TIMEOUT_MS: '2500',
      POISON_POLICY: 'dead-letter',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/poison',
      THROW_ON_FULL_BATCH_FAILURE: 'FALSE',
      ORDERED: 'true',
      LOG_PAYLOADS: 'true',
    });

    expect(tuning).toEqual({
      maxInFlightRequests: 4,
      maxAttempts: 3,
      requestTimeoutMs: 2500,
      poisonPolicy: 'dead-letter',
      deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/poison',
      throwOnFullBatchFailure: false,
      ordered: true,
      logPayloads: true,
    });
    const options = tuningOptions(tuning);
    expect(options.deadLetterDestination?.name).toBe('sqs:poison');
    expect(options.ordered).toBe(true);
  });

  it.each([
    ['MAX_IN_FLIGHT_REQUESTS', '0', /MAX_IN_FLIGHT_REQUESTS must be an integer from 1 to 1000; got "0"/],
    ['MAX_IN_FLIGHT_REQUESTS', 'ten', /MAX_IN_FLIGHT_REQUESTS must be an integer/],
    ['MAX_ATTEMPTS', '1.5', /MAX_ATTEMPTS must be an integer from 1 to 100/],
    ['REQUEST_TIMEOUT_MS', '5', /REQUEST_TIMEOUT_MS must be an integer from 10 to 900000/],
    ['POISON_POLICY', 'ignore', /POISON_POLICY must be one of retry, dead-letter, drop; got "ignore"/],
    ['POISON_POLICY', 'dead-letter', /DEAD_LETTER_QUEUE_URL is missing/],
    ['THROW_ON_FULL_BATCH_FAILURE', 'yes', /THROW_ON_FULL_BATCH_FAILURE must be true or false; got "yes"/],
    ['ORDERED', '1', /ORDERED must be true or false/],
    ['LOG_PAYLOADS', 'on', /LOG_PAYLOADS must be true or false/],
  ])('refuses %s=%s with a message naming it', (variable, value, message) => {
    const read = () => readTuning({ [variable]: value });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(message);
  });

  it('names DEAD_LETTER_QUEUE_URL when it is not a queue URL', () => {
    const tuning = readTuning({
      POISON_POLICY: 'dead-letter',
      DEAD_LETTER_QUEUE_URL: 'not a url',
      AWS_REGION: 'us-east-1',
    });

    expect(() => tuningOptions(tuning)).toThrow(
      /DEAD_LETTER_QUEUE_URL is invalid: queueUrl must be the queue's URL/,
    );
  });
});

describe('variable readers', () => {
  it('treat an empty or blank variable as unset', () => {
    expect(integerVariable({ MAX_ATTEMPTS: '  ' }, 'MAX_ATTEMPTS', 5, 1, 10)).toBe(5);
    expect(booleanVariable({ ORDERED: '' }, 'ORDERED', true)).toBe(true);
    expect(() => requiredString({ QUEUE_URL: ' ' }, 'QUEUE_URL', 'a URL')).toThrow(
      'Environment variable QUEUE_URL is missing: set it to a URL',
    );
  });
});

describe('cold start', () => {
  const cases: [FunctionName, Record<string, string>, string, RegExp][] = [
    ['sqs-to-kinesis', {}, 'STREAM_NAME', /STREAM_NAME is missing/],
    [
      'sqs-to-kinesis',
      { STREAM_NAME: 'bad name!' },
      'STREAM_NAME',
      /STREAM_NAME is invalid: streamName must be/,
    ],
    ['sqs-to-firehose', {}, 'DELIVERY_STREAM_NAME', /DELIVERY_STREAM_NAME is missing/],
    [
      'sqs-to-firehose',
      { DELIVERY_STREAM_NAME: 's', APPEND_NEWLINE: 'no' },
      'APPEND_NEWLINE',
      /APPEND_NEWLINE must be true or false/,
    ],
    [
      'sqs-to-kinesis',
      { STREAM_NAME: 's', SHARD_RATE_LIMIT: 'on' },
      'SHARD_RATE_LIMIT',
      /SHARD_RATE_LIMIT must be one of.*off.*retry.*defer/,
    ],
    [
      'sqs-to-kinesis',
      { STREAM_NAME: 's', SHARD_RATE_LIMIT: 'retry', SHARD_MAX_WAIT_MS: '-5' },
      'SHARD_MAX_WAIT_MS',
      /SHARD_MAX_WAIT_MS must be/,
    ],
    [
      'dynamodb-to-kinesis',
      { STREAM_NAME: 's', SHARD_MAX_WAIT_MS: '250' },
      'SHARD_MAX_WAIT_MS',
      /SHARD_MAX_WAIT_MS applies only to per-shard pacing: set SHARD_RATE_LIMIT/,
    ],
    [
      'sqs-to-kinesis',
      { STREAM_NAME: 's', KPL_AGGREGATION: 'yes' },
      'KPL_AGGREGATION',
      /KPL_AGGREGATION must be true or false/,
    ],
    ['kinesis-to-sqs', {}, 'QUEUE_URL', /QUEUE_URL is missing/],
    ['kinesis-to-sqs', { QUEUE_URL: 'queue' }, 'QUEUE_URL', /QUEUE_URL is invalid/],
    [
      'kinesis-to-firehose',
      { DELIVERY_STREAM_NAME: 's', MAX_ATTEMPTS: '0' },
      'MAX_ATTEMPTS',
      /MAX_ATTEMPTS must be/,
    ],
    [
      'kinesis-to-firehose',
      { DELIVERY_STREAM_NAME: 's', POISON_POLICY: 'dead-letter' },
      'DEAD_LETTER_QUEUE_URL',
      /DEAD_LETTER_QUEUE_URL is missing/,
    ],
  ];

  it.each(cases)('%s fails to load with %o, naming %s', async (name, env, variable, message) => {
    const loading = importFunction(name, env);

    await expect(loading).rejects.toThrow(message);
    await expect(loading).rejects.toMatchObject({ name: 'ConfigurationError', variable });
  });

  it('names AWS_REGION when no region is set', async () => {
    const loading = importFunction('sqs-to-kinesis', { STREAM_NAME: 'orders', AWS_REGION: '' });

    await expect(loading).rejects.toMatchObject({
      variable: 'AWS_REGION',
      message: expect.stringMatching(/AWS_REGION/),
    });
  });

  it.each([
    ['sqs-to-kinesis', { STREAM_NAME: 'orders' }],
    ['sqs-to-kinesis', { STREAM_NAME: 'arn:aws:kinesis:us-east-1:123456789012:stream/orders' }],
    ['sqs-to-firehose', { DELIVERY_STREAM_NAME: 'orders' }],
    ['kinesis-to-sqs', { QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo' }],
    ['kinesis-to-firehose', { DELIVERY_STREAM_NAME: 'orders' }],
  ] as [FunctionName, Record<string, string>][])(
    '%s loads with %o and exports a handler',
    async (name, env) => {
      const handler = await importFunction(name, env);

      expect(typeof handler).toBe('function');
    },
  );
});
