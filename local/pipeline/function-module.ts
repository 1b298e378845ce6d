/**
 * Loading a ready-made function from functions/ the way Lambda does: the environment first,
 * then a fresh import of the module, whose cold start reads that environment.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import {
  DESTINATION_OPTION_VARIABLES,
  DESTINATION_VARIABLES,
  DestinationKind,
  FUNCTION_VARIABLES,
  POWERTOOLS_VARIABLES,
} from '../../functions/contract.js';
import type { BatchHandler } from '../pollers/types.js';
import type { PipelineName } from './pipeline-settings.js';

/** Every variable a ready-made function reads: cleared, so that the shell's values do not leak in. */
export const CLEARED_VARIABLES = [
  ...FUNCTION_VARIABLES,
  ...Object.values(POWERTOOLS_VARIABLES),
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_KINESIS',
  'AWS_ENDPOINT_URL_FIREHOSE',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

/** The variables that point a ready-made function at its destination, as the construct sets them. */
export function destinationVariables(kind: DestinationKind, address: string): Record<string, string> {
  return {
    [DESTINATION_VARIABLES[kind]]: address,
    ...(kind === DestinationKind.Kinesis ? { [DESTINATION_OPTION_VARIABLES.partitionKeyField]: 'id' } : {}),
    ...(kind === DestinationKind.Firehose ? { [DESTINATION_OPTION_VARIABLES.appendNewline]: 'true' } : {}),
  };
}

let functionInstances = 0;

/**
 * Imports functions/<name>/index as Lambda does at a cold start, after the environment is
 * set. The query string makes each run a fresh module instance, so its configuration is read anew.
 */
export async function loadFunction(name: PipelineName): Promise<BatchHandler<SQSEvent | KinesisStreamEvent>> {
  const base = new URL(`../../functions/${name}/index`, import.meta.url);
  const extension = existsSync(`${fileURLToPath(base)}.ts`) ? '.ts' : '.js';
  functionInstances += 1;
  const module = (await import(`${base.href}${extension}?instance=${functionInstances}`)) as {
    handler?: unknown;
  };
  if (typeof module.handler !== 'function') {
    throw new Error(`functions/${name}/index${extension} does not export a handler function`);
  }
  return module.handler as BatchHandler<SQSEvent | KinesisStreamEvent>;
}

/** Sets variables and returns how to put the previous values back. */
export function setEnvironment(values: Readonly<Record<string, string | undefined>>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
