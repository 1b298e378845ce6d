/**
 * Handlers in child processes: each execution environment is a forked Node.js process that
 * runs the function module; a killed, hung or frozen child fails its invocation, and the
 * next invocation gets a fresh child. With the pollers, a batch whose process was killed
 * comes back as Lambda brings it back (SQS: after the visibility timeout; Kinesis: retried).
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ChildInvocationFaults,
  ChildInvocationReport,
  ChildProcessHandlers,
} from '../../local/pollers/child-process-handler.js';
import {
  ChildProcessExitError,
  ChildProcessInitError,
  ChildProcessTimeoutError,
  childProcessHandlers,
} from '../../local/pollers/child-process-handler.js';
import { startKinesisPoller } from '../../local/pollers/kinesis-poller.js';
import { createLambdaContext } from '../../local/pollers/lambda-context.js';
import { startSqsPoller } from '../../local/pollers/sqs-poller.js';
import type { InvocationReport, Poller } from '../../local/pollers/types.js';
import { createKinesisClient, createSqsClient } from '../../local/services/clients.js';
import { createKinesisStream, startKinesisServer } from '../../local/services/kinesis-server.js';
import { startSqsServer } from '../../local/services/sqs-server.js';

const FUNCTION = new URL('./fixtures/child-function.ts', import.meta.url);
const FAILING_COLD_START = new URL('./fixtures/failing-cold-start.ts', import.meta.url);

interface Answer {
  readonly pid: number;
  readonly remainingMs: number;
  readonly requestId: string;
  readonly variable: string | null;
  readonly leaked: string | null;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Handlers for the test function; `faults` are taken in order, one per invocation. */
function handlers<Event>(faults: ChildInvocationFaults[] = [], module: URL = FUNCTION) {
  const reports: ChildInvocationReport[] = [];
  const source: ChildProcessHandlers<Event> = childProcessHandlers<Event>({
    module,
    environment: { CHILD_TEST_VARIABLE: 'set for the function' },
    faults: () => faults.shift(),
    onSettled: (report) => reports.push(report),
    onOutput: () => undefined,
  });
  cleanups.push(() => source.close());
  return { source, reports };
}

/** A timeout that leaves room for a child's cold start through tsx. */
const COLD_START_ROOM_MS = 10_000;
const context = (timeoutMs = COLD_START_ROOM_MS) =>
  createLambdaContext({ functionName: 'child-test', timeoutMs });

