/**
 * `npm run bench -- fleet`: the fleet simulation at every N and mode of FLEET_BENCH, its
 * table (goals: goodput ≥ 0.9, Jain ≥ 0.9, sends per delivered entry ≤ 1.5, 0 lost), and
 * bench/results/fleet.json and bench/results/fleet.svg.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fleetChart } from './chart.js';
import {
  FLEET_AGGREGATION,
  FLEET_BENCH,
  FLEET_MODES,
  type FleetMode,
  fleetModes,
  fleetWindowMs,
} from './parameters.js';
import { type FleetResult, runFleet } from './simulation.js';

const RESULTS_DIR = new URL('../results/', import.meta.url);
const GOALS = { goodput: 0.9, jain: 0.9, sendsPerDelivered: 1.5, lost: 0 } as const;
const COLORS: Record<FleetMode, string> = {
  [FLEET_MODES.aimd]: '#e07b00',
  [FLEET_MODES.jitter]: '#9b59b6',
  [FLEET_MODES.shardLimit]: '#1f6fd1',
  [FLEET_MODES.shardLimitRetry]: '#17becf',
  [FLEET_MODES.aggregated]: '#2a9d3f',
};
const LABELS: Record<FleetMode, string> = {
  [FLEET_MODES.aimd]: 'AIMD window per environment (the default)',
  [FLEET_MODES.jitter]: 'AIMD window, retries jittered over 1 s',
  [FLEET_MODES.shardLimit]: 'per-shard pacing, busy shard deferred to the source',
  [FLEET_MODES.shardLimitRetry]: 'per-shard pacing, busy shard retried in the invocation',
  [FLEET_MODES.aggregated]: 'per-shard pacing + KPL aggregation',
};

process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;

const began = performance.now();
function progress(line: string): void {
  process.stderr.write(`[${((performance.now() - began) / 1_000).toFixed(1).padStart(6)} s] ${line}\n`);
}

const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function row(result: FleetResult): string {
  const r = result;
  const met =
    r.goodput >= GOALS.goodput &&
    r.jain >= GOALS.jain &&
    r.sendsPerDelivered <= GOALS.sendsPerDelivered &&
    r.lost === 0;
  return `| ${r.parameters.mode} | ${r.parameters.environments} | ${f(r.parameters.windowMs / 1_000, 0)} | ${f(r.loadAverage.before, 1)}–${f(r.loadAverage.windowEnd, 1)} | ${f(r.goodput)} | ${f(r.coldShardUtilization)} | ${f(r.hotShardUtilization)} | ${f(r.jain)} | ${f(r.jainChance)} | ${f(r.sendsPerDelivered)} | ${Math.round(r.latencyP50Ms)} | ${Math.round(r.latencyP99Ms)} | ${Math.round(r.coldLatencyP99Ms)} | ${r.lost} | ${r.duplicates} | ${f(r.receivesPerRecord)} | ${Math.round(r.cpuMicrosPerRecord)} | ${Math.round(r.simulatorMicrosPerRecord)} | ${Math.round(r.processCpuMicrosPerRecord)} | ${met ? 'met' : 'not met'} |`;
}

const loadBefore = os.loadavg();
const results: FleetResult[] = [];
const base = FLEET_BENCH.base;
const withAggregated = (list: readonly FleetMode[]) =>
  process.argv.includes('--aggregated') ? [...list, FLEET_MODES.aggregated] : list;
const modes = withAggregated(FLEET_BENCH.modes);
// Modes interleaved at each N, so that a change in the machine's load hits both alike.
for (const environments of FLEET_BENCH.environments) {
  const windowMs = fleetWindowMs(environments);
  for (const mode of withAggregated(fleetModes(environments))) {
    progress(
      `${mode}, N = ${environments}, window ${windowMs / 1_000} s, load ${os.loadavg()[0].toFixed(1)}`,
    );
    const result = await runFleet({ ...base, mode, environments, windowMs }, progress);
    progress(
      `  goodput ${f(result.goodput)}, Jain ${f(result.jain)}, sends/entry ${f(result.sendsPerDelivered)}, lost ${result.lost}, ${f(result.seconds, 0)} s`,
    );
    results.push(result);
  }
}
const aggregation: FleetResult[] = [];
for (const mode of FLEET_AGGREGATION.modes) {
  progress(`aggregation comparison: ${mode}, N = ${FLEET_AGGREGATION.environments}`);
  const result = await runFleet({ ...base, ...FLEET_AGGREGATION, mode }, progress);
  progress(`  ${f(result.userRecordsPerShardSecond, 1)} records/s per shard, lost ${result.lost}`);
  aggregation.push(result);
}
const loadAfter = os.loadavg();
const totalSeconds = (performance.now() - began) / 1_000;
const limits = `${1_000 * base.scale} records/s and ${Math.round(1_048_576 * base.scale)} B/s per shard (the service's × ${base.scale})`;
const header = [
  `Fleet simulation: ${base.shards} shards, ${limits}; records of ${base.recordBytes.min}–${base.recordBytes.max} B; hot key ${base.hotKeyShare * 100} % of records; each cold shard offered ${base.overload}× its capacity; batches of ≤ ${base.batchSize}, ${base.timeoutMs} ms deadline, failed records back after ${base.redeliveryMs} ms; ${base.warmupMs} ms warm-up, then max(${base.windowMs / 1_000} s, ${FLEET_BENCH.windowMsPerEnvironment / 1_000} s × N) measured, then limits lifted and the backlog drained; ${base.workers} worker threads.`,
  '',
  "Goodput is over what the offered load can reach (every shard is offered at least its capacity, so the stream's capacity). \"Jain by chance\" is the index a fleet fair in expectation would show from the same invocations (each one's records given to a random environment): the measurement's floor. Busy µs are per record delivered, environments' threads and the main thread (kinesalite, capacity model, source) apart: wall time the threads were not idle, inflated by a loaded machine. Process CPU µs is the CPU time of all threads in the window per record delivered in it. Load is the one-minute load average at the start of the run and at the end of its window (2 cores).",
  '',
  '| mode | N | window s | load | goodput | coldest shard | hot shard | Jain | Jain by chance | sends / delivered | p50 ms | p99 ms | p99 ms, cold shards | lost | duplicates | receives / record | busy µs / record | simulator µs / record | process CPU µs / record | goals |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const ceiling = 1_000 * base.scale;
const aggregationTable = [
  '',
  `Aggregation: N = ${FLEET_AGGREGATION.environments}, no hot key, records offered at ${FLEET_AGGREGATION.overload}× what the shards take unaggregated (${ceiling} records/s per shard).`,
  '',
  '| mode | user records / s per shard | × the record limit | PUT payload units per million records | sends / delivered (Kinesis records) | busy µs / record | p99 ms | lost |',
  '|---|---|---|---|---|---|---|---|',
  ...aggregation.map(
    (r) =>
      `| ${r.parameters.mode} | ${f(r.userRecordsPerShardSecond, 1)} | ${f(r.userRecordsPerShardSecond / ceiling)} | ${Math.round(r.payloadUnitsPerMillion).toLocaleString('en-US')} | ${f(r.sendsPerDelivered)} | ${Math.round(r.cpuMicrosPerRecord)} | ${Math.round(r.latencyP99Ms)} | ${r.lost} |`,
  ),
];
const table = [...header, ...results.map(row), ...aggregationTable].join('\n');
const panels = (metric: 'goodput' | 'jain') =>
  modes.map((mode) => ({
    label: LABELS[mode],
    color: COLORS[mode],
    points: results
      .filter((r) => r.parameters.mode === mode)
      .map((r) => ({ environments: r.parameters.environments, value: r[metric] })),
  }));
const svg = fleetChart(
  `Fleet: N environments, one stream of ${base.shards} shards, hot key ${base.hotKeyShare * 100} %`,
  `npm run bench -- fleet, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores at load ${loadBefore[0].toFixed(0)}–${loadAfter[0].toFixed(0)}; ${1_000 * base.scale} records/s per shard; window max(${base.windowMs / 1_000} s, ${FLEET_BENCH.windowMsPerEnvironment / 1_000} s × N)`,
  FLEET_BENCH.environments,
  [
    {
      title: 'goodput / capacity',
      yLabel: 'records stored / capacity',
      yMax: 1.2,
      goal: GOALS.goodput,
      series: panels('goodput'),
    },
    {
      title: "Jain's fairness over delivered records",
      yLabel: 'Jain index',
      yMax: 1,
      goal: GOALS.jain,
      series: panels('jain'),
    },
  ],
);
await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(new URL('fleet.svg', RESULTS_DIR), svg);
await writeFile(
  new URL('fleet.json', RESULTS_DIR),
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      command: 'npm run bench -- fleet',
      machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
      loadAverage: { before: loadBefore, after: loadAfter },
      totalSeconds: Math.round(totalSeconds),
      goals: GOALS,
      parameters: FLEET_BENCH,
      results,
      aggregation,
      table,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\n${table}\n\n`);
process.stdout.write(
  `${Math.round(totalSeconds)} s in all; load average before ${loadBefore[0].toFixed(2)}, after ${loadAfter[0].toFixed(2)} on ${os.cpus().length} cores.\nWrote bench/results/fleet.json and bench/results/fleet.svg\n`,
);
