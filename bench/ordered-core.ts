/**
 * Issue 13 P8: the core's CPU per record in ordered mode against unordered mode, at
 * 300,000 records over as many keys (each record has a key of its own, the worst case for
 * per-key bookkeeping). The destination answers at once with every entry accepted, so the
 * time is the core's alone. Runs alternate between the modes, and medians count.
 *
 * The core before the streaming intake (loaded from git, see previous-code.ts) runs in the
 * same rounds, so that a change to the intake is measured against the code before it.
 *
 * Run alone with `npm run bench -- p8`; `npm run bench` runs it too.
 */
import { pathToFileURL } from 'node:url';
import { AsyncSink } from '../lib/core/sink.js';
import type { Destination, EntryResult, SinkRecord } from '../lib/core/types.js';
import { previousCode } from './previous-code.js';
import type { TableRow } from './report.js';
import { median, round } from './statistics.js';

/** The parameters of P8, as data. */
export const ORDERED_CORE = {
  records: 300_000,
  /** Keys the records spread over: as many as records, by the issue. */
  keys: 300_000,
  entryBytes: 100,
  maxEntriesPerRequest: 500,
  warmupRepetitions: 2,
  repetitions: 7,
  /** Goal: ordered µs per record at most this many times the unordered. */
  goalRatio: 2,
} as const;

/** The figures of P8. */
export interface OrderedCoreResult {
  readonly parameters: typeof ORDERED_CORE & { readonly sinkOptions: string };
  readonly unorderedMicrosPerRecord: number;
  readonly orderedMicrosPerRecord: number;
  /** ordered / unordered: the goal is at most `goalRatio`. */
  readonly ratio: number;
  readonly met: boolean;
  /** The same figures for the core before the streaming intake, in the same rounds; absent without git. */
  readonly beforeStreaming?: {
    readonly commit: string;
    readonly unorderedMicrosPerRecord: number;
    readonly orderedMicrosPerRecord: number;
    readonly ratio: number;
  };
}

interface BenchEntry {
  readonly key: string;
  readonly bytes: number;
}

function inProcessDestination(): Destination<BenchEntry> {
  const accepted: readonly EntryResult[] = Array.from({ length: ORDERED_CORE.maxEntriesPerRequest }, () => ({
    status: 'accepted' as const,
  }));
  return {
    name: 'in-process',
    limits: {
      maxEntriesPerRequest: ORDERED_CORE.maxEntriesPerRequest,
      maxBytesPerRequest: 5 * 1024 * 1024,
      maxBytesPerEntry: 1024 * 1024,
    },
    sizeOf: (entry) => entry.bytes,
    invalidReason: () => undefined,
    send: (entries) => Promise.resolve(accepted.slice(0, entries.length)),
    classifyError: (error) => ({ kind: 'fatal', code: 'Unexpected', message: String(error) }),
    orderingKeyOf: (entry) => entry.key,
  };
}

/** What P8 times: an AsyncSink of this checkout or of an earlier commit. */
interface RunnableSink {
  run(
    records: readonly SinkRecord<BenchEntry>[],
  ): Promise<{ readonly stats: { readonly recordsDone: number } }>;
}

async function timeRun(sink: RunnableSink, records: readonly SinkRecord<BenchEntry>[]): Promise<number> {
  const started = performance.now();
  const result = await sink.run(records);
  const elapsed = performance.now() - started;
  if (result.stats.recordsDone !== records.length) throw new Error('the in-process sink lost records');
  return elapsed;
}

/** Runs P8. */
export async function measureOrderedCore(progress: (line: string) => void): Promise<OrderedCoreResult> {
  const records: SinkRecord<BenchEntry>[] = Array.from({ length: ORDERED_CORE.records }, (_, i) => ({
    id: String(i),
    entries: [{ key: `key-${i % ORDERED_CORE.keys}`, bytes: ORDERED_CORE.entryBytes }],
  }));
  const destination = inProcessDestination();
  const previous = await previousCode();
  const sinks: Record<string, RunnableSink> = {
    unordered: new AsyncSink(destination, { ordered: false }),
    ordered: new AsyncSink(destination, { ordered: true }),
    ...(previous
      ? {
          previousUnordered: new previous.AsyncSink(destination, { ordered: false }),
          previousOrdered: new previous.AsyncSink(destination, { ordered: true }),
        }
      : {}),
  };
  const names = Object.keys(sinks);
  for (let i = 0; i < ORDERED_CORE.warmupRepetitions; i++) {
    for (const name of names) await timeRun(sinks[name], records);
  }
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let i = 0; i < ORDERED_CORE.repetitions; i++) {
    for (const name of names) times.get(name)?.push(await timeRun(sinks[name], records));
  }
  const perRecord = (name: string) => (median(times.get(name) ?? []) * 1_000) / ORDERED_CORE.records;
  const unorderedMicros = perRecord('unordered');
  const orderedMicros = perRecord('ordered');
  const ratio = orderedMicros / unorderedMicros;
  progress(
    `ordered core: ${orderedMicros.toFixed(3)} µs/record vs unordered ${unorderedMicros.toFixed(3)} = ${ratio.toFixed(2)}× (${ORDERED_CORE.records} records, ${ORDERED_CORE.keys} keys)`,
  );
  let beforeStreaming: OrderedCoreResult['beforeStreaming'];
  if (previous) {
    const before = { unordered: perRecord('previousUnordered'), ordered: perRecord('previousOrdered') };
    beforeStreaming = {
      commit: previous.commit,
      unorderedMicrosPerRecord: round(before.unordered),
      orderedMicrosPerRecord: round(before.ordered),
      ratio: round(before.ordered / before.unordered),
    };
    progress(
      `ordered core before the streaming intake (${previous.commit.slice(0, 7)}): ${before.ordered.toFixed(3)} µs/record vs unordered ${before.unordered.toFixed(3)} = ${beforeStreaming.ratio}×`,
    );
  }
  return {
    parameters: { ...ORDERED_CORE, sinkOptions: 'defaults (maxInFlightRequests 10)' },
    unorderedMicrosPerRecord: round(unorderedMicros),
    orderedMicrosPerRecord: round(orderedMicros),
    ratio: round(ratio),
    met: ratio <= ORDERED_CORE.goalRatio,
    ...(beforeStreaming ? { beforeStreaming } : {}),
  };
}

/** P8's row of the bench table. */
export function orderedCoreRow(result: OrderedCoreResult): TableRow {
  const { parameters: p } = result;
  return {
    item: 'P8',
    figure: 'Ordered core per record vs unordered core (AsyncSink alone, in-process destination)',
    parameters: `${p.records.toLocaleString('en-US')} records over ${p.keys.toLocaleString('en-US')} keys, ${p.entryBytes} B, requests of ${p.maxEntriesPerRequest}; median of ${p.repetitions} alternating runs after ${p.warmupRepetitions} warm-up`,
    measured: `${result.orderedMicrosPerRecord} µs vs ${result.unorderedMicrosPerRecord} µs = ${result.ratio}×${
      result.beforeStreaming
        ? `; before the streaming intake (same run) ${result.beforeStreaming.orderedMicrosPerRecord} vs ${result.beforeStreaming.unorderedMicrosPerRecord} µs = ${result.beforeStreaming.ratio}×`
        : ''
    }`,
    goal: `≤ ${p.goalRatio}×`,
    status: result.met ? 'met' : 'not met',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await measureOrderedCore((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
