/**
 * Item 5: each ready-made function bundled as the CDK bundles it (esbuild, minified ESM),
 * its size, and the median time to import it in a fresh Node process, against a bare
 * function that imports only the same SDK client.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { COLD_START } from './parameters.js';
import { median, round } from './statistics.js';

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The SDK client each kind of destination needs, and a bare function that uses only it. */
const BARE_FUNCTIONS = {
  kinesis: `import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
const client = new KinesisClient({});
export const handler = async () => {
  await client.send(new PutRecordsCommand({ StreamName: process.env.STREAM_NAME, Records: [] }));
  return { batchItemFailures: [] };
};`,
  firehose: `import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
const client = new FirehoseClient({});
export const handler = async () => {
  await client.send(new PutRecordBatchCommand({ DeliveryStreamName: process.env.DELIVERY_STREAM_NAME, Records: [] }));
  return { batchItemFailures: [] };
};`,
  sqs: `import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
const client = new SQSClient({});
export const handler = async () => {
  await client.send(new SendMessageBatchCommand({ QueueUrl: process.env.QUEUE_URL, Entries: [] }));
  return { batchItemFailures: [] };
};`,
} as const;

type ClientKind = keyof typeof BARE_FUNCTIONS;

/** What each function needs at cold start. Nothing is sent: importing only builds clients. */
const FUNCTION_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  STREAM_NAME: 'bench-stream',
  DELIVERY_STREAM_NAME: 'bench-delivery-stream',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-queue',
  NODE_NO_WARNINGS: '1',
} as const;

/** One bundle's figures. */
export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly importMsMedian: number;
  readonly importMsAll: readonly number[];
}

/** A function against the bare function of its SDK client. */
export interface ColdStartRow {
  readonly function: BundleFigures;
  readonly bare: BundleFigures;
  readonly client: ClientKind;
  readonly sizeRatio: number;
  readonly importRatio: number;
}

/** The figures of item 5. */
export interface ColdStartResult {
  readonly parameters: {
    readonly bundler: string;
    readonly imports: number;
    readonly node: string;
    readonly measured: string;
  };
  readonly rows: readonly ColdStartRow[];
}

const BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: COLD_START.esbuildTarget,
  mainFields: ['module', 'main'],
  banner: { js: COLD_START.banner },
  logLevel: 'silent',
};

/** The destination client a function's bundle is compared with; undefined where no bare client is measured. */
function bareClientOf(functionName: string): ClientKind | undefined {
  const destination = functionName.slice(functionName.lastIndexOf('-') + 1);
  if (destination === 'kinesis' || destination === 'firehose' || destination === 'sqs') return destination;
  return undefined;
}

function clientOf(functionName: string): ClientKind {
  const client = bareClientOf(functionName);
  if (client === undefined) throw new Error(`cannot tell the destination of function ${functionName}`);
  return client;
}

async function sizes(file: string): Promise<{ bytes: number; gzipBytes: number }> {
  const { size } = await stat(file);
  return { bytes: size, gzipBytes: gzipSync(await readFile(file)).length };
}

/** Imports `file` in a fresh process and answers how long the import took, in ms. */
async function timeImport(file: string): Promise<number> {
  const script = `const started = performance.now();
await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(String(performance.now() - started));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENVIRONMENT },
    cwd: tmpdir(),
  });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`importing ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
}

/** Runs item 5. */
export async function measureColdStart(progress: (line: string) => void): Promise<ColdStartResult> {
  const functionsDir = join(PROJECT_ROOT, 'functions');
  const names = (await readdir(functionsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => name.includes('-to-'))
    // Only the functions whose destination has a bare client to compare with (Kinesis, Firehose, SQS).
    .filter((name) => bareClientOf(name) !== undefined)
    .sort();
  const outDir = await mkdtemp(join(tmpdir(), 'bench-cold-start-'));
  try {
    const bundles = new Map<string, string>();
    for (const name of names) {
      const outfile = join(outDir, name, 'index.mjs');
      await build({ ...BUILD_OPTIONS, entryPoints: [join(functionsDir, name, 'index.ts')], outfile });
      bundles.set(name, outfile);
    }
    const clients = [...new Set(names.map(clientOf))];
    for (const client of clients) {
      const outfile = join(outDir, `bare-${client}`, 'index.mjs');
      await build({
        ...BUILD_OPTIONS,
        stdin: {
          contents: BARE_FUNCTIONS[client],
          resolveDir: PROJECT_ROOT,
          loader: 'ts',
          sourcefile: `bare-${client}.ts`,
        },
        outfile,
      });
      bundles.set(`bare-${client}`, outfile);
    }
    const times = new Map<string, number[]>([...bundles.keys()].map((name) => [name, []]));
    // Interleaved rounds, so that a busy moment of the machine falls on every bundle alike.
    for (let round = 0; round < COLD_START.imports; round++) {
      for (const [name, file] of bundles) times.get(name)!.push(await timeImport(file));
    }
    const figures = new Map<string, BundleFigures>();
    for (const [name, file] of bundles) {
      const all = times.get(name)!;
      figures.set(name, {
        name,
        ...(await sizes(file)),
        importMsMedian: round(median(all)),
        importMsAll: all.map((ms) => round(ms)),
      });
    }
    const rows = names.map((name): ColdStartRow => {
      const client = clientOf(name);
      const fn = figures.get(name)!;
      const bare = figures.get(`bare-${client}`)!;
      progress(
        `cold start: ${name} ${fn.bytes} B, import ${fn.importMsMedian} ms; bare ${client} ${bare.bytes} B, ${bare.importMsMedian} ms`,
      );
      return {
        function: fn,
        bare,
        client,
        sizeRatio: round(fn.bytes / bare.bytes),
        importRatio: round(fn.importMsMedian / bare.importMsMedian),
      };
    });
    return {
      parameters: {
        bundler: `esbuild ${COLD_START.esbuildTarget}, bundle, minify, ESM, mainFields module,main, createRequire banner, AWS SDK bundled (as cdk/defaults.ts)`,
        imports: COLD_START.imports,
        node: process.version,
        measured:
          'time of `await import(bundle)` inside a fresh `node` process (Node start-up excluded), rounds interleaved across bundles; median',
      },
      rows,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
