/**
 * The bad-input matrix's harness (bad-input.test.ts): the local services started once per file,
 * the output captured per test, records and what they arrive as, and one case run through a
 * real handler (a ready-made function, or `createSinkHandler` with its own `convert`) with
 * every record accounted for. `useBadInputHarness()` registers the hooks; call it once, at the
 * top of the test file.
 */
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { expect } from 'vitest';
import type { Destination } from '../../lib/core/types.js';
import { sqsDestination } from '../../lib/destinations/sqs.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { DeadLetter } from '../../lib/handler/poison.js';
import type { WholeBatchFailedError } from '../../lib/handler/whole-batch-failed-error.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { type FunctionName, importFunction } from '../functions/function-harness.js';
import { type ExpectedRecord, expectAccountedFor, type Outcome } from './accounting.js';
import {
  arrivesThroughNewer,
  destinationKindOf,
  freshTarget,
  type LocalPipelineTest,
  recordId,
  sourceBytes,
  type Target,
  useLocalPipelineServices,
} from './local-pipelines.js';

export type SourceRecord = SQSRecord | KinesisStreamRecord;
export type Response = { batchItemFailures: { itemIdentifier: string }[] };
type Handler = (event: unknown, context: unknown) => Promise<Response>;

/** A marker in the bad records' payloads that must never appear in the output. */
export const NOT_LOGGED = 'payload-marker-7f3a';

/** The services and this test's output, once {@link useBadInputHarness} ran. */
let local: LocalPipelineTest;

/** Starts the local services for the file and captures each test's output (see useLocalPipelineServices). */
export function useBadInputHarness(): LocalPipelineTest {
  local = useLocalPipelineServices();
  return local;
}

// ---------------------------------------------------------------------------------------------
// Records and what they arrive as.

let messageCount = 0;

/** An SQS record with a short, known message id (the default Kinesis partition key of sqs-to-kinesis). */
export function sqs(body: string, groupId?: string): SQSRecord {
  return sqsRecord({ body, messageId: `m-${++messageCount}`, groupId });
}

export function kinesis(data: string | Uint8Array, partitionKey?: string): KinesisStreamRecord {
  return kinesisRecord({ data, partitionKey });
}

/** An SQS body that makes a Kinesis record of exactly `bytes` (data plus the message id as key). */
export function sqsForKinesisRecordOf(bytes: number): SQSRecord {
  const messageId = `m-${++messageCount}`;
  return sqsRecord({ messageId, body: 'k'.repeat(bytes - messageId.length) });
}

/** A JSON body whose `key` is the partition key and whose whole size, with the key, is `bytes`. */
export function bodyWithKey(key: string, bytes?: number): string {
  const prefix = `{"key":"${key}","pad":"`;
  const suffix = '"}';
  if (bytes === undefined) return `${prefix}${suffix}`;
  const padding = bytes - Buffer.byteLength(key) - Buffer.byteLength(prefix) - Buffer.byteLength(suffix);
  return `${prefix}${'p'.repeat(padding)}${suffix}`;
}

function newlineTerminated(bytes: Buffer): Buffer {
  return bytes.at(-1) === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
}

/** What a ready-made function writes for a record. */
function arrivesFromFunction(pipeline: FunctionName, env: Record<string, string>) {
  const appendNewline = env.APPEND_NEWLINE !== 'false';
  const kind = destinationKindOf(pipeline);
  return (record: SourceRecord): Buffer => {
    if (kind === 'firehose' && appendNewline) return newlineTerminated(sourceBytes(record));
    if (kind === 'kinesis' || kind === 'firehose' || kind === 'sqs') return sourceBytes(record);
    return arrivesThroughNewer(kind, record);
  };
}

// ---------------------------------------------------------------------------------------------
// Running one case.

/** Where poison records go in a case. */
export type Poison = 'retry' | 'dead-letter' | 'drop';

export interface RecordCase {
  readonly name: string;
  /** `<source>-to-<destination>`: the ready-made function, unless `convert` is given. */
  readonly pipeline: FunctionName;
  /** The handler's own conversion, for `createSinkHandler`. */
  readonly convert?: (record: never) => unknown;
  /** More variables for the ready-made function. */
  readonly env?: Record<string, string>;
  readonly poison?: Poison;
  readonly records: () => readonly (readonly [SourceRecord, Outcome])[];
  /** The bytes a delivered record arrives as, when not what the ready-made function writes. */
  readonly arrives?: (record: SourceRecord) => Buffer;
  /** How many requests the destination must have been sent. */
  readonly requests?: number;
}

