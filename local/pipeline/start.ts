/**
 * `npm start`: runs one pipeline on this machine (see local/pipeline/pipeline.ts) and prints a
 * summary read back from the destination. Exit code 0 only when every record arrived.
 */
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { FaultConfig } from '../services/fault-proxy.js';
import { quietSdkNodeVersionWarning } from '../services/sdk-node-warning.js';
import type { PipelineName, PipelineProgress, PipelineSettings, PipelineSummary } from './pipeline.js';
import {
  PIPELINE_DEFAULTS,
  PIPELINE_NAMES,
  pipelineSettings,
  runPipeline,
  simpleFaults,
} from './pipeline.js';

const HELP = `Usage: npm start -- [options]

Runs a whole pipeline locally, with no AWS account: local services on 127.0.0.1
(kinesalite, fauxqs, dynalite, a local Firehose endpoint), the function module from functions/
that CDK bundles, and an event-source poller with Lambda's semantics. A producer writes
records into the source; at the end the destination is read back and the summary
shows what arrived.

Options:
  --pipeline <name>     ${PIPELINE_NAMES.join(' | ')}
                        (default ${PIPELINE_DEFAULTS.pipeline})
  --records <n>         records to produce (default ${PIPELINE_DEFAULTS.records.toLocaleString('en-US')})
  --fault-rate <r>      share of the destination's batch entries that fail (0 to 1; half
                        throttled, half internal errors), plus whole calls failing with
                        HTTP 500 or 503 at a tenth of that rate each (default 0)
  --throttle <r>        share of the destination's calls throttled as a whole (0 to 1, default 0)
  --latency <ms>        added to every destination call, plus up to half as much jitter (default 0)
  --batch-size <n>      records per invocation (default 10 from SQS, 100 from a stream)
  --timeout <ms>        the function timeout (default ${PIPELINE_DEFAULTS.timeoutMs.toLocaleString('en-US')}, Lambda's)
  --seed <n>            seed of the fault injection (default ${PIPELINE_DEFAULTS.seed})
  --function-logs <lvl> the function's log level: DEBUG, INFO, WARN, ERROR (default silent)
  --help                this text

Examples:
  npm start
  npm start -- --pipeline kinesis-to-firehose --records 50000
  npm start -- --pipeline sqs-to-firehose --fault-rate 0.1 --throttle 0.05 --latency 20
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';

  constructor() {
    super('interrupted: the local services were stopped');
  }
}

function rate(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1))
    throw new UsageError(`--${name} must be a number from 0 to 1; got ${value}`);
  return parsed;
}

function whole(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new UsageError(`--${name} must be a whole number; got ${value}`);
  }
  return parsed;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function describeFaults(faults: FaultConfig): string {
  const parts: string[] = [];
  if (faults.entryFailureRate) parts.push(`${faults.entryFailureRate * 100} % of entries fail`);
  if (faults.internalErrorRate || faults.unavailableRate) {
    parts.push(
      `${((faults.internalErrorRate ?? 0) + (faults.unavailableRate ?? 0)) * 100} % of calls get a 5xx`,
    );
  }
  if (faults.throttleRate) parts.push(`${faults.throttleRate * 100} % of calls throttled`);
  if (faults.latencyMs) parts.push(`+${faults.latencyMs}–${faults.latencyMs * 1.5} ms per call`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function describeSetup(settings: PipelineSettings): string[] {
  const [source, destination] = settings.pipeline.split('-to-');
  const sourceLine =
    source === 'sqs'
      ? `SQS queue: batch size ${settings.batchSize}, ${settings.concurrency} pollers, visibility timeout ${settings.visibilityTimeoutSeconds} s, dead-letter queue after ${settings.maxReceiveCount} receives`
      : `${source === 'dynamodb' ? 'DynamoDB table on dynalite, its changes captured into a stream (local/dynamodb-streams)' : 'Kinesis stream'}, ${settings.shards} shards: batch size ${settings.batchSize}, bisect on error, ${settings.maximumRetryAttempts} retries, then the on-failure queue`;
  const destinationLine =
    destination === 'kinesis'
      ? `Kinesis stream, ${settings.shards} shards`
      : destination === 'firehose'
        ? 'Firehose stream delivering to local files'
        : 'SQS queue';
  return [
    `  source       ${sourceLine}`,
    `  function     functions/${settings.pipeline}/index.ts, timeout ${count(settings.timeoutMs)} ms`,
    `  destination  ${destinationLine}, behind the fault proxy`,
    `  faults       ${describeFaults(settings.faults)}`,
  ];
}

function progressLine(p: PipelineProgress): string {
  return [
    `produced ${count(p.produced)}`,
    `delivered ${count(p.delivered)}`,
    `retried ${count(p.retried)}`,
    ...(p.deadLettered > 0 ? [`dead-lettered ${count(p.deadLettered)}`] : []),
    `${count(p.recordsPerSecond)} records/s`,
    seconds(p.elapsedMs),
  ].join(' · ');
}

function summaryLines(s: PipelineSummary): string[] {
  const f = s.faults;
  const entryFaults = f.entryThrottle + f.entryInternal + f.entrySenderFault;
  const callFaults = f.internalError + f.unavailable + f.throttle + f.dropBefore + f.dropAfter;
  const where = s.pipeline.endsWith('kinesis')
    ? 'the Kinesis stream'
    : s.pipeline.endsWith('firehose')
      ? 'the delivered files'
      : 'the queue';
  const lines = [
    'Summary (read back from the destination)',
    `  produced         ${count(s.produced)}`,
    `  delivered        ${count(s.delivered)}   distinct records found in ${where}`,
    `  missing          ${count(s.missing)}${s.missingIds.length > 0 ? `   e.g. ${s.missingIds.slice(0, 5).join(', ')}` : ''}`,
    `  duplicates       ${count(s.duplicates)}   extra copies (at-least-once delivery allows them)`,
    `  dead-lettered    ${count(s.deadLettered)}`,
    `  retries          ${count(s.retried)}   records handed to the function again after a failure`,
    `  invocations      ${count(s.invocations)} (${count(s.poller.partial)} partial, ${count(s.failedInvocations)} failed as a whole)`,
    `  faults injected  ${count(entryFaults)} entries, ${count(callFaults)} calls, ${count(f.delayed)} delayed`,
    `  elapsed          ${seconds(s.elapsedMs)} (${count(Math.round((s.produced * 1000) / Math.max(1, s.elapsedMs)))} records/s), read-back ${seconds(s.verifyMs)}`,
  ];
  if (s.unexpected > 0) lines.push(`  unexpected       ${count(s.unexpected)}   payloads no producer wrote`);
  if (s.timedOut)
    lines.push(`  gave up after ${seconds(s.settings.runTimeoutMs)} with records still unsettled`);
  lines.push(
    s.ok
      ? `OK: all ${count(s.produced)} records reached the destination.`
      : `NOT OK: ${count(s.missing)} missing, ${count(s.deadLettered)} dead-lettered, ${count(s.unexpected)} unexpected.`,
  );
  return lines;
}

async function main(argv: readonly string[]): Promise<number> {
  quietSdkNodeVersionWarning();
  const { values } = parseArgs({
    args: [...argv],
    options: {
      pipeline: { type: 'string' },
      records: { type: 'string' },
      'fault-rate': { type: 'string' },
      throttle: { type: 'string' },
      latency: { type: 'string' },
      'batch-size': { type: 'string' },
      timeout: { type: 'string' },
      seed: { type: 'string' },
      'function-logs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const pipeline = (values.pipeline ?? PIPELINE_DEFAULTS.pipeline) as PipelineName;
  if (!PIPELINE_NAMES.includes(pipeline)) {
    throw new UsageError(`--pipeline must be one of ${PIPELINE_NAMES.join(', ')}; got ${values.pipeline}`);
  }
  const options = {
    pipeline,
    records: whole('records', values.records),
    batchSize: whole('batch-size', values['batch-size']),
    timeoutMs: whole('timeout', values.timeout),
    seed: whole('seed', values.seed),
    faults: simpleFaults({
      faultRate: rate('fault-rate', values['fault-rate']),
      throttleRate: rate('throttle', values.throttle),
      latencyMs: whole('latency', values.latency) ?? 0,
    }),
    functionLogLevel: values['function-logs']?.toUpperCase(),
  };
  const settings = pipelineSettings(options);

  const out = process.stdout;
  const tty = out.isTTY === true;
  out.write(`lambda-async-sink: ${settings.pipeline}, ${count(settings.records)} records, on this machine\n`);
  out.write(`${describeSetup(settings).join('\n')}\n\n`);
  let lineOpen = false;
  // Ctrl-C once stops the run cleanly (services stopped, temporary files removed); twice quits at once.
  const interrupt = new AbortController();
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort(new Interrupted());
  });
  const summary = await runPipeline({
    ...options,
    signal: interrupt.signal,
    progressIntervalMs: tty ? 200 : 1_000,
    onStage: (stage) => {
      if (lineOpen) out.write('\n');
      lineOpen = false;
      out.write(`${stage}...\n`);
    },
    onProgress: (progress) => {
      if (tty) {
        // Node's own cursor moves, not a library: a status line does not earn a runtime dependency of the package.
        readline.cursorTo(out, 0);
        readline.clearLine(out, 0);
        out.write(progressLine(progress));
        lineOpen = true;
      } else {
        out.write(`${progressLine(progress)}\n`);
      }
    },
  });
  if (lineOpen) out.write('\n');
  out.write(`\n${summaryLines(summary).join('\n')}\n`);
  return summary.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    // The local services may hold sockets or timers open; the run is over.
    process.exit(code);
  },
  (error: unknown) => {
    // parseArgs throws a TypeError with a code; the settings throw RangeErrors.
    if (
      error instanceof UsageError ||
      error instanceof RangeError ||
      (error instanceof TypeError && 'code' in error)
    ) {
      process.stderr.write(`${error.message}\n\nRun with --help to see the options.\n`);
      process.exit(2);
    }
    if (error instanceof Interrupted) {
      process.stderr.write(`\n${error.message}\n`);
      process.exit(130);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
