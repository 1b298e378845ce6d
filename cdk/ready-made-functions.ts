import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_NAMES, type FunctionName } from '../functions/contract.js';
import type { DestinationKind, SourceKind } from './endpoints.js';

export {
  DESTINATION_VARIABLES,
  FUNCTION_NAMES as READY_MADE_FUNCTIONS,
  type FunctionName as ReadyMadeFunctionName,
} from '../functions/contract.js';

/**
 * The repository root: the bundle's project root, holding `package-lock.json` and
 * `functions/`. Found by walking up, so it is the same from `cdk/` and from `dist/cdk/`.
 */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package-lock.json above ${from}`);
  }
}

/** The ready-made function for a source and destination kind, or `undefined` when there is none. */
export function readyMadeFunctionFor(
  source: SourceKind,
  destination: DestinationKind,
): FunctionName | undefined {
  const name = `${source}-to-${destination}`;
  return FUNCTION_NAMES.find((candidate) => candidate === name);
}

/** The entry file of a ready-made function. */
export function readyMadeEntry(name: FunctionName): string {
  return join(PROJECT_ROOT, 'functions', name, 'index.ts');
}