interface Built {
  readonly handler: Handler;
  readonly target: Target;
  readonly deadLetterQueueUrl: string | undefined;
}

export async function build(
  pipeline: FunctionName,
  options: {
    convert?: (record: never) => unknown;
    env?: Record<string, string>;
    poison?: Poison;
    target?: Target;
  },
): Promise<Built> {
  const target = options.target ?? (await freshTarget(local.services, destinationKindOf(pipeline)));
  const poison = options.poison ?? 'retry';
  const deadLetterQueueUrl =
    poison === 'dead-letter'
      ? await local.services.sqs.createQueue(`dead-letters-${++messageCount}`)
      : undefined;
  if (options.convert === undefined) {
    const handler = await importFunction(pipeline, {
      ...target.env,
      ...options.env,
      POISON_POLICY: poison,
      ...(deadLetterQueueUrl === undefined
        ? {}
        : { DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl, AWS_ENDPOINT_URL_SQS: local.services.sqs.endpoint }),
    });
    return { handler, target, deadLetterQueueUrl };
  }
  const handler = createSinkHandler<SourceRecord, unknown>({
    destination: target.destination() as Destination<unknown>,
    convert: options.convert as (record: SourceRecord) => unknown,
    source: pipeline.startsWith('sqs') ? 'sqs' : 'kinesis',
    poisonPolicy: poison,
    ...(deadLetterQueueUrl === undefined
      ? {}
      : {
          deadLetterDestination: sqsDestination({
            queueUrl: deadLetterQueueUrl,
            endpoint: local.services.sqs.endpoint,
            region: 'us-east-1',
          }),
        }),
    initialBackoffMs: 5,
    maxBackoffMs: 20,
  }) as unknown as Handler;
  return { handler, target, deadLetterQueueUrl };
}

export function eventOf(records: readonly SourceRecord[]): unknown {
  return 'body' in records[0]
    ? sqsEvent(records as SQSRecord[])
    : kinesisEvent(records as KinesisStreamRecord[]);
}

/** Invokes the handler; a full-batch failure is the handler's answer too, thrown. */
export async function invoke(
  handler: Handler,
  event: unknown,
): Promise<{ response: Response; thrown?: Error }> {
  try {
    return { response: await handler(event, lambdaContext(20_000)) };
  } catch (error) {
    // By name: a ready-made function is imported afresh, with its own copy of the class.
    if (error instanceof Error && error.name === 'WholeBatchFailedError') {
      return { response: (error as WholeBatchFailedError).batchResponse, thrown: error };
    }
    throw error;
  }
}

export async function readDeadLetters(url: string | undefined): Promise<DeadLetter[]> {
  if (url === undefined) return [];
  return (await local.services.sqs.drain(url)).map((message) => JSON.parse(message.Body ?? '') as DeadLetter);
}

export function onlySummary(): Record<string, unknown> {
  const summaries = local.output.summaries();
  expect(summaries).toHaveLength(1);
  return summaries[0];
}

export async function runRecordCase(row: RecordCase): Promise<void> {
  // Arrange
  const rows = row.records();
  const built = await build(row.pipeline, row);
  const arrives = row.arrives ?? arrivesFromFunction(row.pipeline, row.env ?? {});
  const expected: ExpectedRecord[] = rows.map(([record, outcome]) => ({
    id: recordId(record),
    ...(outcome.kind === 'delivered' ? { arrives: arrives(record) } : {}),
    outcome,
  }));

  // Act
  const { response, thrown } = await invoke(built.handler, eventOf(rows.map(([record]) => record)));

  // Assert
  expect(thrown).toBeUndefined();
  const summary = onlySummary();
  // LOG_PAYLOADS is off: no bad record's content reaches the log, whatever its fate.
  expect(local.output.all()).not.toContain(NOT_LOGGED);
  expectAccountedFor(expected, {
    reported: response.batchItemFailures.map((failure) => failure.itemIdentifier),
    arrived: await built.target.read(),
    deadLetters: await readDeadLetters(built.deadLetterQueueUrl),
    summary,
  });
  if (row.requests !== undefined) expect(summary.requests).toBe(row.requests);
}
