import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './listen-on-loopback.js';
import type { Random } from './seeded-random.js';
import { seededRandom } from './seeded-random.js';
import type { EntryFault, ErrorResponse, RequestFault, ServiceName } from './service-faults.js';
import {
  BATCH_WRITE_TARGETS,
  batchEntries,
  CONTENT_TYPES,
  mergeBatchResponse,
  requestErrorResponse,
  serviceOfTarget,
  snsTargetOf,
  withEntries,
} from './service-faults.js';
import { mergeSnsBatchResponse, snsBatchForm, snsFormWithEntries } from './sns-entry-faults.js';
import { readAll, reply, Upstream } from './upstream.js';

/** What the proxy injects; every rate is a probability in [0, 1]. Omitted means none. */
export interface FaultConfig {
  /** Probability that an entry of a batch write fails (it is then not forwarded, so it is really not stored). */
  readonly entryFailureRate?: number;
  /** Share of failed entries reported as throttling; the rest are internal errors. 0.5 by default. */
  readonly entryThrottleShare?: number;
  /** SQS and SNS only: share of failed entries reported with `SenderFault: true` (not retryable). 0 by default. */
  readonly senderFaultShare?: number;
  /** Probability that a call is answered with HTTP 500 InternalFailure. */
  readonly internalErrorRate?: number;
  /** Probability that a call is answered with HTTP 503 (ServiceUnavailable / ServiceUnavailableException). */
  readonly unavailableRate?: number;
  /** Probability that a call is answered with the service's own throttling error. */
  readonly throttleRate?: number;
  /** Probability that the connection is destroyed before anything is forwarded (nothing stored). */
  readonly dropBeforeRate?: number;
  /** Probability that the call is forwarded and then the connection destroyed (stored, answer lost). */
  readonly dropAfterRate?: number;
  /** Milliseconds added to every affected call. */
  readonly latencyMs?: number;
  /** Up to this many milliseconds more, uniformly drawn. */
  readonly latencyJitterMs?: number;
  /** Probability that a call gets a latency spike of `spikeMs` on top. */
  readonly spikeRate?: number;
  /** Length of a latency spike in milliseconds. */
  readonly spikeMs?: number;
  /** `X-Amz-Target`s faults apply to, or 'all'; the three batch writes by default. Others pass through untouched. */
  readonly operations?: 'all' | readonly string[];
}

/** One injected fault, as reported to `onFault`. */
export type FaultEvent =
  | {
      readonly kind: 'entries';
      readonly target: string;
      readonly total: number;
      readonly failed: readonly { readonly index: number; readonly fault: EntryFault }[];
    }
  | { readonly kind: RequestFault | 'dropBefore' | 'dropAfter'; readonly target: string }
  | { readonly kind: 'latency'; readonly target: string; readonly ms: number };

/** Counters of what the proxy saw and injected. */
export interface FaultStats {
  /** Calls received. */
  requests: number;
  /** Calls that faults could apply to (see `operations`). */
  eligible: number;
  /** Entries seen in batch writes that were eligible. */
  entries: number;
  /** Entries failed by the proxy, by kind. */
  entryThrottle: number;
  entryInternal: number;
  entrySenderFault: number;
  /** Batch writes whose every entry was failed, answered without calling upstream. */
  answeredWithoutUpstream: number;
  internalError: number;
  unavailable: number;
  throttle: number;
  dropBefore: number;
  dropAfter: number;
  /** Calls delayed, and their total added delay. */
  delayed: number;
  delayMs: number;
  /** Calls the upstream could not be reached for (answered 502). */
  upstreamErrors: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Base URL of the service behind the proxy, e.g. a kinesalite endpoint. */
  readonly upstream: string;
  /** Seed of the PRNG: the same seed and the same sequence of calls give the same faults. */
  readonly seed?: number;
  readonly faults?: FaultConfig;
  /** Called synchronously for each injected fault. */
  readonly onFault?: (event: FaultEvent) => void;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
}

