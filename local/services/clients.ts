import http from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Options shared by the local client factories. */
export interface LocalClientOptions {
  /** Attempts per call, including the first; 1 turns the SDK's own retries off. SDK default when omitted. */
  readonly maxAttempts?: number;
  /** Sockets per client (keep-alive); 50 by default. */
  readonly maxSockets?: number;
  /** Per-request timeout in milliseconds; none by default. */
  readonly requestTimeoutMs?: number;
}

/** The region and credentials every local client uses. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

function commonConfig(endpoint: string, options: LocalClientOptions) {
  return {
    endpoint,
    region: LOCAL_AWS.region,
    credentials: { ...LOCAL_AWS.credentials },
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    // HTTP/1.1 with keep-alive: kinesalite does not speak HTTP/2, and reusing sockets keeps benchmarks honest.
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 50 }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    }),
  };
}

/** A KinesisClient for a local endpoint. */
export function createKinesisClient(endpoint: string, options: LocalClientOptions = {}): KinesisClient {
  return new KinesisClient(commonConfig(endpoint, options));
}

/** A FirehoseClient for a local endpoint. */
export function createFirehoseClient(endpoint: string, options: LocalClientOptions = {}): FirehoseClient {
  return new FirehoseClient(commonConfig(endpoint, options));
}

/** An SQSClient for a local endpoint that ignores the host of queue URLs (fauxqs names them `*.localhost`). */
export function createSqsClient(endpoint: string, options: LocalClientOptions = {}): SQSClient {
  return new SQSClient({ ...commonConfig(endpoint, options), useQueueUrlAsEndpoint: false });
}

/** A DynamoDBClient for a local endpoint. */
export function createDynamoDbClient(endpoint: string, options: LocalClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(commonConfig(endpoint, options));
}
