/**
 * One run of the fleet simulation: kinesalite behind the Kinesis capacity model, a shared
 * source producing above the stream's capacity, and N execution environments on worker
 * threads sending through their own sinks, for a fixed window. Then the limits are lifted,
 * the backlog drains, and every produced record must be readable from the stream.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { evenShardRanges } from '../../lib/destinations/kinesis-hash-key.js';
import { decodeAggregatedRecord } from '../../lib/kpl/index.js';
import {
  createKinesisClient,
  createKinesisStream,
  KinesisCapacityModel,
  type KinesisCapacityServer,
  type LocalServer,
  listShardIds,
  readShard,
  type ShardCounters,
  seededRandom,
  startKinesisCapacityServer,
  startKinesisServer,
} from '../../local/index.js';
import type { FleetParameters } from './parameters.js';
import { type CoordinatorMessage, recordIdOf, type WorkerMessage, type WorkerSetup } from './protocol.js';
import { HOT_KEY, SharedSource } from './shared-source.js';
import { jainIndex, percentile } from './statistics.js';

const STREAM = 'fleet';
const REAL_SHARD = { recordsPerSecond: 1_000, bytesPerSecond: 1024 * 1024 };
const PRODUCE_EVERY_MS = 10;

/** What one run measured. */
export interface FleetResult {
  readonly parameters: FleetParameters;
  /** The stream's capacity in records/s (sum of the shards', scaled). */
  readonly capacityPerSecond: number;
  /**
   * What the offered load can reach, in records/s: per shard, the lesser of its capacity and
   * the new records produced for it. A hot key does not lower it: every shard is offered at
   * least its capacity (`overload` ≥ 1), the hot one far more.
   */
  readonly reachablePerSecond: number;
  /** User records stored per second in the window, as a fraction of {@link reachablePerSecond}. */
  readonly goodput: number;
  /** User records stored per shard per second in the window. */
  readonly userRecordsPerShardSecond: number;
  /** PUT payload units the stream billed per million user records stored in the window. */
  readonly payloadUnitsPerMillion: number;
  /** Jain's index over the records each environment delivered in the window. */
  readonly jain: number;
  /**
   * The Jain index a fleet would show if each invocation's delivered records went to an
   * environment drawn at random: 1 / (1 + (N − 1)·Σd²/T²) over the invocations' deliveries d
   * (T their sum). Fair in expectation, yet below 1: the measurement's own floor, so a Jain
   * near this one is as fair as the window can show.
   */
  readonly jainChance: number;
  /** Invocations that ended in the window. */
  readonly invocations: number;
  /** Records each environment delivered in the window. */
  readonly deliveredPerEnvironment: readonly number[];
  /** Entries the stream received (throttled ones included) per entry it stored, in the window. */
  readonly sendsPerDelivered: number;
  /** Produced → stored, ms, over the records stored in the window. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** The same, for records not on the hot key's shard. */
  readonly coldLatencyP99Ms: number;
  /** Stored in the window / capacity, for the hot key's shard and for the slowest other shard. */
  readonly hotShardUtilization: number;
  readonly coldShardUtilization: number;
  /** Per shard in the window: offered, accepted, throttled. */
  readonly shards: readonly ShardCounters[];
  /** Shards that throttled at least once before the limits were lifted (warm-up included). */
  readonly shardsThrottled: number;
  readonly produced: number;
  /** Records produced that are neither in the stream nor still in the source: must be 0. */
  readonly lost: number;
  /** Records still in the source (safe, not yet delivered) when the drain's bound came. */
  readonly undelivered: number;
  /** Records reported done by a sink but not in the stream: must be 0. */
  readonly doneButMissing: number;
  /** Records stored more than once (at-least-once delivery allows it). */
  readonly duplicates: number;
  /** Times a record was handed to an environment, per record produced. */
  readonly receivesPerRecord: number;
  /** Busy time of the environments' threads per record delivered, in µs. */
  readonly cpuMicrosPerRecord: number;
  /**
   * Busy time of the main thread (kinesalite, the capacity model, the shared source) per record
   * delivered, in µs: the simulator's own cost, which a real fleet does not pay on its cores.
   */
  readonly simulatorMicrosPerRecord: number;
  /**
   * CPU time of the whole process (environments, simulator and coordinator; user and system)
   * in the window, per record delivered in it, in µs: unlike the busy times, not inflated by
   * waiting for a core on a loaded machine.
   */
  readonly processCpuMicrosPerRecord: number;
  /** The machine's one-minute load average when the run began and when its window ended. */
  readonly loadAverage: { readonly before: number; readonly windowEnd: number };
  readonly drainMs: number;
  readonly seconds: number;
}

