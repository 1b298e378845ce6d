import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { listenOnLoopback } from './listen-on-loopback.js';

/** The limits the real PutRecord / PutRecordBatch enforce (Firehose API reference). */
export const FIREHOSE_LIMITS = {
  maxRecordsPerBatch: 500,
  maxRecordBytes: 1_024_000,
  maxBatchBytes: 4 * 1024 * 1024,
  maxStreamNameLength: 64,
} as const;

/** Options of {@link startFirehoseServer}. */
export interface FirehoseServerOptions {
  /** Directory that plays the S3 bucket: records land in `<dir>/<stream>/YYYY/MM/DD/HH/<file>`. */
  readonly dir: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Buffered bytes per stream that trigger a delivery (Firehose's S3 buffering hint); 5 MiB by default. */
  readonly bufferSizeBytes?: number;
  /** Milliseconds after the first buffered record that trigger a delivery; 1000 by default. */
  readonly bufferIntervalMs?: number;
}

/** A running local Firehose endpoint. */
export interface FirehoseServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Delivers every buffered record to files now. */
  flush(): Promise<void>;
  /** Each delivered record's bytes, in delivery order; flushes the stream first unless `flush` is false. */
  readDelivered(stream: string, options?: { readonly flush?: boolean }): Promise<Buffer[]>;
  /** Number of records delivered to files so far (no flush, no file reads: cheap for large runs). */
  deliveredCount(stream: string): number;
  /** Paths of the files delivered for a stream, oldest first. */
  deliveredFiles(stream: string): string[];
  /** Delivers what is buffered, then stops the server. */
  close(): Promise<void>;
}

const TARGET_PREFIX = 'Firehose_20150804.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STREAM_NAME = /^[a-zA-Z0-9_.-]+$/;
// Base64 of a 4 MiB batch plus JSON framing stays well below this; anything larger is not a valid request.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

class FirehoseError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'FirehoseError';
  }
}

interface DeliveredFile {
  readonly path: string;
  readonly lengths: number[];
}

interface StreamState {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly type: string;
  pending: Buffer[];
  pendingBytes: number;
  timer: NodeJS.Timeout | undefined;
}

interface Delivery {
  files: DeliveredFile[];
  count: number;
  // Writes are chained so files appear, and are indexed, in the order records were accepted.
  chain: Promise<void>;
}

type Json = Record<string, unknown>;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function validationError(message: string): FirehoseError {
  return new FirehoseError('ValidationException', `1 validation error detected: ${message}`);
}