/** A running fault-injecting proxy. */
export interface FaultProxy {
  /** Base URL to give clients instead of the upstream's. */
  readonly endpoint: string;
  /** Replaces the fault configuration (the PRNG keeps its sequence). */
  setFaults(faults: FaultConfig): void;
  /** A copy of the counters. */
  stats(): FaultStats;
  /** Sets every counter back to zero. */
  resetStats(): void;
  close(): Promise<void>;
}

const DEFAULT_OPERATIONS: readonly string[] = Object.values(BATCH_WRITE_TARGETS);

function emptyStats(): FaultStats {
  return {
    requests: 0,
    eligible: 0,
    entries: 0,
    entryThrottle: 0,
    entryInternal: 0,
    entrySenderFault: 0,
    answeredWithoutUpstream: 0,
    internalError: 0,
    unavailable: 0,
    throttle: 0,
    dropBefore: 0,
    dropAfter: 0,
    delayed: 0,
    delayMs: 0,
    upstreamErrors: 0,
  };
}

const RATE_KEYS = [
  'entryFailureRate',
  'entryThrottleShare',
  'senderFaultShare',
  'internalErrorRate',
  'unavailableRate',
  'throttleRate',
  'dropBeforeRate',
  'dropAfterRate',
  'spikeRate',
] as const;

function validate(faults: FaultConfig): FaultConfig {
  for (const key of RATE_KEYS) {
    const value = faults[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw new RangeError(`Fault proxy: ${key} must be in [0, 1], got ${value}`);
    }
  }
  const requestLevel =
    (faults.internalErrorRate ?? 0) +
    (faults.unavailableRate ?? 0) +
    (faults.throttleRate ?? 0) +
    (faults.dropBeforeRate ?? 0) +
    (faults.dropAfterRate ?? 0);
  if (requestLevel > 1) {
    throw new RangeError(
      `Fault proxy: internalErrorRate + unavailableRate + throttleRate + dropBeforeRate + dropAfterRate must not exceed 1, got ${requestLevel}`,
    );
  }
  for (const key of ['latencyMs', 'latencyJitterMs', 'spikeMs'] as const) {
    const value = faults[key];
    if (value !== undefined && !(value >= 0))
      throw new RangeError(`Fault proxy: ${key} must be >= 0, got ${value}`);
  }
  return { ...faults };
}

type RequestOutcome = RequestFault | 'dropBefore' | 'dropAfter' | undefined;

function drawOutcome(faults: FaultConfig, random: Random): RequestOutcome {
  const choices: [RequestOutcome, number | undefined][] = [
    ['dropBefore', faults.dropBeforeRate],
    ['internalError', faults.internalErrorRate],
    ['unavailable', faults.unavailableRate],
    ['throttle', faults.throttleRate],
    ['dropAfter', faults.dropAfterRate],
  ];
  if (!choices.some(([, rate]) => rate)) return undefined;
  let r = random();
  for (const [outcome, rate] of choices) {
    if (!rate) continue;
    if (r < rate) return outcome;
    r -= rate;
  }
  return undefined;
}

function drawDelay(faults: FaultConfig, random: Random): number {
  let ms = faults.latencyMs ?? 0;
  if (faults.latencyJitterMs) ms += random() * faults.latencyJitterMs;
  if (faults.spikeRate && random() < faults.spikeRate) ms += faults.spikeMs ?? 0;
  return ms;
}

function drawEntryFaults(
  service: ServiceName,
  count: number,
  faults: FaultConfig,
  random: Random,
): Map<number, EntryFault> {
  const failed = new Map<number, EntryFault>();
  const rate = faults.entryFailureRate ?? 0;
  if (rate === 0) return failed;
  const throttleShare = faults.entryThrottleShare ?? 0.5;
  const senderShare = service === 'sqs' || service === 'sns' ? (faults.senderFaultShare ?? 0) : 0;
  for (let i = 0; i < count; i++) {
    if (random() >= rate) continue;
    const kind = random();
    failed.set(
      i,
      kind < senderShare
        ? 'senderFault'
        : kind < senderShare + (1 - senderShare) * throttleShare
          ? 'throttle'
          : 'internal',
    );
  }
  return failed;
}