interface Window {
  start: number;
  end: number;
  cpuAtStart: NodeJS.CpuUsage;
  cpuInWindow?: NodeJS.CpuUsage;
  loadAtEnd?: number;
  statsAtStart: ShardCounters[];
  statsAtEnd: ShardCounters[];
}

/** The simulation's record ids a stored Kinesis record carries: one, or many when aggregated. */
function idsIn(data: Uint8Array): number[] {
  const users = decodeAggregatedRecord(data);
  const ids = (users ?? [{ data }]).map((user) => recordIdOf(Buffer.from(user.data)));
  return ids.filter((id): id is number => id !== undefined);
}

function subtract(end: readonly ShardCounters[], start: readonly ShardCounters[]): ShardCounters[] {
  return end.map((shard, i) => ({
    shardId: shard.shardId,
    offered: shard.offered - (start[i]?.offered ?? 0),
    accepted: shard.accepted - (start[i]?.accepted ?? 0),
    throttled: shard.throttled - (start[i]?.throttled ?? 0),
    acceptedBytes: shard.acceptedBytes - (start[i]?.acceptedBytes ?? 0),
    acceptedPayloadUnits: shard.acceptedPayloadUnits - (start[i]?.acceptedPayloadUnits ?? 0),
  }));
}

function startWorkers(parameters: FleetParameters, setup: Omit<WorkerSetup, 'environmentIds'>): Worker[] {
  const count = Math.min(parameters.workers, parameters.environments);
  return Array.from({ length: count }, (_, w) => {
    const environmentIds = Array.from({ length: parameters.environments }, (_, e) => e).filter(
      (e) => e % count === w,
    );
    return new Worker(new URL('./worker-boot.mjs', import.meta.url), {
      workerData: {
        entry: new URL('./environment-worker.ts', import.meta.url).href,
        ...setup,
        environmentIds,
      },
    });
  });
}

