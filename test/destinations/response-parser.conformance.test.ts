/**
 * The `SendMessageBatch` success parser of the SQS destination's own client against the
 * SDK's own deserializer: for random successful answers (every optional member, empty and
 * absent lists, astral characters, escapes, members the schema does not know, bodies split
 * into random chunks) the result the client resolves with is the same either way; every
 * other answer is read by the SDK. The SDK is the reference: an SDK upgrade that reads
 * answers differently fails here, not in production.
 */
import { Readable } from 'node:stream';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replacedSdkMiddleware } from '../../lib/destinations/sdk-middleware.js';
import {
  sendMessageBatchResultOf,
  withSendMessageBatchParser,
} from '../../lib/destinations/sqs-batch-response.js';

const RUNS = 500;

interface CannedAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Where the body is cut into chunks, as fractions of its length. */
  readonly cuts: readonly number[];
}

/** A request handler that answers with the next canned answer, its body as a stream in chunks. */
function cannedHandler(answers: CannedAnswer[]) {
  return {
    async handle() {
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no canned answer left');
      const bytes = Buffer.from(answer.body, 'utf8');
      const cuts = [...new Set(answer.cuts.map((cut) => Math.floor(cut * bytes.length)))].sort(
        (a, b) => a - b,
      );
      const chunks: Buffer[] = [];
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        if (cut > from) chunks.push(bytes.subarray(from, cut));
        from = Math.max(from, cut);
      }
      // The SDK tells a response by its shape (HttpResponse.isInstance), as the handler's is made.
      const response = {
        statusCode: answer.statusCode,
        headers: { ...answer.headers },
        body: Readable.from(chunks),
      };
      return { response };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

function clients(answer: CannedAnswer) {
  const config = {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    useQueueUrlAsEndpoint: false,
    // The SDK's MD5 check would fail random answers: only the deserializers are compared.
    md5: false as const,
  };
  const sdk = new SQSClient({ ...config, requestHandler: cannedHandler([answer]) });
  const own = withSendMessageBatchParser(
    new SQSClient({ ...config, cacheMiddleware: true, requestHandler: cannedHandler([answer]) }),
  );
  return { sdk, own };
}

async function settle(client: SQSClient): Promise<{ value?: unknown; error?: unknown }> {
  const command = new SendMessageBatchCommand({ QueueUrl: 'http://127.0.0.1:1/000000000000/q', Entries: [] });
  try {
    return { value: await client.send(command) };
  } catch (error) {
    return { error };
  }
}

/** What an error shows a caller: its class, name, message, fault and metadata. */
function errorView(error: unknown) {
  const e = error as Error & { $fault?: unknown; $metadata?: unknown; SenderFault?: unknown };
  return {
    type: e.constructor.name,
    name: e.name,
    message: e.message,
    fault: e.$fault,
    metadata: e.$metadata,
  };
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
/** An optional member: absent, null (which the SDK skips) or a value. */
const optional = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(fc.constant(undefined), fc.constant(null), arbitrary);
const unknownMembers = fc.dictionary(
  fc.constantFrom('Extra', 'MessageBody', 'Other'),
  fc.oneof(text, fc.integer(), fc.boolean()),
  { maxKeys: 2 },
);
const successEntry = fc.record(
  {
    Id: text,
    MessageId: text,
    MD5OfMessageBody: text,
    MD5OfMessageAttributes: optional(text),
    MD5OfMessageSystemAttributes: optional(text),
    SequenceNumber: optional(fc.stringMatching(/^\d{1,20}$/)),
  },
  { requiredKeys: ['Id', 'MessageId', 'MD5OfMessageBody'] },
);
const failedEntry = fc.record(
  { Id: text, SenderFault: fc.boolean(), Code: text, Message: optional(text) },
  { requiredKeys: ['Id', 'SenderFault', 'Code'] },
);
const withUnknown = <T extends object>(entry: fc.Arbitrary<T>) =>
  fc.tuple(entry, unknownMembers).map(([known, unknown]) => ({ ...unknown, ...known }));
const successfulAnswer = fc
  .record(
    {
      Successful: fc.oneof(fc.constant(null), fc.array(withUnknown(successEntry), { maxLength: 10 })),
      Failed: fc.oneof(fc.constant(null), fc.array(withUnknown(failedEntry), { maxLength: 10 })),
      Unknown: text,
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));
const headers = fc.record(
  {
    'x-amzn-requestid': fc.uuid(),
    'x-amz-id-2': fc.string({ minLength: 1, maxLength: 20 }),
    'content-type': fc.constant('application/x-amz-json-1.0'),
  },
  { requiredKeys: [] },
);
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });

describe('the SendMessageBatch success parser against the SDK deserializer', () => {
  it('reads random successful answers to the same result', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(successfulAnswer, headers, cuts, async (body, answerHeaders, bodyCuts) => {
        // Arrange
        const { sdk, own } = clients({ statusCode: 200, headers: answerHeaders, body, cuts: bodyCuts });

        // Act
        const [expected, actual] = await Promise.all([settle(sdk), settle(own)]);

        // Assert
        expect(expected.error).toBeUndefined();
        expect(actual).toEqual(expected);
        // The parser itself read it, not the SDK after it declined.
        expect(sendMessageBatchResultOf(Buffer.from(body))).toBeDefined();
        if (body.includes('"Id"')) nonEmpty++;
      }),
      { numRuns: RUNS },
    );
    expect(nonEmpty).toBeGreaterThan(RUNS / 2);
  });

  it.each([
    [
      'an error status',
      400,
      '{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}',
    ],
    ['a throttle', 400, '{"__type":"com.amazonaws.sqs#RequestThrottled","message":"slow down"}'],
    ['a server error', 500, '{"__type":"InternalFailure","message":"oops"}'],
    ['a 200 with a __type', 200, '{"__type":"Odd","Successful":[],"Extra":1}'],
    ['a 200 with an entry with a __type', 200, '{"Successful":[{"Id":"0","__type":"x","Extra":1}]}'],
    ['a 200 whose list is no list', 200, '{"Successful":{"Id":"0"}}'],
    ['a 200 that is not JSON', 200, '<html>proxy</html>'],
    ['a 200 with an empty body', 200, ''],
    ['a 201', 201, '{"Successful":[]}'],
  ])('leaves %s to the SDK, with the same result or error', async (_name, statusCode, body) => {
    // Arrange
    const answer = { statusCode, headers: { 'x-amzn-requestid': 'r-1' }, body, cuts: [0.5] };
    const { sdk, own } = clients(answer);

    // Act
    const [expected, actual] = await Promise.all([settle(sdk), settle(own)]);

    // Assert
    if (expected.error === undefined) {
      expect(actual).toEqual(expected);
    } else {
      expect(actual.error).toBeDefined();
      expect(errorView(actual.error)).toEqual(errorView(expected.error));
    }
  });

  it('declines the shapes it leaves to the SDK', () => {
    // Arrange
    const declined = ['{"__type":"x"}', '{"Failed":[null]}', '[1]', 'not json', '{"Successful":"0"}'];

    // Act
    const results = declined.map((body) => sendMessageBatchResultOf(Buffer.from(body)));

    // Assert
    expect(results).toEqual(declined.map(() => undefined));
  });

  it('is installed by name on the client it is given, and nowhere else', () => {
    // Arrange
    const plain = new SQSClient({ region: 'us-east-1' });

    // Act
    const parsed = withSendMessageBatchParser(new SQSClient({ region: 'us-east-1' }));

    // Assert
    expect(replacedSdkMiddleware(parsed)).toEqual(['deserializerMiddleware']);
    expect(replacedSdkMiddleware(plain)).toEqual([]);
  });
});
