import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DestinationKind, type SourceKind } from './endpoints.js';

/** The ready-made functions in `functions/`, each named `<source kind>-to-<destination kind>`. */
export const READY_MADE_FUNCTIONS = [
  'sqs-to-kinesis',
  'sqs-to-firehose',
  'kinesis-to-sqs',
  'kinesis-to-firehose',
] as const;
export type ReadyMadeFunctionName = (typeof READY_MADE_FUNCTIONS)[number];

/** The environment variable that names the destination, by destination kind. */
export const DESTINATION_VARIABLES = {
  [DestinationKind.KINESIS]: 'STREAM_NAME',
  [DestinationKind.FIREHOSE]: 'DELIVERY_STREAM_NAME',
  [DestinationKind.SQS]: 'QUEUE_URL',
} as const satisfies Record<DestinationKind, string>;

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
): ReadyMadeFunctionName | undefined {
  const name = `${source}-to-${destination}`;
  return READY_MADE_FUNCTIONS.find((candidate) => candidate === name);
}

/** The entry file of a ready-made function. */
export function readyMadeEntry(name: ReadyMadeFunctionName): string {
  return join(PROJECT_ROOT, 'functions', name, 'index.ts');
}
