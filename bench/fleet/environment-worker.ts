/**
 * A worker thread that hosts some of the fleet's execution environments. Each environment is
 * what Lambda would run: its own Kinesis client, destination, sink and rate limiter, one
 * invocation at a time, fed batches by the coordinator's shared source.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AsyncSink } from '../../lib/core/index.js';
import { type KinesisEntry, kinesisDestination } from '../../lib/destinations/index.js';
import { OverBudget } from '../../lib/destinations/kinesis-shard-rate-limit.js';
import { FLEET_MODES, SHARD_WINDOW_MS } from './parameters.js';
import {
  type CoordinatorMessage,
  recordData,
  type SourceRecord,
  type WorkerMessage,
  type WorkerSetup,
} from './protocol.js';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (port === null) throw new Error('environment-worker runs in a worker thread');
const waiting = new Map<number, (records: readonly SourceRecord[] | undefined) => void>();
let stopped = false;

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

function nextBatch(environment: number): Promise<readonly SourceRecord[] | undefined> {
  if (stopped) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    waiting.set(environment, resolve);
    post({ kind: 'receive', environment });
  });
}

function createSink() {
  const paced = setup.mode !== FLEET_MODES.aimd && setup.mode !== FLEET_MODES.jitter;
  const overBudget = setup.mode === FLEET_MODES.shardLimitRetry ? OverBudget.Retry : OverBudget.Defer;
  const destination = kinesisDestination({
    streamName: setup.streamName,
    endpoint: setup.endpoint,
    region: 'us-east-1',
    aggregation: setup.mode === FLEET_MODES.aggregated,
    ...(paced
      ? {
          shardRateLimit: {
            shardLimits: setup.shardLimits,
            overBudget,
            maxWaitMs: setup.deferAfterMs,
            ...setup.pacing,
          },
        }
      : {}),
  });
  return new AsyncSink<KinesisEntry>(
    destination,
    setup.mode === FLEET_MODES.jitter
      ? { initialBackoffMs: SHARD_WINDOW_MS, maxBackoffMs: SHARD_WINDOW_MS }
      : {},
  );
}

async function runEnvironment(environment: number, sink: AsyncSink<KinesisEntry>): Promise<void> {
  for (;;) {
    const batch = await nextBatch(environment);
    if (batch === undefined) return;
    const records = batch.map((record) => ({
      id: String(record.id),
      entries: [{ data: recordData(record), partitionKey: record.partitionKey }],
    }));
    const { outcomes, stats } = await sink.run(records, { deadline: Date.now() + setup.timeoutMs });
    const done: number[] = [];
    const failed: number[] = [];
    for (const outcome of outcomes) (outcome.status === 'done' ? done : failed).push(Number(outcome.id));
    post({
      kind: 'invoked',
      environment,
      done,
      failed,
      entriesSent: stats.entriesSent,
      requests: stats.requests,
    });
  }
}

port.on('message', (message: CoordinatorMessage) => {
  if (message.kind === 'batch') {
    const resolve = waiting.get(message.environment);
    waiting.delete(message.environment);
    resolve?.(message.records);
    return;
  }
  stopped = true;
  for (const resolve of waiting.values()) resolve(undefined);
  waiting.clear();
});

// Cold starts are not what this measures: every environment exists before the clock starts.
// One warm-up record each (data the ledger does not count) loads the client and the shard map.
const sinks = setup.environmentIds.map(() => createSink());
await Promise.all(
  sinks.map((sink, index) =>
    sink.run([
      { id: 'warm-up', entries: [{ data: Buffer.from('warm-up'), partitionKey: `warm-up-${index}` }] },
    ]),
  ),
);
post({ kind: 'ready' });
const started = performance.eventLoopUtilization();
await Promise.all(setup.environmentIds.map((id, index) => runEnvironment(id, sinks[index])));
const used = performance.eventLoopUtilization(started);
post({ kind: 'finished', activeMs: used.active, idleMs: used.idle });
port.close();
