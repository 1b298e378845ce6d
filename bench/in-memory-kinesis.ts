/**
 * A KinesisClient whose requests never leave the process: a request handler that answers
 * `PutRecords` with a canned response of the right length. What remains is the SDK's own
 * work: serializing, signing, deserializing.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LOCAL } from './parameters.js';

/** The part of an HTTP request the handler reads. */
interface HttpRequestLike {
  readonly body?: unknown;
}

/** The body of a PutRecords answer accepting `count` records. */
export function putRecordsAnswer(count: number): string {
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({
      SequenceNumber: `49590338271490256608559692538361571095921575989136${String(i).padStart(6, '0')}`,
      ShardId: 'shardId-000000000000',
    });
  }
  return JSON.stringify({ FailedRecordCount: 0, Records: records });
}

/** Counts the records of a serialized PutRecords body without parsing it (Data is base64: no quotes inside). */
export function countRecords(body: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(KEY_FIELD); at !== -1; at = body.indexOf(KEY_FIELD, at + 1)) count++;
  return count;
}

const KEY_FIELD = Buffer.from('"PartitionKey"');

/** The request body as bytes, without copying: the SDK hands over a string or a Uint8Array. */
function bodyBytes(body: unknown): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  const bytes = body as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What the in-memory client saw. */
export interface InMemoryTraffic {
  requests: number;
}

/** A KinesisClient answering every PutRecords in memory, with the SDK's retries off. */
export function inMemoryKinesisClient(options: { readonly onRequest?: (body: Buffer) => void } = {}): {
  client: KinesisClient;
  traffic: InMemoryTraffic;
} {
  const answers = new Map<number, Uint8Array>();
  const traffic: InMemoryTraffic = { requests: 0 };
  const requestHandler = {
    async handle(request: HttpRequestLike) {
      traffic.requests++;
      const body = bodyBytes(request.body);
      options.onRequest?.(body);
      const count = countRecords(body);
      let answer = answers.get(count);
      if (!answer) {
        answer = Buffer.from(putRecordsAnswer(count));
        answers.set(count, answer);
      }
      return {
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'in-memory' },
          body: answer,
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  const client = new KinesisClient({
    region: LOCAL.region,
    credentials: { ...LOCAL.credentials },
    endpoint: 'http://in-memory.invalid',
    maxAttempts: 1,
    requestHandler,
  });
  return { client, traffic };
}