function replyJson(res: http.ServerResponse, service: ServiceName, response: ErrorResponse): void {
  const body = Buffer.from(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
  res.writeHead(response.status, {
    ...response.headers,
    'content-type': CONTENT_TYPES[service],
    'content-length': body.length,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

/** One call the proxy may fault: its operation, its service, and its body when already read. */
interface EligibleCall {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly target: string;
  readonly service: ServiceName;
  readonly preread?: Buffer;
}

/** The proxy's faults, its PRNG and its counters, and what it does to each call. */
class FaultInjection {
  faults: FaultConfig;
  counters = emptyStats();
  private readonly random: Random;

  constructor(
    private readonly options: FaultProxyOptions,
    readonly upstream: Upstream,
  ) {
    this.random = seededRandom(options.seed ?? 1);
    this.faults = validate(options.faults ?? {});
  }

  /** True when the proxy may fault calls of this operation. */
  eligible(target: string): boolean {
    const operations = this.faults.operations ?? DEFAULT_OPERATIONS;
    return operations === 'all' || operations.includes(target);
  }

  /** Draws the call's faults at arrival and applies them: a dropped connection, a delay, an error, or entry faults. */
  async handle(call: EligibleCall): Promise<void> {
    const { req, res, target, service } = call;
    const current = this.faults;
    // Draw in a fixed order, at arrival, so a seed replays the same faults for the same sequence of calls.
    const outcome = drawOutcome(current, this.random);
    const delay = drawDelay(current, this.random);
    if (outcome === 'dropBefore') {
      this.count('dropBefore', target);
      req.socket.destroy();
      return;
    }
    const body = call.preread ?? (await readAll(req));
    if (delay > 0) {
      this.counters.delayed++;
      this.counters.delayMs += delay;
      this.options.onFault?.({ kind: 'latency', target, ms: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    if (outcome === 'internalError' || outcome === 'unavailable' || outcome === 'throttle') {
      this.count(outcome, target);
      replyJson(res, service, requestErrorResponse(service, outcome));
      return;
    }
    if (outcome === 'dropAfter') {
      await this.upstream.send(req, body);
      this.count('dropAfter', target);
      req.socket.destroy();
      return;
    }
    if (target !== BATCH_WRITE_TARGETS[service] || !current.entryFailureRate) {
      await this.upstream.sendAndReply(req, res, body);
      return;
    }
    if (service === 'sns') await this.answerSnsWithEntryFaults(call, body, current);
    else await this.answerWithEntryFaults(call, body, current);
  }

  /** SNS (query protocol): the call is known only from its body, so the body is read first. */
  async handleQuery(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readAll(req);
    const target = snsTargetOf(body);
    if (!this.eligible(target)) {
      await this.upstream.sendAndReply(req, res, body);
      return;
    }
    this.counters.eligible++;
    await this.handle({ req, res, target, service: 'sns', preread: body });
  }

  private count(kind: 'dropBefore' | 'dropAfter' | RequestFault, target: string): void {
    this.counters[kind]++;
    this.options.onFault?.({ kind, target });
  }

  /** A batch write: fails the entries drawn, sends the rest upstream and merges the two answers. */
  private async answerWithEntryFaults(call: EligibleCall, body: Buffer, faults: FaultConfig): Promise<void> {
    const { req, res, target, service } = call;
    const request = parseJsonObject(body);
    const entries = batchEntries(service, request);
    const failed =
      entries && entries.length > 0
        ? drawEntryFaults(service, entries.length, faults, this.random)
        : new Map();
    if (entries && entries.length > 0) this.counters.entries += entries.length;
    if (!entries || failed.size === 0) {
      await this.upstream.sendAndReply(req, res, body);
      return;
    }
    let upstreamAnswer: Record<string, unknown> | undefined;
    let headers: http.IncomingHttpHeaders = {
      'content-type': CONTENT_TYPES[service],
      'x-amzn-requestid': randomUUID(),
    };
    if (failed.size < entries.length) {
      const kept = entries.filter((_, i) => !failed.has(i));
      const answer = await this.upstream.send(
        req,
        Buffer.from(JSON.stringify(withEntries(service, request, kept))),
      );
      if (answer.status !== 200) {
        // The whole call failed upstream: the client sees that, not our per-entry story.
        reply(res, answer.status, answer.headers, answer.body);
        return;
      }
      upstreamAnswer = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
      headers = answer.headers;
    } else {
      this.counters.answeredWithoutUpstream++;
    }
    this.countEntryFaults(target, entries.length, failed);
    const merged = mergeBatchResponse(service, request, entries, failed, upstreamAnswer);
    reply(res, 200, headers, Buffer.from(JSON.stringify(merged)));
  }

  /** SNS `PublishBatch`: as {@link answerWithEntryFaults}, in the query protocol's form and XML. */
  private async answerSnsWithEntryFaults(
    call: EligibleCall,
    body: Buffer,
    faults: FaultConfig,
  ): Promise<void> {
    const { req, res, target } = call;
    const form = snsBatchForm(body);
    const failed = form ? drawEntryFaults('sns', form.entries.length, faults, this.random) : new Map();
    if (form) this.counters.entries += form.entries.length;
    if (!form || failed.size === 0) {
      await this.upstream.sendAndReply(req, res, body);
      return;
    }
    let upstreamXml: string | undefined;
    let headers: http.IncomingHttpHeaders = {
      'content-type': CONTENT_TYPES.sns,
      'x-amzn-requestid': randomUUID(),
    };
    if (failed.size < form.entries.length) {
      const kept = form.entries.map((_, i) => i).filter((i) => !failed.has(i));
      const answer = await this.upstream.send(req, snsFormWithEntries(form, kept));
      if (answer.status !== 200) {
        reply(res, answer.status, answer.headers, answer.body);
        return;
      }
      upstreamXml = answer.body.toString('utf8');
      headers = answer.headers;
    } else {
      this.counters.answeredWithoutUpstream++;
    }
    this.countEntryFaults(target, form.entries.length, failed);
    reply(res, 200, headers, Buffer.from(mergeSnsBatchResponse(form, failed, upstreamXml)));
  }

  private countEntryFaults(target: string, total: number, failed: ReadonlyMap<number, EntryFault>): void {
    for (const fault of failed.values()) {
      if (fault === 'throttle') this.counters.entryThrottle++;
      else if (fault === 'internal') this.counters.entryInternal++;
      else this.counters.entrySenderFault++;
    }
    this.options.onFault?.({
      kind: 'entries',
      target,
      total,
      failed: [...failed].map(([index, fault]) => ({ index, fault })),
    });
  }
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Sends each call to the injection when the proxy may fault it, else straight through. */
function route(injection: FaultInjection, req: http.IncomingMessage, res: http.ServerResponse): void {
  injection.counters.requests++;
  const upstream = injection.upstream;
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    injection.handleQuery(req, res).catch(() => upstream.failed(res));
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const service = serviceOfTarget(target);
  const contentType = String(req.headers['content-type'] ?? '');
  // Only AWS JSON bodies are understood; anything else (e.g. CBOR) goes through untouched.
  if (!service || !injection.eligible(target) || !contentType.includes('json')) {
    upstream.passThrough(req, res);
    return;
  }
  injection.counters.eligible++;
  injection.handle({ req, res, target, service }).catch(() => upstream.failed(res));
}

/** Starts a fault-injecting reverse proxy on 127.0.0.1 in front of a Kinesis, Firehose or SQS endpoint. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new Upstream(options.upstream, () => injection.counters.upstreamErrors++);
  const injection = new FaultInjection(options, upstream);
  const server = http.createServer((req, res) => route(injection, req, res));
  server.keepAliveTimeout = 60_000;
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    setFaults(next) {
      injection.faults = validate(next);
    },
    stats: () => ({ ...injection.counters }),
    resetStats() {
      injection.counters = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          upstream.destroy();
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
