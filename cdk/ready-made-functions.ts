import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_NAMES, type FunctionName } from '../functions/contract.js';
import type { DestinationKind, SourceKind } from './endpoints.js';

export {
  DESTINATION_VARIABLES,
  FUNCTION_NAMES as READY_MADE_FUNCTIONS,
  type FunctionName as ReadyMadeFunctionName,
} from '../functions/contract.js';

/** This module's own file: `cdk/*.ts` in the repository, `dist/cdk/*.js` in the installed package. */
const THIS_FILE = fileURLToPath(import.meta.url);

/** The ready-made function for a source and destination kind, or `undefined` when there is none. */
export function readyMadeFunctionFor(
  source: SourceKind,
  destination: DestinationKind,
): FunctionName | undefined {
  const name = `${source}-to-${destination}`;
  return FUNCTION_NAMES.find((candidate) => candidate === name);
}

/**
 * The entry file of a ready-made function, beside this module: `functions/<name>/index.ts`
 * in the repository, `dist/functions/<name>/index.js` in the installed package, so a
 * user's app bundles the copy it installed.
 */
export function readyMadeEntry(name: FunctionName): string {
  return join(dirname(THIS_FILE), '..', 'functions', name, `index${extname(THIS_FILE)}`);
}
