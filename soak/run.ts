/**
 * `npm run soak`: pushes records through the local pipelines under randomized faults (see
 * soak/soak.ts), prints the report and writes it to soak/results/latest.json. Exit code 0
 * only when nothing was lost, dead-lettered or left unsettled.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PIPELINE_NAMES, type PipelineName } from '../local/pipeline/pipeline-settings.js';
import { runSoak } from './soak.js';
import { SOAK_DEFAULTS } from './soak-options.js';
import type { SoakPipelineProgress } from './soak-pipeline.js';
import { formatSoakReport } from './soak-report.js';

const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const DEFAULT_PIPELINES = SOAK_DEFAULTS.pipelines.map((p) => p.pipeline).join(',');

const HELP = `Usage: npm run soak -- [options]

Pushes records through the local pipelines (the ready-made functions from functions/,
bundled as CDK bundles them, each execution environment a child process, Lambda-semantics
pollers, kinesalite, fauxqs and a local Firehose) under randomized faults that change
every ${SOAK_DEFAULTS.phaseSeconds} s: failed entries (about 10 %), throttling, 500s and 503s, latency
spikes longer than the function's remaining time, connections dropped before and after
forwarding, functions that hang or freeze into their timeout, and processes killed in
the middle of a batch. Then it reads every destination back and reports records lost
(must be 0), duplicates and their causes, retries, throughput and the faults injected.

Options:
  --records <n>      records to produce in all (default ${SOAK_DEFAULTS.records.toLocaleString('en-US')})
  --minutes <m>      time bound: production stops after m minutes; what was produced is
                     still drained and verified (default ${SOAK_DEFAULTS.minutes})
  --seed <n>         seed of the faults (default ${SOAK_DEFAULTS.seed})
  --pipeline <list>  one pipeline or a comma-separated list, run side by side with the
                     records split among them (default ${DEFAULT_PIPELINES});
                     any of ${PIPELINE_NAMES.join(', ')}
  --out <file>       where the JSON report goes (default soak/results/latest.json)
  --help             this text

Exit code 0 only when no record was lost.
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function number(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isSafeInteger(parsed))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'whole ' : ''}number; got ${value}`);
  }
  return parsed;
}

function pipelines(value: string | undefined): { pipeline: PipelineName; share: number }[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(PIPELINE_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--pipeline: ${name} is not one of ${PIPELINE_NAMES.join(', ')}`);
    }
  }
  const defaults = new Map(SOAK_DEFAULTS.pipelines.map((p) => [p.pipeline, p.share]));
  // The default shares, when the defaults are named; otherwise an even split.
  const known = names.every((name) => defaults.has(name as PipelineName));
  return names.map((name) => ({
    pipeline: name as PipelineName,
    share: known ? (defaults.get(name as PipelineName) ?? 1) : 1,
  }));
}

function progressLine(all: ReadonlyMap<string, SoakPipelineProgress>, startedAt: number): string {
  const parts = [...all.values()].map(
    (p) =>
      `${p.pipeline}: produced ${p.produced.toLocaleString('en-US')}, settled ${p.settled.toLocaleString('en-US')} (${p.recordsPerSecond.toLocaleString('en-US')}/s), ${p.killed} killed, ${p.timedOut} timed out`,
  );
  const weather = [...all.values()].at(-1)?.weather ?? '';
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  return `[${String(seconds).padStart(4)} s] ${weather} · ${parts.join(' · ')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string' },
      minutes: { type: 'string' },
      seed: { type: 'string' },
      pipeline: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new UsageError(`--seed must be a whole number; got ${values.seed}`);
  }
  const out = path.resolve(values.out ?? DEFAULT_OUT);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());

  const latest = new Map<string, SoakPipelineProgress>();
  const startedAt = Date.now();
  let printedAt = 0;
  const report = await runSoak({
    records: number('records', values.records, true),
    minutes: number('minutes', values.minutes, false),
    seed,
    pipelines: pipelines(values.pipeline),
    signal: abort.signal,
    onStage: (stage) => console.log(`${stage}...`),
    onProgress: (progress) => {
      latest.set(progress.pipeline, progress);
      const now = Date.now();
      if (now - printedAt >= 5_000) {
        printedAt = now;
        console.log(progressLine(latest, startedAt));
      }
    },
  });
  console.log(progressLine(latest, startedAt));
  console.log('');
  for (const line of formatSoakReport(report)) console.log(line);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`report written to ${path.relative(process.cwd(), out) || out}`);
  return report.lost > 0 || !report.ok ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof RangeError) {
      console.error(`${error.message}\n\n${HELP}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
