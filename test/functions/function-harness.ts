/**
 * Imports a ready-made function as Lambda does: a fresh module instance, read after the
 * environment is set, so that its cold-start configuration sees the test's variables.
 */
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../local/index.js';
import { CLEARED_VARIABLES } from '../../local/pipeline/function-module.js';
import { OutputCapture } from '../handler/output-capture.js';

/** The handler a ready-made function exports, called as Lambda calls it. */
export type FunctionHandler = (
  event: unknown,
  context: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

const IMPORTERS = {
  'sqs-to-kinesis': () => import('../../functions/sqs-to-kinesis/index.js'),
  'sqs-to-firehose': () => import('../../functions/sqs-to-firehose/index.js'),
  'kinesis-to-sqs': () => import('../../functions/kinesis-to-sqs/index.js'),
  'kinesis-to-firehose': () => import('../../functions/kinesis-to-firehose/index.js'),
  'sqs-to-dynamodb': () => import('../../functions/sqs-to-dynamodb/index.js'),
  'kinesis-to-dynamodb': () => import('../../functions/kinesis-to-dynamodb/index.js'),
  'sqs-to-eventbridge': () => import('../../functions/sqs-to-eventbridge/index.js'),
  'kinesis-to-eventbridge': () => import('../../functions/kinesis-to-eventbridge/index.js'),
  'sqs-to-sns': () => import('../../functions/sqs-to-sns/index.js'),
  'kinesis-to-sns': () => import('../../functions/kinesis-to-sns/index.js'),
  'sqs-to-cloudwatch': () => import('../../functions/sqs-to-cloudwatch/index.js'),
  'kinesis-to-cloudwatch': () => import('../../functions/kinesis-to-cloudwatch/index.js'),
  'dynamodb-to-kinesis': () => import('../../functions/dynamodb-to-kinesis/index.js'),
  'dynamodb-to-firehose': () => import('../../functions/dynamodb-to-firehose/index.js'),
} as const;

export type FunctionName = keyof typeof IMPORTERS;

/** What every function needs to reach the local services: a region and dummy credentials. */
export const LOCAL_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  POWERTOOLS_SERVICE_NAME: 'function-test',
  POWERTOOLS_METRICS_NAMESPACE: 'LambdaAsyncSinkTest',
} as const;

/** Sets the environment (restored by `vi.unstubAllEnvs()`) and imports the function's module afresh. */
export async function importFunction(
  name: FunctionName,
  env: Record<string, string>,
): Promise<FunctionHandler> {
  for (const variable of CLEARED_VARIABLES) vi.stubEnv(variable, undefined);
  for (const [variable, value] of Object.entries({ ...LOCAL_ENVIRONMENT, ...env }))
    vi.stubEnv(variable, value);
  vi.resetModules();
  const module = await IMPORTERS[name]();
  return module.handler as unknown as FunctionHandler;
}

/** The ids a response reports failed, sorted. */
export function reportedIds(response: { batchItemFailures: { itemIdentifier: string }[] }): string[] {
  return response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();
}

/** What a function test works against: a local service, the fault proxy in front of it, the captured output. */
export interface FunctionTestBed<Service> {
  readonly service: Service;
  readonly proxy: FaultProxy;
  readonly output: OutputCapture;
}

/**
 * Registers the hooks of a function test file: the service and its seeded fault proxy for the
 * whole file, the output captured per test, and faults and environment reset after each.
 */
export function useFunctionTestBed<Service extends { readonly endpoint: string; close(): Promise<void> }>(
  start: () => Promise<Service>,
  seed: number,
): FunctionTestBed<Service> {
  const bed = {} as { service: Service; proxy: FaultProxy; output: OutputCapture };
  beforeAll(async () => {
    bed.service = await start();
    bed.proxy = await startFaultProxy({ upstream: bed.service.endpoint, seed });
  });
  afterAll(async () => {
    await bed.proxy?.close();
    await bed.service?.close();
  });
  beforeEach(() => {
    bed.output = new OutputCapture();
  });
  afterEach(() => {
    bed.output.restore();
    bed.proxy.setFaults({});
    vi.unstubAllEnvs();
  });
  return bed;
}
