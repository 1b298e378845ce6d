/**
 * `npm run bench`: measures the five figures of issue 8 and P6, P7 and P9 of issue 13, each
 * a ratio taken in this one run, prints them as a table with their parameters and goals,
 * and writes bench/results/latest.json (issue 13's figures also under p6, p7, p9) and
 * bench/results/throughput.svg.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { throughputChart } from './chart.js';
import { measureColdStart } from './cold-start.js';
import { measureCoreOverhead } from './core-overhead.js';
import { estimateLambdaCost } from './lambda-cost.js';
import { measureLatency } from './latency.js';
import { useLocalCredentials } from './local-credentials.js';
import { measureOrderedCore, orderedCoreRow } from './ordered-core.js';
import * as parameters from './parameters.js';
import { type BenchResults, markdownTable, tableRows } from './report.js';
import { measureRequestCount } from './request-count.js';
import { startServiceProcess } from './service-process.js';
import { measureThrottling } from './throttling.js';
import { measureWallTime } from './wall-time.js';
import { measureWholePath } from './whole-path.js';

// `npm run bench -- fleet` runs the fleet simulation (bench/fleet/) instead.
if (process.argv[2] === 'fleet') {
  await import('./fleet/run.js');
  process.exit(0);
}

// `npm run bench -- p7` and `npm run bench -- p8` run P7 or P8 alone, and write nothing.
if (process.argv[2] === 'p7' || process.argv[2] === 'p8') {
  await import('./issue13-only.js');
  process.exit(0);
}

// `npm run bench -- p6 sqs` runs P6 for one destination only, and writes nothing.
if (process.argv[2] === 'p6') {
  await import('./whole-path-only.js');
  process.exit(0);
}

const RESULTS_DIR = new URL('./results/', import.meta.url);
const LATENCY_RECORDS = parameters.LATENCY.records;

useLocalCredentials();

const started = performance.now();
function progress(line: string): void {
  const seconds = ((performance.now() - started) / 1_000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds} s] ${line}\n`);
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
  };
}

const loadBefore = os.loadavg();
progress(
  `machine: ${JSON.stringify(machine())}, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`,
);

progress('1. core overhead');
const coreOverhead = await measureCoreOverhead(progress);
progress('P8. ordered core');
const p8 = await measureOrderedCore(progress);
progress('2. requests');
const requestCount = await measureRequestCount(progress);
const service = await startServiceProcess();
let latency: BenchResults['latency'];
let throttling: BenchResults['throttling'];
let wholePath: BenchResults['wholePath'];
let wallTime: BenchResults['wallTime'];
try {
  progress('3. wall time under latency, and the chart');
  latency = await measureLatency(service, progress);
  progress('4. throttling');
  throttling = await measureThrottling(service, progress);
  progress('P6. whole path CPU per record against minimal clients');
  wholePath = await measureWholePath(service, progress);
  progress('P7. wall time against its floor, first request on the wire');
  wallTime = await measureWallTime(service, progress);
} finally {
  await service.close();
}
progress('5. cold start');
const coldStart = await measureColdStart(progress);
const costOf = (contender: string, records: number, run: { cpuMs: number; elapsedMs: number }) => ({
  contender,
  records,
  cpuMs: run.cpuMs,
  elapsedMs: run.elapsedMs,
});
const lambdaCost = estimateLambdaCost([
  costOf(wallTime.sink.contender, LATENCY_RECORDS, wallTime.sink),
  costOf(wallTime.beforeIssue13.contender, LATENCY_RECORDS, wallTime.beforeIssue13),
  costOf(latency.powertools.contender, latency.powertools.records, latency.powertools),
  costOf(latency.handRolled.contender, latency.handRolled.records, latency.handRolled),
]);

const results: BenchResults = {
  coreOverhead,
  requestCount,
  latency,
  throttling,
  coldStart,
  wholePath,
  wallTime,
  lambdaCost,
};
const rows = [...tableRows(results), orderedCoreRow(p8)];
const table = markdownTable(rows);
const loadAfter = os.loadavg();
const totalSeconds = (performance.now() - started) / 1_000;

const { chart } = latency;
const colors: Record<string, string> = {
  'lambda-async-sink': '#1f6fd1',
  'Powertools BatchProcessor': '#2a9d3f',
  'hand-rolled Promise.all': '#e07b00',
};
const labels: Record<string, string> = {
  'lambda-async-sink': 'lambda-async-sink (maxInFlightRequests 10)',
  'Powertools BatchProcessor': 'Powertools BatchProcessor, PutRecord per record',
  'hand-rolled Promise.all': 'hand-rolled Promise.all, no retry (loses failed entries)',
};
const svg = throughputChart(
  'Throughput: 10,000 records of 200–1,000 B to a Kinesis stub behind the fault proxy',
  `npm run bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores; medians of ${parameters.LATENCY.sinkRepetitions} runs (Powertools: one run)`,
  [
    {
      title: 'against added latency',
      xLabel: 'latency added per call (ms)',
      xs: parameters.CHART.latenciesMs,
      categorical: false,
      series: Object.entries(chart.byLatency).map(([name, points]) => ({
        label: labels[name] ?? name,
        color: colors[name] ?? '#777',
        points: points.map((p) => ({ x: p.x, y: p.recordsPerSecond })),
      })),
    },
    {
      title: `against maxInFlightRequests, +${chart.byInFlight.latencyMs} ms`,
      xLabel: 'maxInFlightRequests',
      xs: parameters.CHART.inFlightLimits,
      categorical: true,
      series: [
        {
          label: 'lambda-async-sink, measured',
          color: colors['lambda-async-sink'],
          points: chart.byInFlight.sink.map((p) => ({ x: p.x, y: p.recordsPerSecond })),
        },
        {
          label: 'ideal: records / (⌈requests / m⌉ × latency)',
          color: '#888',
          dashed: true,
          points: chart.byInFlight.ideal.map((p) => ({ x: p.x, y: p.recordsPerSecond })),
        },
      ],
    },
  ],
);

await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(new URL('throughput.svg', RESULTS_DIR), svg);
await writeFile(
  new URL('latest.json', RESULTS_DIR),
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      command: 'npm run bench',
      machine: machine(),
      loadAverage: { before: loadBefore, after: loadAfter },
      totalSeconds: Math.round(totalSeconds),
      parameters,
      results: { coreOverhead, requestCount, latency, throttling, coldStart },
      p6: wholePath,
      p7: wallTime,
      p8,
      p9: lambdaCost,
      table: rows,
    },
    null,
    2,
  )}\n`,
);

process.stdout.write(`\n${table}\n\n`);
const missed = rows.filter((row) => row.status === 'not met');
process.stdout.write(
  `${rows.filter((row) => row.status === 'met').length} goals met, ${missed.length} not met; ${Math.round(totalSeconds)} s in all; load average before ${loadBefore[0].toFixed(2)}, after ${loadAfter[0].toFixed(2)} on ${os.cpus().length} cores.\n`,
);
process.stdout.write('Wrote bench/results/latest.json and bench/results/throughput.svg\n');
