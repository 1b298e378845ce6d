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
import { LOCAL_AWS } from '../services/clients.js';
import { destinationOf, type PipelineName } from './pipeline-settings.js';

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

/** What {@link functionEnvironment} needs to know of the run. */
export interface FunctionEnvironmentOptions {
  readonly pipeline: PipelineName;
  /** Where the function sends: the fault proxy in front of the destination. */
  readonly endpoint: string;
  /** The variables that point the function at its destination. */
  readonly destinationVariables: Readonly<Record<string, string>>;
  /** The function's POWERTOOLS_LOG_LEVEL. */
  readonly logLevel: string;
  /** Extra variables, e.g. `{ MAX_ATTEMPTS: '3' }`; they win. */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * The environment a Lambda's configuration gives a ready-made function here: the region,
 * dummy credentials, its name, the destination's endpoint and the function's own variables.
 */
export function functionEnvironment(options: FunctionEnvironmentOptions): Record<string, string> {
  return {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: options.pipeline,
    [POWERTOOLS_VARIABLES.serviceName]: options.pipeline,
    [POWERTOOLS_VARIABLES.logLevel]: options.logLevel,
    POWERTOOLS_METRICS_DISABLED: 'true',
    [`AWS_ENDPOINT_URL_${destinationOf(options.pipeline).toUpperCase()}`]: options.endpoint,
    ...options.destinationVariables,
    ...options.extra,
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
