/**
 * The AWS JSON protocol (1.0 and 1.1) for the small local services of our own: a POST whose
 * `X-Amz-Target` names `<prefix>.<Operation>`, a JSON body (gzip allowed, as the SDK sends
 * CloudWatch's), a JSON answer, and errors as `{ __type, message }` with `x-amzn-errortype`
 * — plus `x-amzn-query-error` for services in query-compatible mode (CloudWatch).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenOnLoopback } from './listen-on-loopback.js';

/** The account and region of every local resource. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** An error the service answers with, by its AWS error code. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

type Json = Record<string, unknown>;

/** The operations a service answers, by name. */
export type JsonOperations = Readonly<Record<string, (input: Json) => Json | Promise<Json>>>;

/** Options of {@link startJsonService}. */
export interface JsonServiceOptions {
  /** The part of `X-Amz-Target` before the dot, e.g. `AWSEvents`. */
  readonly targetPrefix: string;
  /** `application/x-amz-json-1.0` or `-1.1`. */
  readonly contentType: string;
  readonly operations: JsonOperations;
  /** True for a service the SDK reads in query-compatible mode: errors also carry `x-amzn-query-error`. */
  readonly queryCompatible?: boolean;
  /** Largest request body, decompressed. Default 16 MiB. */
  readonly maxBodyBytes?: number;
  readonly port?: number;
}

/** A running local JSON service. */
export interface JsonService {
  readonly endpoint: string;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) throw new ServiceError('RequestEntityTooLarge', 'Request is too large.', 413);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '');
  if (!encoding.includes('gzip')) return body;
  const inflated = gunzipSync(body, { maxOutputLength: maxBytes });
  return inflated;
}

/** Starts a local AWS JSON service on 127.0.0.1. */
export async function startJsonService(options: JsonServiceOptions): Promise<JsonService> {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;

  function answer(
    res: http.ServerResponse,
    status: number,
    body: Json,
    headers: http.OutgoingHttpHeaders = {},
  ) {
    const text = Buffer.from(JSON.stringify(body));
    res.writeHead(status, {
      'content-type': options.contentType,
      'content-length': text.length,
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    res.end(text);
  }

  function fail(res: http.ServerResponse, error: ServiceError) {
    const fault = error.status >= 500 ? 'Receiver' : 'Sender';
    answer(
      res,
      error.status,
      { __type: error.code, message: error.message },
      {
        'x-amzn-errortype': error.code,
        ...(options.queryCompatible ? { 'x-amzn-query-error': `${error.code};${fault}` } : {}),
      },
    );
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(`${options.targetPrefix}.`)
      ? target.slice(options.targetPrefix.length + 1)
      : '';
    const run = Object.hasOwn(options.operations, operation) ? options.operations[operation] : undefined;
    if (req.method !== 'POST' || run === undefined) {
      throw new ServiceError('UnknownOperationException', `Unknown operation ${target}`);
    }
    const body = await readBody(req, maxBodyBytes);
    let input: Json;
    try {
      input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
    } catch {
      throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
    }
    answer(res, 200, await run(input));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      fail(
        res,
        error instanceof ServiceError ? error : new ServiceError('InternalFailure', 'Internal failure.', 500),
      );
    });
  });
  // Longer than the SDK's idle sockets live, so that a client never reuses a socket the server just closed.
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
