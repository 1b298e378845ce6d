/**
 * The soak's hand-over accounting against a real SQS poller and fauxqs, made deterministic: a
 * message whose visibility timeout runs out while its invocation still runs is received again
 * and handed over a second time although no retry was scheduled. That is how a solo run of the
 * short soak found its hand-overs 51 above "produced + scheduled retries" (a 1 s batching window
 * plus a 1.5 s function timeout against a 3 s visibility timeout, on a loaded machine): the
 * check counted scheduled retries where SQS hands a message again on every receive.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient, type LocalServer, startSqsServer } from '../../local/index.js';
import { sampleRecord } from '../../local/pipeline/sample-records.js';
import type { BatchHandler, InvocationReport } from '../../local/pollers/index.js';
import { startSqsPoller } from '../../local/pollers/index.js';
import { queueDepth } from '../../local/services/read-back.js';
import { describeHandOvers, handOverAccounting } from '../../soak/hand-over-accounting.js';
import { RecordLedger } from '../../soak/record-ledger.js';
import { SoakInvocations } from '../../soak/soak-invocations.js';

const NO_PROCESS_FAULTS = { killRate: 0, hangRate: 0, stallRate: 0 } as const;
const BOUND_MS = 10_000;

let server: LocalServer;
let sqs: SQSClient;
let queues = 0;

beforeAll(async () => {
  server = await startSqsServer();
  sqs = createSqsClient(server.endpoint);
});
afterAll(async () => {
  sqs?.destroy();
  await server?.close();
});

/** A queue whose messages become visible again 1 s after each receive, holding record 0 of 1. */
async function queueWithOneRecord(): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `soak-accounting-${++queues}`,
      Attributes: { VisibilityTimeout: '1' },
    }),
  );
  const queueUrl = QueueUrl ?? '';
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: sampleRecord(0, 1, 120) }));
  return queueUrl;
}

/** Runs a poller over the queue with the soak's bookkeeping until `done` holds after an invocation. */
async function runAsTheSoakDoes(
  queueUrl: string,
  handle: (call: number, event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
  done: (reports: readonly InvocationReport[]) => boolean,
) {
  const ledger = new RecordLedger(1);
  const invocations = new SoakInvocations(1, ledger, 0, 1);
  const reports: InvocationReport[] = [];
  let calls = 0;
  let finished: () => void = () => undefined;
  const finishedOrTimedOut = new Promise<void>((resolve, reject) => {
    finished = resolve;
    setTimeout(() => reject(new Error('the invocations did not settle in time')), BOUND_MS).unref();
  });
  const handler: BatchHandler<SQSEvent> = (event: SQSEvent, context: Context) => {
    invocations.draw({ environment: 0, event, context }, NO_PROCESS_FAULTS);
    return handle(++calls, event);
  };
  const poller = await startSqsPoller({
    client: sqs,
    queueUrl,
    concurrency: 2,
    batchSize: 1,
    timeoutMs: 5_000,
    handler,
    onInvocation: (report) => {
      invocations.settledByPoller(report);
      reports.push(report);
      if (done(reports)) finished();
    },
  });
  try {
    await finishedOrTimedOut;
  } finally {
    await poller.stop();
  }
  const stats = poller.stats();
  const accounting = handOverAccounting(ledger.handed(), [
    { pipeline: 'sqs-to-firehose', poller: stats, overlappingHandOvers: invocations.overlappingHandOvers },
  ]);
  return { ledger, poller: stats, accounting, depth: await queueDepth(sqs, queueUrl) };
}

type Handle = Parameters<typeof runAsTheSoakDoes>[1];

/** The first invocation answers only once the message was handed over a second time. */
function holdUntilHandedAgain(): Handle {
  let secondCall: () => void = () => undefined;
  const secondCallCame = new Promise<void>((resolve) => {
    secondCall = resolve;
  });
  return async (call) => {
    if (call === 2) secondCall();
    else await secondCallCame;
    return { batchItemFailures: [] };
  };
}

/** The first invocation reports the record failed, the second takes it. */
const failFirst: Handle = async (call, event) => ({
  batchItemFailures: call === 1 ? [{ itemIdentifier: event.Records[0].messageId }] : [],
});

const CASES = [
  {
    name: 'a message received again while its first invocation still runs (visibility timeout ran out)',
    handle: holdUntilHandedAgain,
    poller: { succeeded: 2, retried: 0, redelivered: 1 },
    // The check as it was (produced + scheduled retries) is off by this one hand-over.
    offByScheduledRetries: 1,
    message:
      '2 hand-overs = 1 produced + 1 handed again; 0 retries scheduled by the pollers; 1 SQS receives beyond them (a visibility timeout ran out before the delete); 1 hand-overs while an earlier one of the same record was unsettled',
  },
  {
    name: 'a retry the poller scheduled: the message comes back once, as scheduled',
    handle: () => failFirst,
    poller: { succeeded: 1, retried: 1, redelivered: 1 },
    offByScheduledRetries: 0,
    message:
      '2 hand-overs = 1 produced + 1 handed again; 1 retries scheduled by the pollers; 0 SQS receives beyond them (a visibility timeout ran out before the delete); 0 hand-overs while an earlier one of the same record was unsettled',
  },
] as const;

describe('soak hand-over accounting against a real SQS poller', () => {
  it.each(CASES)('accounts for $name', async ({ handle, poller, offByScheduledRetries, message }) => {
    // Arrange
    const queueUrl = await queueWithOneRecord();

    // Act
    const run = await runAsTheSoakDoes(queueUrl, handle(), (reports) => reports.length === 2);

    // Assert: one record produced, handed over twice; the accounting adds up, and says why.
    const { accounting } = run;
    expect(run.ledger.handed()).toBe(2);
    expect(run.poller).toMatchObject(poller);
    expect(run.ledger.handed() - (1 + run.poller.retried)).toBe(offByScheduledRetries);
    expect(accounting.handOvers, describeHandOvers(accounting, 1)).toBe(1 + accounting.recordsHandedAgain);
    expect(describeHandOvers(accounting, 1)).toBe(message);
    expect(run.depth).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
