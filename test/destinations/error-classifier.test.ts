import { InvalidKMSResourceException, ServiceUnavailableException } from '@aws-sdk/client-firehose';
import {
  AccessDeniedException,
  InvalidArgumentException,
  KMSDisabledException,
  KMSThrottlingException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { KmsThrottled, QueueDoesNotExist, RequestThrottled, SQSServiceException } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { POISON_ENTRY_CODES } from '../../lib/destinations/error-classifier.js';
import {
  classifyAwsError,
  FATAL_ERROR_CODES,
  failedEntryResult,
  kindOfErrorCode,
  THROTTLING_ERROR_CODES,
  TRANSIENT_ERROR_CODES,
} from '../../lib/destinations/index.js';
import { MalformedResponseError } from '../../lib/destinations/malformed-response-error.js';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

describe('classifyAwsError', () => {
  it.each([
    [
      'Kinesis ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ message: 'rate', ...metadata(400) }),
      'ProvisionedThroughputExceededException',
    ],
    [
      'Kinesis KMSThrottlingException',
      new KMSThrottlingException({ message: 'kms', ...metadata(400) }),
      'KMSThrottlingException',
    ],
    [
      'Firehose ServiceUnavailableException',
      new ServiceUnavailableException({ message: 'slow', ...metadata(503) }),
      'ServiceUnavailableException',
    ],
    ['SQS RequestThrottled', new RequestThrottled({ message: 'slow', ...metadata(400) }), 'RequestThrottled'],
    ['SQS KmsThrottled', new KmsThrottled({ message: 'kms', ...metadata(400) }), 'KmsThrottled'],
    ['an unmodelled ThrottlingException', named('ThrottlingException'), 'ThrottlingException'],
    ['LimitExceededException', named('LimitExceededException'), 'LimitExceededException'],
  ])('takes %s as retryable and throttled', (_, error, code) => {
    // Act
    const classification = classifyAwsError(error);

    // Assert
    expect(classification).toMatchObject({ kind: 'retryable', code, throttled: true });
  });

  it('takes HTTP 429 and a $retryable throttling trait as throttled', () => {
    // Arrange
    const tooMany = Object.assign(named('SomethingNew'), metadata(429));
    const trait = Object.assign(named('Whatever'), { $retryable: { throttling: true } });

    // Act / Assert
    expect(classifyAwsError(tooMany)).toMatchObject({ kind: 'retryable', throttled: true });
    expect(classifyAwsError(trait)).toMatchObject({ kind: 'retryable', throttled: true });
  });

  it.each([
    ['HTTP 413 with no known code', Object.assign(named('PayloadTooBig'), metadata(413)), 'PayloadTooBig'],
    [
      "AWS's RequestEntityTooLargeException",
      Object.assign(named('RequestEntityTooLargeException'), metadata(413)),
      'RequestEntityTooLargeException',
    ],
  ])('takes %s as throttled, so that requests shrink, not as fatal', (_, error, code) => {
    // Act
    const classification = classifyAwsError(error);

    // Assert
    expect(classification).toMatchObject({ kind: 'retryable', code, throttled: true });
  });

  it.each([
    ['InternalFailure 500', Object.assign(named('InternalFailure'), metadata(500)), 'InternalFailure'],
    [
      'ServiceUnavailable 503',
      Object.assign(named('ServiceUnavailable'), metadata(503)),
      'ServiceUnavailable',
    ],
    ['an unknown 502', Object.assign(named('BadGateway'), metadata(502)), 'BadGateway'],
    ['an HTTP 408 with no known code', Object.assign(named('ClientTimeout'), metadata(408)), 'ClientTimeout'],
    ['RequestTimeout 408', Object.assign(named('RequestTimeout'), metadata(408)), 'RequestTimeout'],
    ['ECONNRESET', systemError('ECONNRESET'), 'ECONNRESET'],
    ['ECONNREFUSED', systemError('ECONNREFUSED'), 'ECONNREFUSED'],
    ['EPIPE', systemError('EPIPE'), 'EPIPE'],
    ['ETIMEDOUT', systemError('ETIMEDOUT'), 'ETIMEDOUT'],
    ['socket hang up', systemError('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
    ['the HTTP handler timeout', named('TimeoutError'), 'TimeoutError'],
    ['an abort by the core', named('AbortError'), 'AbortError'],
    [
      'a response that does not match the request',
      new MalformedResponseError('3 for 4'),
      'MalformedResponse',
    ],
    ['the SQS client checksum error', new Error('Invalid MD5 checksum on messages: abc'), 'ChecksumMismatch'],
    [
      'an error with no status and an unknown name',
      named('SyntaxError', 'Unexpected end of JSON'),
      'SyntaxError',
    ],
    [
      'a network error wrapped in a cause',
      Object.assign(new Error('fetch failed'), { cause: systemError('ECONNRESET') }),
      'ECONNRESET',
    ],
  ])('takes %s as retryable, not throttled', (_, error, code) => {
    // Act
    const classification = classifyAwsError(error);

    // Assert
    expect(classification).toEqual({
      kind: 'retryable',
      code,
      message: expect.any(String),
      throttled: false,
    });
  });

  it.each([
    [
      'Kinesis AccessDeniedException',
      new AccessDeniedException({ message: 'no', ...metadata(400) }),
      'AccessDeniedException',
    ],
    [
      'Kinesis ResourceNotFoundException',
      new ResourceNotFoundException({ message: 'no', ...metadata(400) }),
      'ResourceNotFoundException',
    ],
    [
      'Kinesis InvalidArgumentException',
      new InvalidArgumentException({ message: 'no', ...metadata(400) }),
      'InvalidArgumentException',
    ],
    [
      'Kinesis KMSDisabledException',
      new KMSDisabledException({ message: 'no', ...metadata(400) }),
      'KMSDisabledException',
    ],
    [
      'Firehose InvalidKMSResourceException',
      new InvalidKMSResourceException({ message: 'no', ...metadata(400) }),
      'InvalidKMSResourceException',
    ],
    [
      'SQS QueueDoesNotExist',
      new QueueDoesNotExist({ message: 'no', ...metadata(400) }),
      'QueueDoesNotExist',
    ],
    ['an unknown 403', Object.assign(named('Forbidden'), metadata(403)), 'Forbidden'],
    [
      'ValidationException',
      Object.assign(named('ValidationException'), metadata(400)),
      'ValidationException',
    ],
  ])('takes %s as fatal', (_, error, code) => {
    // Act
    const classification = classifyAwsError(error);

    // Assert
    expect(classification).toEqual({ kind: 'fatal', code, message: expect.any(String) });
  });

  it("reads SQS's legacy query code when the name is unmodelled", () => {
    // Arrange: what the SQS client builds from an x-amzn-query-error header it has no class for.
    const error = new SQSServiceException({
      name: 'SomeNewName',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'The specified queue does not exist.',
    });
    Object.assign(error, { Code: 'AWS.SimpleQueueService.NonExistentQueue' });

    // Act
    const classification = classifyAwsError(error);

    // Assert
    expect(classification).toMatchObject({ kind: 'fatal', code: 'AWS.SimpleQueueService.NonExistentQueue' });
  });

  it('takes a thrown non-error as retryable with the code UnknownError', () => {
    expect(classifyAwsError('boom')).toEqual({
      kind: 'retryable',
      code: 'UnknownError',
      message: 'boom',
      throttled: false,
    });
  });
});

describe('failedEntryResult', () => {
  it.each([
    ['ProvisionedThroughputExceededException', { status: 'retryable', throttled: true }],
    ['ServiceUnavailableException', { status: 'retryable', throttled: true }],
    ['InternalFailure', { status: 'retryable', throttled: false }],
    ['SomethingNobodyDocumented', { status: 'retryable', throttled: false }],
    ['KMSAccessDeniedException', { status: 'fatal' }],
    ['KMSNotFoundException', { status: 'fatal' }],
  ])('maps the per-entry code %s', (code, expected) => {
    // Act
    const result = failedEntryResult(code, 'why');

    // Assert
    expect(result).toMatchObject({ ...expected, code, message: 'why' });
  });
});

describe('the code lists', () => {
  it('put no code on two lists', () => {
    // Arrange
    const lists = [THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, FATAL_ERROR_CODES];

    // Act
    const shared = lists.flatMap((list, i) =>
      [...list].filter((code) => lists.some((other, j) => j !== i && other.has(code))),
    );

    // Assert
    expect(shared).toEqual([]);
    expect(kindOfErrorCode('KMSThrottlingException')).toBe('throttled');
    expect(kindOfErrorCode('KMSDisabledException')).toBe('fatal');
    expect(kindOfErrorCode('ETIMEDOUT')).toBe('transient');
    expect(kindOfErrorCode('NotACode')).toBeUndefined();
  });

  it('take no permission, credential, KMS, missing-resource, throttling or service code for poison (DESIGN.md 12)', () => {
    // Arrange: what fixing the configuration or waiting fixes, by the words AWS codes use for it.
    const notContent =
      /Access|Denied|Auth|Token|Signature|Credential|Security|KMS|Kms|NotFound|NonExistent|DoesNotExist|Throttl|Limit|Internal|Unavailable|Timeout|Disabled|OptIn/;

    // Act
    const poisonNotContent = [...POISON_ENTRY_CODES].filter(
      (code) => notContent.test(code) || THROTTLING_ERROR_CODES.has(code) || TRANSIENT_ERROR_CODES.has(code),
    );

    // Assert
    expect(poisonNotContent).toEqual([]);
    expect(POISON_ENTRY_CODES.has('InvalidArgument')).toBe(true);
  });
});
