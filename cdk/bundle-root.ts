import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** Lock files esbuild bundling accepts, in the order CDK's NodejsFunction looks for them. */
const LOCK_FILES = ['pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb', 'package-lock.json'] as const;

/** Where the function's bundle is built from: the project root and its lock file. */
export interface BundleRoot {
  /** The directory esbuild bundles from; the entry must be under it. */
  readonly projectRoot: string;
  /** The lock file of the project's dependencies. */
  readonly depsLockFilePath: string;
}

/** What the user said of the bundle's root; unset parts come from the app's working directory. */
export interface BundleRootProps {
  readonly projectRoot?: string;
  readonly depsLockFilePath?: string;
}

/**
 * The nearest lock file at or above `from`: the user's app when `cdk synth` runs in it,
 * as CDK's own NodejsFunction finds it, so an installed package bundles from the app.
 */
export function findLockFile(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const found = LOCK_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (found) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The bundle root for an entry, or why there is none: the lock file is the given one or
 * the nearest above the working directory; the project root is the given one or the
 * lock file's directory; the entry must lie under the project root.
 */
export function bundleRootFor(
  entry: string,
  props: BundleRootProps,
  cwd = process.cwd(),
): BundleRoot | string {
  const depsLockFilePath = props.depsLockFilePath ? resolve(props.depsLockFilePath) : findLockFile(cwd);
  if (!depsLockFilePath) {
    return (
      `No lock file (${LOCK_FILES.join(', ')}) at or above ${cwd}: run cdk synth in your app's directory, ` +
      'or set depsLockFilePath'
    );
  }
  if (!existsSync(depsLockFilePath)) return `depsLockFilePath ${depsLockFilePath} does not exist`;
  const projectRoot = resolve(props.projectRoot ?? dirname(depsLockFilePath));
  const fromRoot = relative(projectRoot, resolve(entry));
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) {
    return (
      `The function's entry ${resolve(entry)} is not under the project root ${projectRoot}: set projectRoot ` +
      '(and depsLockFilePath) to a directory that holds both your app and the entry'
    );
  }
  return { projectRoot, depsLockFilePath };
}
