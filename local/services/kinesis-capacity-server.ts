/**
 * A local Kinesis endpoint whose writes are limited per shard as the service limits them:
 * it sits in front of kinesalite (which never throttles), admits each record of `PutRecords`
 * and `PutRecord` against its shard's allowance ({@link KinesisCapacityModel}), forwards the
 * admitted ones so they really are stored and readable, and answers the rest with
 * `ProvisionedThroughputExceededException` at their positions. Every other call passes through.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listOpenShards } from '../../lib/destinations/kinesis-shard-map.js';
import { createKinesisClient } from './clients.js';
import {
  type CapacityVerdict,
  KINESIS_SHARD_WRITE_LIMITS,
  KinesisCapacityModel,
  type ShardCounters,
  type ShardWriteLimits,
} from './kinesis-capacity.js';
import { listenOnLoopback } from './listen-on-loopback.js';

/** A record the stream stored, as reported to `onStored`. */
export interface StoredRecord {
  /** The record's data, base64 as it travelled. */
  readonly data: string;
  readonly partitionKey: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Options of {@link startKinesisCapacityServer}. */
export interface KinesisCapacityServerOptions {
  /** kinesalite's endpoint. */
  readonly upstream: string;
  /** Per-shard limits; a real shard's (1,000 records/s, 1 MiB/s) by default. */
  readonly limits?: ShardWriteLimits;
  /** The time in ms; `performance.now` by default. */
  readonly clock?: () => number;
  /** Called with the records of each write the upstream stored, when it answers. */
  readonly onStored?: (streamName: string, records: readonly StoredRecord[]) => void;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
}

/** A running capacity-limited Kinesis endpoint. */
export interface KinesisCapacityServer {
  /** Base URL to give clients. */
  readonly endpoint: string;
  /** Changes every shard's limits, for streams seen so far and later ones. */
  setLimits(limits: ShardWriteLimits): void;
  /** Each shard's counters for a stream, in hash-key order; empty before its first write. */
  shardStats(streamName: string): ShardCounters[];
  close(): Promise<void>;
}

const TARGET_PREFIX = 'Kinesis_20131202.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

interface RequestRecord {
  readonly Data?: unknown;
  readonly PartitionKey?: unknown;
  readonly ExplicitHashKey?: unknown;
}

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Bytes that a base64 string decodes to, without decoding it. */
function base64Length(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function streamNameOf(request: Record<string, unknown>): string | undefined {
  if (typeof request.StreamName === 'string') return request.StreamName;
  if (typeof request.StreamARN === 'string')
    return request.StreamARN.slice(request.StreamARN.indexOf('/') + 1);
  return undefined;
}

function throttledEntry(shardId: string, streamName: string) {
  return {
    ErrorCode: 'ProvisionedThroughputExceededException',
    ErrorMessage: `Rate exceeded for shard ${shardId} in stream ${streamName} under account 000000000000.`,
  };
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name))
      out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): void {
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

function replyJson(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  reply(
    res,
    status,
    {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    },
    Buffer.from(JSON.stringify(body)),
  );
}

/** The endpoint's state and its handling of one request; {@link startKinesisCapacityServer} serves it. */
class CapacityProxy {
  limits: ShardWriteLimits;
  readonly client: ReturnType<typeof createKinesisClient>;
  private readonly models = new Map<string, Promise<KinesisCapacityModel>>();
  readonly ready = new Map<string, KinesisCapacityModel>();
  readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly options: KinesisCapacityServerOptions) {
    this.limits = options.limits ?? KINESIS_SHARD_WRITE_LIMITS;
    this.client = createKinesisClient(options.upstream, { maxAttempts: 1 });
  }

  modelOf(streamName: string): Promise<KinesisCapacityModel> {
    let model = this.models.get(streamName);
    if (model === undefined) {
      model = listOpenShards(this.client, { streamName }).then((shards) => {
        const created = new KinesisCapacityModel({ shards, limits: this.limits, clock: this.options.clock });
        this.ready.set(streamName, created);
        return created;
      });
      // A stream that does not exist yet must not stay cached as a failure.
      model.catch(() => this.models.delete(streamName));
      this.models.set(streamName, model);
    }
    return model;
  }

  // node:http with kept-alive connections, not fetch: a fleet simulation sends thousands of
  // small requests through here, and fetch's web streams cost several times the CPU per request.
  forward(req: http.IncomingMessage, body: Buffer): Promise<UpstreamAnswer> {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        new URL(req.url ?? '/', this.options.upstream),
        {
          method: req.method,
          agent: this.agent,
          headers: {
            ...forwardedHeaders(req.headers),
            ...(hasBody ? { 'content-length': body.length } : {}),
          },
        },
        (answer) => {
          readBody(answer).then(
            (answered) =>
              resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answered }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(hasBody ? body : undefined);
    });
  }

  replyUpstream(res: http.ServerResponse, answer: UpstreamAnswer): void {
    reply(res, answer.status, forwardedHeaders(answer.headers), answer.body);
  }

  verdictsFor(model: KinesisCapacityModel, records: readonly RequestRecord[]): CapacityVerdict[] {
    return model.admit(
      records.map((record) => {
        const partitionKey = String(record.PartitionKey ?? '');
        return {
          partitionKey,
          ...(typeof record.ExplicitHashKey === 'string' ? { explicitHashKey: record.ExplicitHashKey } : {}),
          size: base64Length(String(record.Data ?? '')) + Buffer.byteLength(partitionKey, 'utf8'),
        };
      }),
    );
  }

  report(streamName: string, records: readonly RequestRecord[], results: readonly unknown[]): void {
    if (!this.options.onStored) return;
    const stored: StoredRecord[] = [];
    records.forEach((record, index) => {
      const result = results[index] as { ShardId?: string; SequenceNumber?: string } | undefined;
      if (result?.SequenceNumber === undefined) return;
      stored.push({
        data: String(record.Data),
        partitionKey: String(record.PartitionKey),
        shardId: result.ShardId ?? '',
        sequenceNumber: result.SequenceNumber,
      });
    });
    if (stored.length > 0) this.options.onStored(streamName, stored);
  }

  async putRecords(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: Record<string, unknown>,
    streamName: string,
  ): Promise<void> {
    const records = request.Records as RequestRecord[];
    const model = await this.modelOf(streamName);
    const verdicts = this.verdictsFor(model, records);
    const kept = records.filter((_, index) => verdicts[index].accepted);
    let upstreamResults: unknown[] = [];
    let upstreamFailed = 0;
    if (kept.length > 0) {
      const answer = await this.forward(req, Buffer.from(JSON.stringify({ ...request, Records: kept })));
      if (answer.status !== 200) {
        // The whole call failed upstream (validation, missing stream): the caller sees that.
        this.replyUpstream(res, answer);
        return;
      }
      const parsed = JSON.parse(answer.body.toString('utf8')) as {
        Records?: unknown[];
        FailedRecordCount?: number;
      };
      upstreamResults = parsed.Records ?? [];
      upstreamFailed = parsed.FailedRecordCount ?? 0;
      this.report(streamName, kept, upstreamResults);
    }
    let next = 0;
    const results = verdicts.map((verdict) =>
      verdict.accepted
        ? upstreamResults[next++]
        : throttledEntry(model.shards[verdict.shardIndex]?.shardId ?? 'unknown', streamName),
    );
    replyJson(res, 200, {
      FailedRecordCount: upstreamFailed + (records.length - kept.length),
      Records: results,
      EncryptionType: 'NONE',
    });
  }

  async putRecord(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    request: RequestRecord,
    streamName: string,
  ): Promise<void> {
    const model = await this.modelOf(streamName);
    const [verdict] = this.verdictsFor(model, [request]);
    if (!verdict.accepted) {
      const { ErrorCode, ErrorMessage } = throttledEntry(
        model.shards[verdict.shardIndex]?.shardId ?? 'unknown',
        streamName,
      );
      replyJson(res, 400, { __type: ErrorCode, message: ErrorMessage }, ErrorCode);
      return;
    }
    const answer = await this.forward(req, body);
    if (answer.status === 200) this.report(streamName, [request], [JSON.parse(answer.body.toString('utf8'))]);
    this.replyUpstream(res, answer);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const json = String(req.headers['content-type'] ?? '').includes('json');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (json && (operation === 'PutRecords' || operation === 'PutRecord')) {
      let request: Record<string, unknown> | undefined;
      try {
        request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        request = undefined;
      }
      const streamName = request === undefined ? undefined : streamNameOf(request);
      // Malformed calls go upstream untouched, so the caller gets kinesalite's validation error.
      if (request !== undefined && streamName !== undefined) {
        if (operation === 'PutRecords' && Array.isArray(request.Records) && request.Records.length > 0) {
          await this.putRecords(req, res, request, streamName);
          return;
        }
        if (operation === 'PutRecord' && typeof request.PartitionKey === 'string') {
          await this.putRecord(req, res, body, request, streamName);
          return;
        }
      }
    }
    this.replyUpstream(res, await this.forward(req, body));
  }
}

/** Starts the capacity-limited Kinesis endpoint on 127.0.0.1 in front of `upstream`. */
export async function startKinesisCapacityServer(
  options: KinesisCapacityServerOptions,
): Promise<KinesisCapacityServer> {
  const proxy = new CapacityProxy(options);
  const server = http.createServer((req, res) => {
    proxy.handle(req, res).catch(() => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // The stream is unknown (ListShards failed) or upstream is gone: let the caller see an error it retries.
      replyJson(
        res,
        500,
        { __type: 'InternalFailure', message: 'capacity model could not reach the stream' },
        'InternalFailure',
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenOnLoopback(server, options.port);

  return {
    endpoint,
    setLimits(next) {
      proxy.limits = next;
      for (const model of proxy.ready.values()) model.setLimits(next);
    },
    shardStats(streamName) {
      return proxy.ready.get(streamName)?.stats() ?? [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        proxy.client.destroy();
        proxy.agent.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