/** Runs the simulation once. */
export async function runFleet(
  parameters: FleetParameters,
  progress: (line: string) => void = () => {},
): Promise<FleetResult> {
  const began = performance.now();
  const loadBefore = os.loadavg()[0];
  const limits = {
    recordsPerSecond: REAL_SHARD.recordsPerSecond * parameters.scale,
    bytesPerSecond: REAL_SHARD.bytesPerSecond * parameters.scale,
  };
  const meanBytes = (parameters.recordBytes.min + parameters.recordBytes.max) / 2;
  const shardCapacity = Math.min(limits.recordsPerSecond, limits.bytesPerSecond / (meanBytes + 12));
  const capacityPerSecond = shardCapacity * parameters.shards;
  const router = new KinesisCapacityModel({ shards: evenShardRanges(parameters.shards) });
  const hotShard = router.route(HOT_KEY);
  // Each cold shard is offered `overload` times its capacity; the hot shard gets far more.
  const coldShare = (1 - parameters.hotKeyShare) / parameters.shards;
  const producePerSecond = (parameters.overload * shardCapacity) / coldShare;

  const source = new SharedSource(parameters, seededRandom(parameters.seed));
  const storedAt = new Map<number, number>();
  let duplicates = 0;
  const kinesalite: LocalServer = await startKinesisServer();
  const capacity: KinesisCapacityServer = await startKinesisCapacityServer({
    upstream: kinesalite.endpoint,
    limits,
    onStored: (_, records) => {
      const now = performance.now();
      for (const record of records) {
        for (const id of idsIn(Buffer.from(record.data, 'base64'))) {
          if (storedAt.has(id)) duplicates++;
          else storedAt.set(id, now);
        }
      }
    },
  });
  const admin = createKinesisClient(kinesalite.endpoint, { maxAttempts: 3 });
  await createKinesisStream(admin, STREAM, parameters.shards);

  const delivered = new Array<number>(parameters.environments).fill(0);
  let invocations = 0;
  let deliveredSquares = 0;
  const reportedDone = new Set<number>();
  let window: Window | undefined;
  let phase: 'warmup' | 'window' | 'drain' | 'stopped' = 'warmup';
  const waiting: { worker: Worker; environment: number }[] = [];
  let activeMs = 0;

  const workers = startWorkers(parameters, {
    mode: parameters.mode,
    endpoint: capacity.endpoint,
    streamName: STREAM,
    timeoutMs: parameters.timeoutMs,
    shardLimits: limits,
    deferAfterMs: parameters.deferAfterMs,
    ...(parameters.pacing === undefined ? {} : { pacing: parameters.pacing }),
  });
  const send = (worker: Worker, message: CoordinatorMessage) => worker.postMessage(message);
  const serveWaiting = () => {
    const now = performance.now();
    while (waiting.length > 0 && source.visible(now) > 0) {
      const next = waiting.shift();
      if (next === undefined) break;
      send(next.worker, {
        kind: 'batch',
        environment: next.environment,
        records: source.receive(parameters.batchSize, now),
      });
    }
  };
  let ready = 0;
  let allReady: () => void = () => {};
  const readiness = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const finished = workers.map(
    (worker) =>
      new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (message: WorkerMessage) => {
          if (message.kind === 'ready') {
            if (++ready === workers.length) allReady();
          } else if (message.kind === 'receive') {
            waiting.push({ worker, environment: message.environment });
            serveWaiting();
          } else if (message.kind === 'invoked') {
            const now = performance.now();
            source.settle(message.done, message.failed, now, parameters.redeliveryMs);
            for (const id of message.done) reportedDone.add(id);
            if (phase === 'window') {
              delivered[message.environment] += message.done.length;
              invocations++;
              deliveredSquares += message.done.length ** 2;
            }
            serveWaiting();
          } else {
            activeMs += message.activeMs;
            resolve();
          }
        });
      }),
  );

  await readiness;
  const mainThreadAtStart = performance.eventLoopUtilization();
  // Produce at a steady rate; serve waiting environments as records and redeliveries arrive.
  const started = performance.now();
  let producedUntil = started;
  let owed = 0;
  const producer = setInterval(() => {
    const now = performance.now();
    if (phase === 'warmup' || phase === 'window') {
      // By elapsed time, not by tick: a loaded machine fires intervals late.
      owed += (producePerSecond * (now - producedUntil)) / 1_000;
      producedUntil = now;
      const count = Math.floor(owed);
      owed -= count;
      source.produce(count, now);
    }
    if (phase === 'warmup' && now - started >= parameters.warmupMs) {
      phase = 'window';
      window = {
        start: now,
        end: now,
        cpuAtStart: process.cpuUsage(),
        statsAtStart: capacity.shardStats(STREAM),
        statsAtEnd: [],
      };
    } else if (phase === 'window' && window && now - window.start >= parameters.windowMs) {
      window.end = now;
      window.cpuInWindow = process.cpuUsage(window.cpuAtStart);
      window.loadAtEnd = os.loadavg()[0];
      window.statsAtEnd = capacity.shardStats(STREAM);
      phase = 'drain';
      capacity.setLimits({ recordsPerSecond: 1e9, bytesPerSecond: 1e12 });
      progress(`  window over; draining ${source.pending} records`);
    }
    serveWaiting();
  }, PRODUCE_EVERY_MS);

  const drained = await new Promise<number>((resolve) => {
    const check = setInterval(() => {
      if (phase !== 'drain' || !window) return;
      const elapsed = performance.now() - window.end;
      if (source.pending === 0 || elapsed > parameters.drainTimeoutMs) {
        clearInterval(check);
        resolve(elapsed);
      }
    }, 20);
  });
  phase = 'stopped';
  const mainThread = performance.eventLoopUtilization(mainThreadAtStart);
  clearInterval(producer);
  for (const worker of workers) send(worker, { kind: 'stop' });
  for (const { worker, environment } of waiting.splice(0)) {
    send(worker, { kind: 'batch', environment, records: [] });
  }
  await Promise.all(finished);
  await Promise.all(workers.map((worker) => worker.terminate()));

  // Every record of every shard, read straight from kinesalite.
  const inStream = new Set<number>();
  for (const shardId of await listShardIds(admin, STREAM)) {
    for (const record of await readShard(admin, STREAM, shardId)) {
      for (const id of idsIn(record.Data ?? new Uint8Array())) inStream.add(id);
    }
  }
  admin.destroy();
  await capacity.close();
  await kinesalite.close();

  if (!window) throw new Error('the simulation ended before its window');
  const shards = subtract(window.statsAtEnd, window.statsAtStart);
  const seconds = (window.end - window.start) / 1_000;
  const latencies: number[] = [];
  const coldLatencies: number[] = [];
  for (const [id, at] of storedAt) {
    if (at < window.start || at > window.end) continue;
    const latency = at - source.producedAt[id];
    latencies.push(latency);
    if (router.route(source.keys[id]) !== hotShard) coldLatencies.push(latency);
  }
  const accepted = shards.reduce((sum, s) => sum + s.accepted, 0);
  // User records stored in the window (more than Kinesis records when aggregated), in total and per shard.
  const userStored = new Array<number>(parameters.shards).fill(0);
  for (const [id, at] of storedAt) {
    if (at >= window.start && at <= window.end) userStored[router.route(source.keys[id])]++;
  }
  const userAccepted = userStored.reduce((a, b) => a + b, 0);
  const payloadUnits = shards.reduce((sum, s) => sum + s.acceptedPayloadUnits, 0);
  const offered = shards.reduce((sum, s) => sum + s.offered, 0);
  const utilization = userStored.map((stored) => stored / (shardCapacity * seconds));
  const pending = source.pendingIds();
  let lost = 0;
  for (let id = 0; id < source.producedAt.length; id++) if (!inStream.has(id) && !pending.has(id)) lost++;
  let doneButMissing = 0;
  for (const id of reportedDone) if (!inStream.has(id)) doneButMissing++;
  const deliveredInWindow = delivered.reduce((a, b) => a + b, 0);
  const producedPerShard = (shard: number) =>
    producePerSecond * (coldShare + (shard === hotShard ? parameters.hotKeyShare : 0));
  const reachablePerSecond = Array.from({ length: parameters.shards }, (_, shard) =>
    Math.min(shardCapacity, producedPerShard(shard)),
  ).reduce((a, b) => a + b, 0);
  return {
    parameters,
    capacityPerSecond,
    reachablePerSecond,
    goodput: userAccepted / (reachablePerSecond * seconds),
    userRecordsPerShardSecond: userAccepted / parameters.shards / seconds,
    payloadUnitsPerMillion: userAccepted === 0 ? Number.NaN : (payloadUnits / userAccepted) * 1e6,
    jain: jainIndex(delivered),
    jainChance:
      deliveredInWindow === 0
        ? Number.NaN
        : 1 / (1 + ((parameters.environments - 1) * deliveredSquares) / deliveredInWindow ** 2),
    invocations,
    deliveredPerEnvironment: delivered,
    // Per Kinesis record: an aggregated record is one entry of a PutRecords call.
    sendsPerDelivered: accepted === 0 ? Number.POSITIVE_INFINITY : offered / accepted,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    coldLatencyP99Ms: percentile(coldLatencies, 99),
    hotShardUtilization: utilization[hotShard],
    coldShardUtilization: Math.min(...utilization.filter((_, i) => i !== hotShard)),
    shards,
    shardsThrottled: window.statsAtEnd.filter((s) => s.throttled > 0).length,
    produced: source.producedAt.length,
    lost,
    undelivered: pending.size,
    doneButMissing,
    duplicates,
    receivesPerRecord: source.receives / Math.max(1, source.producedAt.length),
    cpuMicrosPerRecord: deliveredInWindow === 0 ? Number.NaN : (activeMs * 1_000) / reportedDone.size,
    simulatorMicrosPerRecord:
      reportedDone.size === 0 ? Number.NaN : (mainThread.active * 1_000) / reportedDone.size,
    processCpuMicrosPerRecord:
      deliveredInWindow === 0 || window.cpuInWindow === undefined
        ? Number.NaN
        : (window.cpuInWindow.user + window.cpuInWindow.system) / deliveredInWindow,
    loadAverage: { before: loadBefore, windowEnd: window.loadAtEnd ?? Number.NaN },
    drainMs: drained,
    seconds: (performance.now() - began) / 1_000,
  };
}