function streamName(input: Json): string {
  const name = input.DeliveryStreamName;
  if (typeof name !== 'string' || name.length === 0) {
    throw validationError(
      "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (name.length > FIREHOSE_LIMITS.maxStreamNameLength || !STREAM_NAME.test(name)) {
    throw validationError(
      `Value '${name}' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length less than or equal to 64`,
    );
  }
  return name;
}

function decodeData(record: unknown, at: string): Buffer {
  const data = (record as Json | null)?.Data;
  if (typeof data !== 'string') {
    throw validationError(`Value null at '${at}.data' failed to satisfy constraint: Member must not be null`);
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > FIREHOSE_LIMITS.maxRecordBytes) {
    throw validationError(
      `Value 'java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]' at '${at}.data' failed to satisfy constraint: Member must have length less than or equal to ${FIREHOSE_LIMITS.maxRecordBytes}`,
    );
  }
  return bytes;
}

/** Starts a local Amazon Data Firehose endpoint (AWS JSON 1.1) that delivers to files the way Firehose delivers to S3. */
export async function startFirehoseServer(options: FirehoseServerOptions): Promise<FirehoseServer> {
  const bufferSizeBytes = options.bufferSizeBytes ?? 5 * 1024 * 1024;
  const bufferIntervalMs = options.bufferIntervalMs ?? 1000;
  const streams = new Map<string, StreamState>();
  const deliveries = new Map<string, Delivery>();
  const recordIdPrefix = randomBytes(24).toString('hex');
  let recordCounter = 0;
  let deliveryError: Error | undefined;

  function delivery(name: string): Delivery {
    let d = deliveries.get(name);
    if (!d) {
      d = { files: [], count: 0, chain: Promise.resolve() };
      deliveries.set(name, d);
    }
    return d;
  }

  function deliver(stream: StreamState): Promise<void> {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
    const d = delivery(stream.name);
    if (stream.pending.length === 0) return d.chain;
    const records = stream.pending;
    stream.pending = [];
    stream.pendingBytes = 0;
    const now = new Date();
    const y = now.getUTCFullYear();
    const mo = pad(now.getUTCMonth() + 1);
    const day = pad(now.getUTCDate());
    const h = pad(now.getUTCHours());
    const stamp = `${y}-${mo}-${day}-${h}-${pad(now.getUTCMinutes())}-${pad(now.getUTCSeconds())}`;
    const folder = path.join(options.dir, stream.name, String(y), mo, day, h);
    const file = path.join(folder, `${stream.name}-1-${stamp}-${randomUUID()}`);
    d.chain = d.chain.then(async () => {
      await mkdir(folder, { recursive: true });
      // Firehose concatenates records as they are, with no separator; the index keeps their boundaries.
      await writeFile(file, Buffer.concat(records));
      d.files.push({ path: file, lengths: records.map((r) => r.length) });
      d.count += records.length;
    });
    d.chain.catch((err: Error) => {
      deliveryError ??= err;
    });
    return d.chain;
  }

  function accept(stream: StreamState, records: Buffer[]): void {
    for (const record of records) {
      stream.pending.push(record);
      stream.pendingBytes += record.length;
    }
    if (stream.pendingBytes >= bufferSizeBytes) {
      void deliver(stream).catch(() => undefined);
    } else if (!stream.timer && stream.pending.length > 0) {
      stream.timer = setTimeout(() => void deliver(stream).catch(() => undefined), bufferIntervalMs);
      stream.timer.unref();
    }
  }

  function existing(input: Json): StreamState {
    const name = streamName(input);
    const stream = streams.get(name);
    if (!stream) {
      throw new FirehoseError(
        'ResourceNotFoundException',
        `Firehose ${name} under account ${ACCOUNT} not found.`,
      );
    }
    return stream;
  }

  function nextRecordId(): string {
    recordCounter += 1;
    return `${recordIdPrefix}${recordCounter.toString(16).padStart(16, '0')}`;
  }

  const operations: Record<string, (input: Json) => Json | Promise<Json>> = {
    CreateDeliveryStream(input) {
      const name = streamName(input);
      if (streams.has(name)) {
        throw new FirehoseError(
          'ResourceInUseException',
          `Firehose ${name} under accountId ${ACCOUNT} already exists`,
        );
      }
      const arn = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`;
      const type = typeof input.DeliveryStreamType === 'string' ? input.DeliveryStreamType : 'DirectPut';
      streams.set(name, {
        name,
        arn,
        type,
        createdAt: Date.now() / 1000,
        pending: [],
        pendingBytes: 0,
        timer: undefined,
      });
      delivery(name);
      return { DeliveryStreamARN: arn };
    },
    DescribeDeliveryStream(input) {
      const stream = existing(input);
      return {
        DeliveryStreamDescription: {
          DeliveryStreamName: stream.name,
          DeliveryStreamARN: stream.arn,
          DeliveryStreamStatus: 'ACTIVE',
          DeliveryStreamType: stream.type,
          DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
          VersionId: '1',
          CreateTimestamp: stream.createdAt,
          Destinations: [
            {
              DestinationId: 'destinationId-000000000001',
              S3DestinationDescription: {
                RoleARN: `arn:aws:iam::${ACCOUNT}:role/local-firehose`,
                BucketARN: 'arn:aws:s3:::local-firehose',
                BufferingHints: {
                  SizeInMBs: Math.max(1, Math.round(bufferSizeBytes / (1024 * 1024))),
                  IntervalInSeconds: Math.max(0, Math.round(bufferIntervalMs / 1000)),
                },
                CompressionFormat: 'UNCOMPRESSED',
                EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
              },
            },
          ],
          HasMoreDestinations: false,
        },
      };
    },
    ListDeliveryStreams(input) {
      const limit = typeof input.Limit === 'number' ? input.Limit : 10;
      const after =
        typeof input.ExclusiveStartDeliveryStreamName === 'string'
          ? input.ExclusiveStartDeliveryStreamName
          : '';
      const names = [...streams.keys()].sort().filter((n) => n > after);
      return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
    },
    async DeleteDeliveryStream(input) {
      const stream = existing(input);
      streams.delete(stream.name);
      await deliver(stream);
      return {};
    },
    PutRecord(input) {
      const stream = existing(input);
      const data = decodeData(input.Record, 'record');
      accept(stream, [data]);
      return { RecordId: nextRecordId(), Encrypted: false };
    },
    PutRecordBatch(input) {
      const stream = existing(input);
      const records = input.Records;
      if (!Array.isArray(records)) {
        throw validationError(
          "Value null at 'records' failed to satisfy constraint: Member must not be null",
        );
      }
      if (records.length < 1 || records.length > FIREHOSE_LIMITS.maxRecordsPerBatch) {
        throw validationError(
          `Value '[...]' at 'records' failed to satisfy constraint: Member must have length ${records.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${FIREHOSE_LIMITS.maxRecordsPerBatch}`}`,
        );
      }
      const decoded = records.map((r, i) => decodeData(r, `records.${i + 1}.member`));
      const total = decoded.reduce((sum, b) => sum + b.length, 0);
      if (total > FIREHOSE_LIMITS.maxBatchBytes) {
        throw new FirehoseError('InvalidArgumentException', 'Records size exceeds 4 MB limit');
      }
      accept(stream, decoded);
      return {
        FailedPutCount: 0,
        Encrypted: false,
        RequestResponses: decoded.map(() => ({ RecordId: nextRecordId() })),
      };
    },
  };

  function send(res: http.ServerResponse, status: number, body: Json): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { __type: 'SerializationException', message: 'Request entity too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (req.method !== 'POST' || !operation) {
        throw new FirehoseError('UnknownOperationException', `Unknown operation ${target}`);
      }
      let input: unknown;
      try {
        input = JSON.parse(Buffer.concat(chunks, size).toString('utf8') || '{}');
      } catch {
        throw new FirehoseError('SerializationException', 'Malformed JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new FirehoseError('SerializationException', 'Request body must be a JSON object');
      }
      send(res, 200, await operation(input as Json));
    } catch (err) {
      if (err instanceof FirehoseError) {
        send(res, err.status, { __type: err.type, message: err.message });
      } else {
        send(res, 500, { __type: 'InternalFailure', message: String(err) });
      }
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenOnLoopback(server, options.port);

  async function flush(): Promise<void> {
    await Promise.all([...streams.values()].map((s) => deliver(s)));
    await Promise.all([...deliveries.values()].map((d) => d.chain));
    if (deliveryError) throw deliveryError;
  }

  return {
    endpoint,
    flush,
    async readDelivered(stream, readOptions = {}) {
      const state = streams.get(stream);
      if (state && readOptions.flush !== false) await deliver(state);
      const d = deliveries.get(stream);
      if (!d) return [];
      await d.chain;
      const out: Buffer[] = [];
      for (const file of d.files) {
        const bytes = await readFile(file.path);
        let offset = 0;
        for (const length of file.lengths) {
          out.push(bytes.subarray(offset, offset + length));
          offset += length;
        }
      }
      return out;
    },
    deliveredCount: (stream) => deliveries.get(stream)?.count ?? 0,
    deliveredFiles: (stream) => (deliveries.get(stream)?.files ?? []).map((f) => f.path),
    async close() {
      await flush();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