/** Resolves once `check` holds, looking every 20 ms; fails after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('child-process handlers', () => {
  it('run the module in a child with its own environment and a context that counts down to the deadline', async () => {
    // Arrange
    process.env.CHILD_TEST_PARENT_ONLY = 'the parent only';
    cleanups.push(() => delete process.env.CHILD_TEST_PARENT_ONLY);
    const { source } = handlers<object>();
    const handler = await source.createHandler(0);
    const ctx = context(2_000);

    // Act
    const answer = (await handler({ delayMs: 50 }, ctx)) as unknown as Answer;

    // Assert
    expect(answer.pid).not.toBe(process.pid);
    expect(answer.requestId).toBe(ctx.awsRequestId);
    expect(answer.variable).toBe('set for the function');
    expect(answer.leaked).toBeNull();
    expect(answer.remainingMs).toBeGreaterThan(0);
    expect(answer.remainingMs).toBeLessThan(2_000 - 50);
  });

  it('reject with the error the function threw, its name and message kept, and keep the child', async () => {
    // Arrange
    const { source, reports } = handlers<object>();
    const handler = await source.createHandler(0);

    // Act
    const failure = await Promise.resolve(handler({ fail: true }, context())).catch((error: Error) => error);
    const after = (await handler({}, context())) as unknown as Answer;

    // Assert
    expect(failure).toMatchObject({ name: 'RangeError', message: 'the event asked for a failure' });
    expect(reports.map((r) => r.outcome)).toEqual(['threw', 'returned']);
    expect(source.stats()).toMatchObject({ spawned: 1, threw: 1, returned: 1 });
    expect(after.pid).toBeGreaterThan(0);
  });

  it.each([
    {
      fault: 'killed mid-invocation',
      faults: { killAfterMs: 50 },
      event: { delayMs: 500 },
      error: ChildProcessExitError,
      message: 'Runtime exited with error: signal: killed',
      outcome: 'killed',
    },
    {
      fault: 'hung after its work',
      faults: { hangAfterHandler: true },
      event: {},
      error: ChildProcessTimeoutError,
      message: 'Task timed out after 0.60 seconds',
      outcome: 'timedOut',
    },
    {
      fault: 'frozen mid-invocation',
      faults: { stallAfterMs: 20 },
      event: { delayMs: 200 },
      error: ChildProcessTimeoutError,
      message: 'Task timed out after 0.60 seconds',
      outcome: 'timedOut',
    },
  ])('fail the invocation when the child is $fault, and run the next one in a fresh child', async (c) => {
    // Arrange
    const { source, reports } = handlers<object>([{}, c.faults]);
    const handler = await source.createHandler(0);
    // The clock runs from the call, cold start included (tsx takes over 0.6 s on a busy machine
    // and on Node 24): the invocations around the fault get room for it; the faulted one is warm.
    const before = (await handler({}, context(COLD_START_ROOM_MS))) as unknown as Answer;

    // Act
    const failure = await Promise.resolve(handler(c.event, context(600))).catch((error: Error) => error);
    const after = (await handler({}, context(COLD_START_ROOM_MS))) as unknown as Answer;

    // Assert
    expect(failure).toBeInstanceOf(c.error);
    expect((failure as Error).message).toBe(c.message);
    expect(reports.map((r) => r.outcome)).toEqual(['returned', c.outcome, 'returned']);
    expect(after.pid).not.toBe(before.pid);
    expect(source.stats().spawned).toBe(2);
  });

  it('fail an invocation whose cold start fails, naming the error, and try again on the next', async () => {
    // Arrange
    const { source } = handlers<object>([], FAILING_COLD_START);
    const handler = await source.createHandler(0);

    // Act
    const first = await Promise.resolve(handler({}, context())).catch((error: Error) => error);
    const second = await Promise.resolve(handler({}, context())).catch((error: Error) => error);

    // Assert
    expect(first).toBeInstanceOf(ChildProcessInitError);
    expect((first as Error).message).toContain('Environment variable REQUIRED_FOR_COLD_START is missing');
    expect(second).toBeInstanceOf(ChildProcessInitError);
    expect(source.stats()).toMatchObject({ initFailures: 2, invocations: 0 });
  });
});

describe('child-process handlers with the pollers: a killed process fails the batch, which comes back', () => {
  it('SQS: the batch reappears after the visibility timeout and a fresh environment handles it', async () => {
    // Arrange
    const server = await startSqsServer();
    cleanups.push(() => server.close());
    const sqs = createSqsClient(server.endpoint);
    cleanups.push(() => sqs.destroy());
    const queueUrl =
      (
        await sqs.send(
          new CreateQueueCommand({ QueueName: 'killed', Attributes: { VisibilityTimeout: '1' } }),
        )
      ).QueueUrl ?? '';
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ['slow-a', 'b', 'c'].map((MessageBody, i) => ({ Id: String(i), MessageBody })),
      }),
    );
    const { source, reports } = handlers<SQSEvent>([{ killAfterMs: 100 }]);
    const invocations: InvocationReport[] = [];

    // Act
    const poller: Poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 1,
      batchSize: 10,
      maximumBatchingWindowMs: 200,
      timeoutMs: COLD_START_ROOM_MS,
      createHandler: source.createHandler,
      onInvocation: (report) => invocations.push(report),
    });
    cleanups.push(() => poller.stop());
    await until(() => poller.stats().succeeded === 3, 'the batch to succeed after the kill');

    // Assert
    expect(invocations.map((r) => [r.outcome, r.records, r.succeeded])).toEqual([
      ['error', 3, 0],
      ['success', 3, 3],
    ]);
    expect(invocations[0].reason).toBe('ChildProcessExitError: Runtime exited with error: signal: killed');
    expect(poller.stats()).toMatchObject({ redelivered: 3, errors: 1 });
    expect(reports.map((r) => r.outcome)).toEqual(['killed', 'returned']);
    expect(source.stats()).toMatchObject({ spawned: 2, killed: 1 });
  });

  it('Kinesis: the batch is retried (bisected) and a fresh environment handles it', async () => {
    // Arrange
    const server = await startKinesisServer();
    cleanups.push(() => server.close());
    const kinesis = createKinesisClient(server.endpoint);
    cleanups.push(() => kinesis.destroy());
    await createKinesisStream(kinesis, 'killed', 1);
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'killed',
        Records: ['slow-a', 'b', 'c', 'd'].map((data) => ({ Data: Buffer.from(data), PartitionKey: data })),
      }),
    );
    const { source, reports } = handlers<KinesisStreamEvent>([{ killAfterMs: 100 }]);
    const invocations: InvocationReport[] = [];

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: 'killed',
      bisectBatchOnFunctionError: true,
      timeoutMs: COLD_START_ROOM_MS,
      pollIntervalMs: 20,
      createHandler: source.createHandler,
      onInvocation: (report) => invocations.push(report),
    });
    cleanups.push(() => poller.stop());
    await until(() => poller.stats().succeeded === 4, 'the batch to succeed after the kill');

    // Assert
    expect(invocations.map((r) => [r.outcome, r.records, r.succeeded])).toEqual([
      ['error', 4, 0],
      ['success', 2, 2],
      ['success', 2, 2],
    ]);
    expect(reports.map((r) => r.outcome)).toEqual(['killed', 'returned', 'returned']);
    expect(source.stats()).toMatchObject({ spawned: 2, killed: 1 });
  });
});
