/**
 * The function as CDK deploys it: functions/<pipeline>/index.ts bundled by esbuild with the
 * construct's own bundling settings (cdk/defaults.ts), plus the child-process host bundled
 * alike, so that a fresh execution environment is a plain `node` process whose cold start
 * costs a tenth of a second instead of a TypeScript loader's half second. A soak that kills
 * processes by the dozen starts many.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLING_DEFAULTS } from '../cdk/defaults.js';
import type { PipelineName } from '../local/pipeline/pipeline-settings.js';

/** The bundled files of one function, in a temporary directory. */
export interface FunctionBundle {
  /** The bundled function module (exports `handler`). */
  readonly module: string;
  /** The bundled child-process host that imports it. */
  readonly host: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

const source = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING_DEFAULTS.format,
    // The Node.js that runs the soak, not Lambda's: the bundle runs here.
    target: `node${process.versions.node.split('.')[0]}`,
    minify: BUNDLING_DEFAULTS.minify,
    mainFields: [...BUNDLING_DEFAULTS.mainFields],
    banner: { js: BUNDLING_DEFAULTS.banner },
    logLevel: 'silent',
  });
}

/** Bundles functions/<pipeline>/index.ts and the child-process host into a temporary directory. */
export async function bundleFunction(pipeline: PipelineName): Promise<FunctionBundle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lambda-async-sink-soak-bundle-'));
  try {
    const module = path.join(dir, `${pipeline}.mjs`);
    const host = path.join(dir, 'child-process-host.mjs');
    await Promise.all([
      bundle(source(`../functions/${pipeline}/index.ts`), module),
      bundle(source('../local/pollers/child-process-host.ts'), host),
    ]);
    return { module, host, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
