/**
 * A tiny HTTP endpoint that answers a batch write with an AWS service's own JSON error,
 * for the errors the emulators and the fault proxy cannot produce (access denied, KMS).
 * The real SDK client talks to it as to the service; after `times` errors it forwards
 * to `upstream`, so a transient error can be followed by real deliveries.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from '../../local/services/listen-on-loopback.js';

/** The service whose error shape the stub speaks. */
export type StubService = 'kinesis' | 'firehose' | 'sqs';

/** One error answer, as the service sends it. */
export interface ServiceError {
  readonly service: StubService;
  readonly status: number;
  /** The `__type` of the body: the exception's name (SQS: the shape id, `com.amazonaws.sqs#...`). */
  readonly type: string;
  readonly message: string;
  /** SQS only: the `x-amzn-query-error` header (`<legacy code>;Sender`) that names the error for the SDK. */
  readonly queryError?: string;
}

const CONTENT_TYPES: Readonly<Record<StubService, string>> = {
  kinesis: 'application/x-amz-json-1.1',
  firehose: 'application/x-amz-json-1.1',
  sqs: 'application/x-amz-json-1.0',
};

const DENIED = (action: string, resource: string) =>
  `User: arn:aws:sts::123456789012:assumed-role/sink-role/sink-function is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

/** The real error shapes of the three batch writes, as the services answer them. */
export const SERVICE_ERRORS = {
  kinesisAccessDenied: {
    service: 'kinesis',
    status: 400,
    type: 'AccessDeniedException',
    message: DENIED('kinesis:PutRecords', 'arn:aws:kinesis:us-east-1:123456789012:stream/records'),
  },
  kinesisKmsDisabled: {
    service: 'kinesis',
    status: 400,
    type: 'KMSDisabledException',
    message: 'The request was rejected because the specified customer master key (CMK) is not enabled.',
  },
  kinesisKmsAccessDenied: {
    service: 'kinesis',
    status: 400,
    type: 'KMSAccessDeniedException',
    message: 'The ciphertext references a key that doesn’t exist or that you don’t have access to.',
  },
  kinesisKmsThrottling: {
    service: 'kinesis',
    status: 400,
    type: 'KMSThrottlingException',
    message: 'The request was denied due to request throttling.',
  },
  firehoseAccessDenied: {
    service: 'firehose',
    status: 400,
    type: 'AccessDeniedException',
    message: DENIED(
      'firehose:PutRecordBatch',
      'arn:aws:firehose:us-east-1:123456789012:deliverystream/records',
    ),
  },
  firehoseInvalidKmsResource: {
    service: 'firehose',
    status: 400,
    type: 'InvalidKMSResourceException',
    message:
      'Firehose is unable to encrypt: the KMS key arn:aws:kms:us-east-1:123456789012:key/1 is disabled.',
  },
  sqsAccessDenied: {
    service: 'sqs',
    status: 403,
    type: 'com.amazon.coral.service#AccessDeniedException',
    message: DENIED('sqs:sendmessage', 'arn:aws:sqs:us-east-1:123456789012:records'),
    queryError: 'AccessDenied;Sender',
  },
  sqsKmsDisabled: {
    service: 'sqs',
    status: 400,
    type: 'com.amazonaws.sqs#KmsDisabled',
    message: 'The request was denied because the specified KMS key is disabled.',
    queryError: 'KMS.DisabledException;Sender',
  },
  sqsKmsAccessDenied: {
    service: 'sqs',
    status: 400,
    type: 'com.amazonaws.sqs#KmsAccessDenied',
    message: 'The caller doesn’t have the required KMS access.',
    queryError: 'KMS.AccessDeniedException;Sender',
  },
} as const satisfies Record<string, ServiceError>;

/** Options of {@link startErrorStub}. */
export interface ErrorStubOptions {
  readonly error: ServiceError;
  /** How many requests get the error before the stub forwards to `upstream`. Default: all of them. */
  readonly times?: number;
  /** Where requests go once `times` errors were answered. */
  readonly upstream?: string;
}

/** A running stub. */
export interface ErrorStub {
  readonly endpoint: string;
  /** Requests answered with the error. */
  errorsAnswered(): number;
  /** Requests forwarded to the upstream. */
  forwarded(): number;
  close(): Promise<void>;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Starts the stub on 127.0.0.1, port 0. */
export async function startErrorStub(options: ErrorStubOptions): Promise<ErrorStub> {
  const { error } = options;
  const times = options.times ?? Number.POSITIVE_INFINITY;
  let answered = 0;
  let forwarded = 0;
  const agent = new http.Agent({ keepAlive: true });

  function answer(res: http.ServerResponse): void {
    answered++;
    const body = Buffer.from(JSON.stringify({ __type: error.type, message: error.message }));
    res.writeHead(error.status, {
      'content-type': CONTENT_TYPES[error.service],
      'content-length': body.length,
      'x-amzn-requestid': randomUUID(),
      ...(error.queryError === undefined ? {} : { 'x-amzn-query-error': error.queryError }),
    });
    res.end(body);
  }

  async function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    forwarded++;
    const upstream = new URL(options.upstream ?? '');
    const headers: http.OutgoingHttpHeaders = { ...req.headers, 'content-length': body.length };
    delete headers.host;
    delete headers.connection;
    const upRes = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const up = http.request(
        {
          agent,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        resolve,
      );
      up.once('error', reject);
      up.end(body);
    });
    const answerBody = await readAll(upRes);
    const outHeaders: http.OutgoingHttpHeaders = { ...upRes.headers, 'content-length': answerBody.length };
    delete outHeaders.connection;
    delete outHeaders['transfer-encoding'];
    res.writeHead(upRes.statusCode ?? 502, outHeaders);
    res.end(answerBody);
  }

  const server = http.createServer((req, res) => {
    readAll(req)
      .then((body) =>
        answered < times || options.upstream === undefined ? answer(res) : forward(req, res, body),
      )
      .catch(() => res.destroy());
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    errorsAnswered: () => answered,
    forwarded: () => forwarded,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          agent.destroy();
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
