/**
 * A Kinesis endpoint that answers at once, speaking the service's protocol (AWS JSON 1.1):
 * `PutRecords` and `PutRecord`, with real-looking sequence numbers and shard ids. It keeps
 * which partition keys arrived, so a benchmark can count records reported done but
 * missing. It exists so that a wall-time figure measures the client and not an
 * emulator's CPU (kinesalite spends about 0.8 s of CPU on 10,000 records).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenBucket } from './token-bucket.js';

/** What the stub does beyond accepting everything. */
export interface StubConfig {
  /** Accept at most this many entries per second; beyond it, entries fail with ProvisionedThroughputExceededException. */
  readonly tokenBucket?: { readonly entriesPerSecond: number; readonly capacity: number };
}

/** Counters of what the stub saw. */
export interface StubStats {
  requests: number;
  entries: number;
  accepted: number;
  throttled: number;
}

/** A running stub. */
export interface KinesisStub {
  readonly endpoint: string;
  /** Replaces the configuration; a new token bucket starts full. */
  configure(config: StubConfig): void;
  /** Forgets what arrived and zeroes the counters. */
  reset(): void;
  /** Each partition key that arrived, with how many times. */
  arrived(): ReadonlyMap<string, number>;
  stats(): StubStats;
  close(): Promise<void>;
}

const SHARD_ID = 'shardId-000000000000';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const SEQUENCE_PREFIX = '49590338271490256608559692538361571095921575989136';
const THROTTLED = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage:
    'Rate exceeded for shard shardId-000000000000 in stream bench-stream under account 000000000000.',
} as const;

const KEY_FIELD = Buffer.from('"PartitionKey":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The partition keys of a PutRecords or PutRecord body, in order, found by scanning the
 * bytes rather than parsing the JSON: Data is base64 and holds no quotes, so the scan is
 * exact, and it keeps the stub's CPU small next to the client's. A key with an escape
 * falls back to JSON.parse of the whole body.
 */
export function partitionKeys(body: Buffer): string[] | undefined {
  const keys: string[] = [];
  for (let at = body.indexOf(KEY_FIELD); at !== -1; at = body.indexOf(KEY_FIELD, at)) {
    const start = at + KEY_FIELD.length;
    const end = body.indexOf(QUOTE, start);
    if (end === -1) return undefined;
    if (body.subarray(start, end).includes(BACKSLASH)) return undefined;
    keys.push(body.toString('utf8', start, end));
    at = end;
  }
  return keys;
}

function parsedKeys(body: Buffer): string[] {
  const request = JSON.parse(body.toString('utf8')) as {
    Records?: { PartitionKey?: unknown }[];
    PartitionKey?: unknown;
  };
  if (Array.isArray(request.Records)) return request.Records.map((record) => String(record.PartitionKey));
  return request.PartitionKey === undefined ? [] : [String(request.PartitionKey)];
}

/** Starts the stub on 127.0.0.1, on a free port. */
export async function startKinesisStub(initial: StubConfig = {}): Promise<KinesisStub> {
  let bucket: TokenBucket | undefined;
  let counters: StubStats = { requests: 0, entries: 0, accepted: 0, throttled: 0 };
  let arrivals = new Map<string, number>();
  let sequence = 0;

  function configure(config: StubConfig): void {
    const limit = config.tokenBucket;
    bucket = limit ? new TokenBucket(limit.entriesPerSecond, limit.capacity) : undefined;
  }
  configure(initial);

  /** Accepts one entry, or says it was throttled. */
  function accept(key: string): { SequenceNumber: string; ShardId: string } | undefined {
    counters.entries++;
    if (bucket && !bucket.take()) {
      counters.throttled++;
      return undefined;
    }
    counters.accepted++;
    arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
    sequence++;
    return { SequenceNumber: `${SEQUENCE_PREFIX}${String(sequence).padStart(6, '0')}`, ShardId: SHARD_ID };
  }

  function answer(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(text);
  }

  function handle(target: string, keys: readonly string[], res: http.ServerResponse): void {
    if (target === 'Kinesis_20131202.PutRecords') {
      let failed = 0;
      const Records = keys.map((key) => {
        const accepted = accept(key);
        if (accepted) return accepted;
        failed++;
        return THROTTLED;
      });
      answer(res, 200, { FailedRecordCount: failed, Records });
      return;
    }
    if (target === 'Kinesis_20131202.PutRecord' && keys.length === 1) {
      const accepted = accept(keys[0]);
      if (accepted) answer(res, 200, accepted);
      else
        answer(
          res,
          400,
          { __type: THROTTLED.ErrorCode, message: THROTTLED.ErrorMessage },
          THROTTLED.ErrorCode,
        );
      return;
    }
    answer(
      res,
      400,
      { __type: 'UnknownOperationException', message: `The stub does not implement ${target}` },
      'UnknownOperationException',
    );
  }

  const server = http.createServer((req, res) => {
    counters.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      let keys: string[];
      try {
        keys = partitionKeys(body) ?? parsedKeys(body);
      } catch {
        answer(res, 400, { __type: 'SerializationException', message: 'bad JSON' }, 'SerializationException');
        return;
      }
      handle(target, keys, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    configure,
    reset() {
      arrivals = new Map();
      counters = { requests: 0, entries: 0, accepted: 0, throttled: 0 };
    },
    arrived: () => arrivals,
    stats: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
