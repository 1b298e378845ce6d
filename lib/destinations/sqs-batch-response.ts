/**
 * The `SendMessageBatch` answer the SQS destination's own client reads itself when it is a
 * plain success (HTTP 200): `JSON.parse` and the members the SDK's schema names, instead
 * of the SDK's schema walk over a copy of the client's whole configuration (about 30 µs
 * per request). Anything else (another status, another operation, a body that is not the
 * expected shape) goes to the SDK's own deserializer, which also reads every error.
 * test/destinations/response-parser.conformance.test.ts proves for thousands of random
 * answers that the result equals the SDK's; `responseParser: 'sdk'` turns this off.
 */
import { Buffer } from 'node:buffer';
import type { SendMessageBatchResult } from '@aws-sdk/client-sqs';
import { type AnyMiddleware, type ClientWithStack, replaceSdkMiddleware } from './sdk-middleware.js';

/** Who reads a successful batch answer: the destination (`'built'`) or the SDK's deserializer (`'sdk'`). */
export type ResponseParserMode = 'built' | 'sdk';

/** The response parser modes, as data. */
export const RESPONSE_PARSER_MODES: readonly ResponseParserMode[] = ['built', 'sdk'];

/** The members of the result's structures, in the SDK schema's order (client-sqs, `SendMessageBatchResult`). */
const RESULT_MEMBERS = {
  successful: [
    'Id',
    'MessageId',
    'MD5OfMessageBody',
    'MD5OfMessageAttributes',
    'MD5OfMessageSystemAttributes',
    'SequenceNumber',
  ],
  failed: ['Id', 'SenderFault', 'Code', 'Message'],
} as const;

/** The smithy context key under which the SDK keeps the operation's name. */
const SMITHY_CONTEXT = '__smithy_context';

interface RawResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

function isRawResponse(response: unknown): response is RawResponse {
  return (
    typeof response === 'object' &&
    response !== null &&
    typeof (response as RawResponse).statusCode === 'number' &&
    typeof (response as RawResponse).headers === 'object'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A list of result entries with only the schema's members that are present and not null,
 * as the SDK reads a structure; `undefined` when the SDK would read it differently (a
 * member that is not a list of objects, or an entry with `__type`, whose unknown members
 * the SDK keeps).
 */
function entriesOf(value: unknown, members: readonly string[]): object[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const entries: object[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const raw: unknown = value[i];
    if (!isPlainObject(raw) || '__type' in raw) return undefined;
    const entry: Record<string, unknown> = {};
    for (const member of members) {
      const memberValue = raw[member];
      if (memberValue != null) entry[member] = memberValue;
    }
    entries[i] = entry;
  }
  return entries;
}

/** A successful answer's members; either list may be absent, as the SDK reads an answer without it. */
export type SendMessageBatchAnswer = Partial<Omit<SendMessageBatchResult, '$metadata'>>;

/**
 * The result of a successful `SendMessageBatch` answer's body, as the SDK's deserializer
 * reads it, without `$metadata`; `undefined` when this parser does not handle its shape.
 */
export function sendMessageBatchResultOf(body: Uint8Array): SendMessageBatchAnswer | undefined {
  if (body.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed) || '__type' in parsed) return undefined;
  const result: { Successful?: object[]; Failed?: object[] } = {};
  if (parsed.Successful != null) {
    const successful = entriesOf(parsed.Successful, RESULT_MEMBERS.successful);
    if (successful === undefined) return undefined;
    result.Successful = successful;
  }
  if (parsed.Failed != null) {
    const failed = entriesOf(parsed.Failed, RESULT_MEMBERS.failed);
    if (failed === undefined) return undefined;
    result.Failed = failed;
  }
  // The entries hold the schema's members as the answer gave them, as the SDK's do.
  return result as SendMessageBatchAnswer;
}

/** The whole body of a response, from the stream the SDK's HTTP handler hands over or as bytes. */
function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return Promise.resolve(body);
  if (typeof body === 'string') return Promise.resolve(Buffer.from(body, 'utf8'));
  if (body == null) return Promise.resolve(new Uint8Array(0));
  const stream = body as NodeJS.ReadableStream;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  });
}

/** `$metadata` as the SDK's protocol writes it for an answer (its retry middleware adds the attempts). */
function metadataOf(response: RawResponse): Record<string, unknown> {
  const { headers } = response;
  return {
    httpStatusCode: response.statusCode,
    requestId: headers['x-amzn-requestid'] ?? headers['x-amzn-request-id'] ?? headers['x-amz-request-id'],
    extendedRequestId: headers['x-amz-id-2'],
    cfId: headers['x-amz-cf-id'],
  };
}

function operationOf(context: Record<string | symbol, unknown>): unknown {
  return (context[SMITHY_CONTEXT] as { operation?: unknown } | undefined)?.operation;
}

/** Reads plain successful `SendMessageBatch` answers itself; hands everything else to the SDK's deserializer. */
function successParser(sdkDeserializer: AnyMiddleware): AnyMiddleware {
  return (next, context) => {
    if (operationOf(context) !== 'SendMessageBatch') return sdkDeserializer(next, context);
    return async (args) => {
      const result = await next(args);
      const { response } = result;
      const sdk = () => sdkDeserializer(async () => result, context)(args);
      if (!isRawResponse(response) || response.statusCode !== 200) return sdk();
      const body = await bodyBytes(response.body);
      const output = sendMessageBatchResultOf(body);
      if (output === undefined) {
        // The body was read: the SDK reads the same bytes.
        response.body = body;
        return sdk();
      }
      for (const name in response.headers) {
        const lower = name.toLowerCase();
        if (lower === name) continue;
        // As the SDK's protocol does with a successful answer's headers.
        response.headers[lower] = response.headers[name];
        delete response.headers[name];
      }
      return { response, output: { ...output, $metadata: metadataOf(response) } };
    };
  };
}

/**
 * Makes a client the SQS destination created itself read plain successful
 * `SendMessageBatch` answers with {@link sendMessageBatchResultOf}. Other operations sent
 * through the same client, and every other answer, keep the SDK's deserializer.
 */
export function withSendMessageBatchParser<Client extends ClientWithStack>(client: Client): Client {
  replaceSdkMiddleware(client, 'deserializerMiddleware', successParser);
  return client;
}
