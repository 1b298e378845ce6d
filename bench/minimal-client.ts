/**
 * The minimal clients P6 sets the destinations against: a JSON body built with
 * `JSON.stringify` and `Buffer#toString('base64')`, signed with `@smithy/signature-v4`,
 * sent over a keep-alive `node:http` agent, and the answer read with `JSON.parse`. No
 * middleware, no retries, no endpoint rules: the least a correct client must do. Each is
 * wrapped as a destination with the real destination's limits, checks and response
 * mapping, so that the sink around it is the same and only the client differs.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import type { PutRecordBatchOutput } from '@aws-sdk/client-firehose';
import type { PutRecordsOutput } from '@aws-sdk/client-kinesis';
import type { SendMessageBatchResult } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Destination, EntryResult } from '../lib/core/types.js';
import {
  type FirehoseEntry,
  firehoseDestination,
  putRecordBatchResults,
} from '../lib/destinations/firehose.js';
import { type KinesisEntry, kinesisDestination, putRecordsResults } from '../lib/destinations/kinesis.js';
import { type SqsEntry, sendMessageBatchResults, sqsDestination } from '../lib/destinations/sqs.js';
import { md5Mismatches } from '../lib/destinations/sqs-batch-body.js';
import { LOCAL } from './parameters.js';

/** SHA-256 (or its HMAC) over node:crypto, in the shape signature-v4 asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac('sha256', key);
  }

  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** An error answer of the service, named by its `x-amzn-errortype` or `__type`. */
class ServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** One AWS JSON operation over HTTP/1.1 keep-alive. */
export class MinimalJsonClient {
  private readonly url: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  private readonly signer: SignatureV4;

  constructor(
    endpoint: string,
    service: string,
    private readonly target: string,
    private readonly contentType: string,
  ) {
    this.url = new URL(endpoint);
    this.signer = new SignatureV4({
      credentials: { ...LOCAL.credentials },
      region: LOCAL.region,
      service,
      sha256: NodeSha256,
    });
  }

  /** Sends `body`, resolves with the parsed answer, rejects with the service's error. */
  async call(body: string): Promise<unknown> {
    const { hostname, port, host } = this.url;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      query: {},
      headers: {
        host,
        'content-type': this.contentType,
        'x-amz-target': this.target,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    return new Promise((resolve, reject) => {
      const request = http.request(
        { agent: this.agent, method: 'POST', hostname, port, path: '/', headers: signed.headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
              if (response.statusCode === 200) return resolve(parsed);
              const type = String(response.headers['x-amzn-errortype'] ?? parsed.__type ?? 'UnknownError');
              reject(new ServiceError(type.split(':')[0], String(parsed.message ?? parsed.Message ?? '')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A destination and what to free when done. */
export interface MinimalDestination<Entry> {
  readonly destination: Destination<Entry>;
  close(): void;
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** What sets one operation's minimal client apart from another's. */
interface MinimalOperation<Entry, Output> {
  readonly endpoint: string;
  /** The signing name, e.g. `kinesis`. */
  readonly service: string;
  /** The `X-Amz-Target` header. */
  readonly target: string;
  /** AWS JSON 1.0 or 1.1. */
  readonly contentType: string;
  /** The real destination whose limits, checks and response mapping are kept. */
  readonly real: Destination<Entry> & { readonly client: { destroy(): void } };
  /** The request body, as the real destination's SDK call would send it. */
  body(entries: readonly Entry[]): string;
  /** The entry results, as the real destination maps them. */
  results(output: Output, entries: readonly Entry[]): EntryResult[];
}

/** One batch operation through the minimal client, wrapped as the real destination with only `send` replaced. */
function minimalDestination<Entry, Output>(
  operation: MinimalOperation<Entry, Output>,
): MinimalDestination<Entry> {
  const client = new MinimalJsonClient(
    operation.endpoint,
    operation.service,
    operation.target,
    operation.contentType,
  );
  // Only its limits, checks and mapping are used: its own client is not needed.
  operation.real.client.destroy();
  return {
    destination: {
      ...operation.real,
      async send(entries) {
        return operation.results((await client.call(operation.body(entries))) as Output, entries);
      },
    },
    close: () => client.close(),
  };
}

/** Kinesis `PutRecords` through the minimal client. */
export function minimalKinesis(endpoint: string): MinimalDestination<KinesisEntry> {
  return minimalDestination<KinesisEntry, PutRecordsOutput>({
    endpoint,
    service: 'kinesis',
    target: 'Kinesis_20131202.PutRecords',
    contentType: 'application/x-amz-json-1.1',
    real: kinesisDestination({ streamName: LOCAL.streamName, endpoint, region: LOCAL.region }),
    body: (entries) =>
      JSON.stringify({
        Records: entries.map((entry) => ({ Data: base64(entry.data), PartitionKey: entry.partitionKey })),
        StreamName: LOCAL.streamName,
      }),
    results: (output, entries) => putRecordsResults(output, entries.length),
  });
}

/** Firehose `PutRecordBatch` through the minimal client. */
export function minimalFirehose(
  endpoint: string,
  deliveryStreamName: string,
): MinimalDestination<FirehoseEntry> {
  return minimalDestination<FirehoseEntry, PutRecordBatchOutput>({
    endpoint,
    service: 'firehose',
    target: 'Firehose_20150804.PutRecordBatch',
    contentType: 'application/x-amz-json-1.1',
    real: firehoseDestination({ deliveryStreamName, endpoint, region: LOCAL.region }),
    body: (entries) =>
      JSON.stringify({
        DeliveryStreamName: deliveryStreamName,
        Records: entries.map((entry) => ({ Data: base64(entry.data) })),
      }),
    results: (output, entries) => putRecordBatchResults(output, entries.length),
  });
}

/**
 * SQS `SendMessageBatch` through the minimal client. It checks each body's MD5 as the SDK's
 * SQS client does by default, so that both do the same work.
 */
export function minimalSqs(endpoint: string, queueUrl: string): MinimalDestination<SqsEntry> {
  return minimalDestination<SqsEntry, SendMessageBatchResult>({
    endpoint,
    service: 'sqs',
    target: 'AmazonSQS.SendMessageBatch',
    contentType: 'application/x-amz-json-1.0',
    real: sqsDestination({ queueUrl, endpoint, region: LOCAL.region }),
    body: (entries) =>
      JSON.stringify({
        QueueUrl: queueUrl,
        Entries: entries.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
      }),
    results: (output, entries) =>
      sendMessageBatchResults(output, entries.length, md5Mismatches(output.Successful, entries)),
  });
}
