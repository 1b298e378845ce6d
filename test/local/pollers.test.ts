/**
 * The local event-source pollers keep Lambda's semantics: small handlers written here play
 * the function, fauxqs and kinesalite play the queue and the stream.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { Context, KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/index.js';
import {
  createKinesisClient,
  createKinesisStream,
  createSqsClient,
  startKinesisServer,
  startSqsServer,
} from '../../local/index.js';
import type { InvocationReport, KinesisFailureRecord, Poller } from '../../local/pollers/index.js';
import { startKinesisPoller, startSqsPoller } from '../../local/pollers/index.js';
import { queueDepth } from '../../local/services/read-back.js';

/** Every invocation's event and report, with a way to await a condition on them (bounded). */
class Recorder<Event> {
  readonly events: Event[] = [];
  readonly contexts: Context[] = [];
  readonly reports: InvocationReport[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  onInvocation = (report: InvocationReport): void => {
    this.reports.push(report);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  };

  saw(event: Event, context: Context): void {
    this.events.push(JSON.parse(JSON.stringify(event)) as Event);
    this.contexts.push(context);
  }

  /** Resolves once `check` holds after an invocation; fails after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

const pollers: Poller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

let names = 0;
const uniqueName = (prefix: string) => `${prefix}-${++names}`;

describe('SQS poller', () => {
  let server: LocalServer;
  let sqs: SQSClient;

  beforeAll(async () => {
    server = await startSqsServer();
    sqs = createSqsClient(server.endpoint);
  });
  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  async function queue(attributes: Record<string, string> = {}, fifo = false): Promise<string> {
    const name = uniqueName('source') + (fifo ? '.fifo' : '');
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: '1', ...(fifo ? { FifoQueue: 'true' } : {}), ...attributes },
      }),
    );
    return out.QueueUrl ?? '';
  }

  async function send(queueUrl: string, bodies: readonly string[], groupId?: string): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({
            Id: String(j),
            MessageBody: body,
            MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
            ...(groupId === undefined ? {} : { MessageGroupId: groupId, MessageDeduplicationId: body }),
          })),
        }),
      );
    }
  }

  const bodiesOf = (event: SQSEvent) => event.Records.map((r) => r.body);
  const receiveCounts = (event: SQSEvent) => event.Records.map((r) => r.attributes.ApproximateReceiveCount);

  it('builds the event and the context as Lambda does', async () => {
    // Arrange
    const queueUrl = await queue({}, true);
    await send(queueUrl, ['a', 'b'], 'group-1');
    const recorder = new Recorder<SQSEvent>();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      functionName: 'shape-test',
      timeoutMs: 2_000,
      handler: async (event, context) => {
        recorder.saw(event, context);
        return { batchItemFailures: [] };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 2, 'both messages');

    // Assert
    const record: SQSRecord = recorder.events[0].Records[0];
    expect(record).toMatchObject({
      body: 'a',
      eventSource: 'aws:sqs',
      eventSourceARN: Attributes?.QueueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'group-1', MessageDeduplicationId: 'a' },
      messageAttributes: {
        kind: { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
    });
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.receiptHandle).not.toBe('');
    expect(record.md5OfBody).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(record.attributes.SequenceNumber).toBeDefined();
    expect(poller.queueArn).toBe(Attributes?.QueueArn);
    const context = recorder.contexts[0];
    expect(context.functionName).toBe('shape-test');
    expect(context.awsRequestId).toBe(recorder.reports[0].requestId);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(2_000);
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:shape-test');
  });

  it('deletes what succeeded and redelivers only the reported failures, with a higher receive count', async () => {
    // Arrange
    const queueUrl = await queue();
    const bodies = Array.from({ length: 10 }, (_, i) => `m${i}`);
    await send(queueUrl, bodies);
    const recorder = new Recorder<SQSEvent>();

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 1,
      handler: (event, context) => {
        recorder.saw(event, context);
        const failed = event.Records.filter(
          (r) => r.attributes.ApproximateReceiveCount === '1' && (r.body === 'm3' || r.body === 'm7'),
        );
        return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 10, 'every message to succeed');

    // Assert
    expect(recorder.events.map(bodiesOf)).toEqual([bodies, ['m3', 'm7']]);
    expect(recorder.events.map(receiveCounts)).toEqual([Array(10).fill('1'), ['2', '2']]);
    expect(recorder.events[1].Records.map((r) => r.messageId)).toEqual(
      recorder.events[0].Records.filter((r) => r.body === 'm3' || r.body === 'm7').map((r) => r.messageId),
    );
    expect(recorder.reports.map((r) => [r.outcome, r.succeeded, r.retried])).toEqual([
      ['partial', 8, 2],
      ['success', 2, 0],
    ]);
    expect(poller.stats()).toMatchObject({ invocations: 2, records: 12, redelivered: 2, retried: 2 });
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    // Arrange
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }))).QueueUrl ?? '';
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueUrl = await queue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    await send(queueUrl, ['ok-1', 'poison', 'ok-2']);
    const recorder = new Recorder<SQSEvent>();

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 1,
      handler: (event, context) => {
        recorder.saw(event, context);
        const poison = event.Records.filter((r) => r.body === 'poison');
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        WaitTimeSeconds: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );

    // Assert
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    const poisonSeen = recorder.events.flatMap((e) => e.Records.filter((r) => r.body === 'poison'));
    expect(poisonSeen.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(dead.Messages?.[0].MessageId).toBe(poisonSeen[0].messageId);
    expect(poller.stats()).toMatchObject({ succeeded: 2, retried: 2 });
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  const WHOLE_BATCH_FAILURES = [
    {
      mode: 'throws',
      outcome: 'error',
      fail: async (_: SQSEvent) => {
        throw new Error('boom');
      },
    },
    {
      mode: 'runs past its timeout',
      outcome: 'timeout',
      fail: (_: SQSEvent) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000)),
    },
    {
      mode: 'names an unknown itemIdentifier',
      outcome: 'invalidResponse',
      fail: (_: SQSEvent) => ({ batchItemFailures: [{ itemIdentifier: 'no-such-message' }] }),
    },
    {
      mode: 'returns an empty itemIdentifier',
      outcome: 'invalidResponse',
      fail: (_: SQSEvent) => ({ batchItemFailures: [{ itemIdentifier: '' }] }),
    },
  ] as const;

  it.each(WHOLE_BATCH_FAILURES)('fails the whole batch when the handler $mode', async ({ outcome, fail }) => {
    // Arrange
    const queueUrl = await queue();
    await send(queueUrl, ['x', 'y', 'z']);
    const recorder = new Recorder<SQSEvent>();

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 1,
      timeoutMs: 200,
      handler: (event, context) => {
        recorder.saw(event, context);
        return recorder.events.length === 1 ? fail(event) : undefined;
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 3, 'the retry to succeed');

    // Assert
    expect(recorder.reports.map((r) => [r.outcome, r.succeeded, r.retried])).toEqual([
      [outcome, 0, 3],
      ['success', 3, 0],
    ]);
    expect(recorder.events.map(bodiesOf)).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y', 'z'],
    ]);
    expect(recorder.events[1].Records.every((r) => r.attributes.ApproximateReceiveCount === '2')).toBe(true);
  });

  it('with createHandler, runs one invocation at a time per execution environment, as Lambda', async () => {
    // Arrange
    const queueUrl = await queue({ VisibilityTimeout: '30' });
    await send(
      queueUrl,
      Array.from({ length: 60 }, (_, i) => `e${i}`),
    );
    const recorder = new Recorder<SQSEvent>();
    const created: number[] = [];
    const used = new Set<number>();
    let overlapped = false;

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 3,
      createHandler: (environment) => {
        created.push(environment);
        let busy = false;
        return async (event, context) => {
          if (busy) overlapped = true;
          busy = true;
          used.add(environment);
          recorder.saw(event, context);
          await new Promise((resolve) => setTimeout(resolve, 20));
          busy = false;
        };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 60, 'all 60 messages');

    // Assert
    expect(created).toEqual([0, 1, 2]);
    expect(used.size).toBeGreaterThan(1);
    expect(overlapped).toBe(false);
  });

  it('gathers a batch larger than one receive within the batching window', async () => {
    // Arrange
    const queueUrl = await queue({ VisibilityTimeout: '30' });
    await send(
      queueUrl,
      Array.from({ length: 25 }, (_, i) => `w${i}`),
    );
    const recorder = new Recorder<SQSEvent>();

    // Act
    const poller = await startSqsPoller({
      client: sqs,
      queueUrl,
      concurrency: 1,
      batchSize: 25,
      maximumBatchingWindowMs: 2_000,
      handler: (event, context) => recorder.saw(event, context),
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 25, 'all 25 messages');

    // Assert
    expect(recorder.events.map((e) => e.Records.length)).toEqual([25]);
  });

  it('refuses a batch size above 10 without a batching window, as Lambda does', async () => {
    const queueUrl = await queue();
    await expect(
      startSqsPoller({ client: sqs, queueUrl, batchSize: 11, handler: () => undefined }),
    ).rejects.toThrow(/batching window|maximumBatchingWindowMs/);
  });
});

describe('Kinesis poller', () => {
  let kinesisServer: LocalServer;
  let sqsServer: LocalServer;
  let kinesis: KinesisClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    [kinesisServer, sqsServer] = await Promise.all([startKinesisServer(), startSqsServer()]);
    kinesis = createKinesisClient(kinesisServer.endpoint);
    sqs = createSqsClient(sqsServer.endpoint);
  });
  afterAll(async () => {
    kinesis.destroy();
    sqs.destroy();
    await Promise.all([kinesisServer.close(), sqsServer.close()]);
  });

  /** A stream holding `count` records r0, r1, ... (partition key = data); returns their sequence numbers. */
  async function stream(count: number, shards = 1): Promise<{ name: string; sequenceNumbers: string[] }> {
    const name = uniqueName('stream');
    await createKinesisStream(kinesis, name, shards);
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: Array.from({ length: count }, (_, i) => ({
          Data: Buffer.from(`r${i}`),
          PartitionKey: `r${i}`,
        })),
      }),
    );
    return { name, sequenceNumbers: (out.Records ?? []).map((r) => r.SequenceNumber ?? '') };
  }

  async function onFailureQueue(): Promise<string> {
    return (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('on-failure') }))).QueueUrl ?? '';
  }

  const dataOf = (record: KinesisStreamRecord) => Buffer.from(record.kinesis.data, 'base64').toString();
  const batchesOf = (events: KinesisStreamEvent[]) => events.map((e) => e.Records.map(dataOf));

  it('builds the event as Lambda does, one invocation in flight per shard', async () => {
    // Arrange
    const { name, sequenceNumbers } = await stream(40, 2);
    const recorder = new Recorder<KinesisStreamEvent>();
    const inFlight = new Map<string, number>();
    let overlapped = false;

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: name,
      batchSize: 5,
      handler: async (event, context) => {
        recorder.saw(event, context);
        const shard = event.Records[0].eventID.split(':')[0];
        inFlight.set(shard, (inFlight.get(shard) ?? 0) + 1);
        if ((inFlight.get(shard) ?? 0) > 1) overlapped = true;
        await new Promise((resolve) => setImmediate(resolve));
        inFlight.set(shard, (inFlight.get(shard) ?? 0) - 1);
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 40, 'all 40 records');

    // Assert
    const record = recorder.events.flatMap((e) => e.Records).find((r) => dataOf(r) === 'r0');
    const index = sequenceNumbers.indexOf(record?.kinesis.sequenceNumber ?? '');
    expect(index).toBe(0);
    expect(record).toMatchObject({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'r0',
        data: Buffer.from('r0').toString('base64'),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      eventSourceARN: poller.streamArn,
      awsRegion: 'us-east-1',
    });
    expect(record?.eventID).toMatch(new RegExp(`^shardId-\\d{12}:${record?.kinesis.sequenceNumber}$`));
    expect(record?.kinesis.approximateArrivalTimestamp).toBeGreaterThan(1_600_000_000);
    expect(record?.kinesis.approximateArrivalTimestamp).toBeLessThan(Date.now() / 1000 + 1);
    expect(poller.shardIds).toHaveLength(2);
    expect(new Set(recorder.reports.map((r) => r.shardId))).toEqual(new Set(poller.shardIds));
    expect(recorder.events.every((e) => e.Records.length <= 5)).toBe(true);
    expect(overlapped).toBe(false);
  });

  it('checkpoints at the lowest failed sequence number and reads again from there', async () => {
    // Arrange
    const { name, sequenceNumbers } = await stream(10);
    const recorder = new Recorder<KinesisStreamEvent>();

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: name,
      handler: (event, context) => {
        recorder.saw(event, context);
        // The first time, r6 and r3 fail (not in order): Lambda takes the lowest, r3.
        return recorder.events.length === 1
          ? {
              batchItemFailures: [
                { itemIdentifier: sequenceNumbers[6] },
                { itemIdentifier: sequenceNumbers[3] },
              ],
            }
          : { batchItemFailures: [] };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 10, 'all 10 records');

    // Assert
    const all = sequenceNumbers.map((_, i) => `r${i}`);
    expect(batchesOf(recorder.events)).toEqual([all, all.slice(3)]);
    expect(recorder.reports.map((r) => [r.outcome, r.succeeded, r.retried])).toEqual([
      ['partial', 3, 7],
      ['success', 7, 0],
    ]);
    expect(poller.checkpoints()[poller.shardIds[0]]).toBe(sequenceNumbers[9]);
  });

  it('splits a batch whose invocation throws, without using up retries, and gives up the poison record alone', async () => {
    // Arrange
    const { name, sequenceNumbers } = await stream(8);
    const onFailureUrl = await onFailureQueue();
    const recorder = new Recorder<KinesisStreamEvent>();

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: name,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      onFailure: { client: sqs, queueUrl: onFailureUrl },
      handler: (event, context) => {
        recorder.saw(event, context);
        if (event.Records.some((r) => dataOf(r) === 'r5')) throw new Error('r5 is poison');
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: onFailureUrl, WaitTimeSeconds: 10 }),
    );
    await recorder.until(
      () => poller.checkpoints()[poller.shardIds[0]] === sequenceNumbers[7],
      'the checkpoint to reach r7',
    );

    // Assert
    expect(batchesOf(recorder.events)).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r4', 'r5'],
      ['r4'],
      ['r5'],
      ['r6', 'r7'],
    ]);
    const failure = JSON.parse(Messages?.[0].Body ?? '{}') as KinesisFailureRecord;
    expect(failure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: poller.shardIds[0],
        startSequenceNumber: sequenceNumbers[5],
        endSequenceNumber: sequenceNumbers[5],
        batchSize: 1,
        streamArn: poller.streamArn,
      },
    });
    expect(poller.stats()).toMatchObject({ succeeded: 7, discarded: 1, errors: 4 });
  });

  it('after the retry limit, describes the batch on the on-failure queue and moves past it', async () => {
    // Arrange
    const { name, sequenceNumbers } = await stream(5);
    const onFailureUrl = await onFailureQueue();
    const recorder = new Recorder<KinesisStreamEvent>();

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: name,
      maximumRetryAttempts: 2,
      onFailure: { client: sqs, queueUrl: onFailureUrl },
      handler: (event, context) => {
        recorder.saw(event, context);
        const poison = event.Records.filter((r) => dataOf(r) === 'r2');
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: onFailureUrl, WaitTimeSeconds: 10 }),
    );
    await recorder.until(() => poller.stats().discarded === 3, 'the batch to be given up');

    // Assert
    expect(batchesOf(recorder.events)).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r2', 'r3', 'r4'],
      ['r2', 'r3', 'r4'],
    ]);
    const failure = JSON.parse(Messages?.[0].Body ?? '{}') as KinesisFailureRecord;
    expect(failure.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(failure.responseContext.functionError).toBeUndefined();
    expect(failure.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: sequenceNumbers[2],
      endSequenceNumber: sequenceNumbers[4],
      batchSize: 3,
    });
    expect(Date.parse(failure.KinesisBatchInfo.approximateArrivalOfFirstRecord)).not.toBeNaN();
    expect(poller.checkpoints()[poller.shardIds[0]]).toBe(sequenceNumbers[4]);
    expect(poller.stats()).toMatchObject({ invocations: 3, succeeded: 2, retried: 6, discarded: 3 });
  });

  it('treats an invocation that runs past its timeout as failed and retries the batch', async () => {
    // Arrange
    const { name } = await stream(4);
    const recorder = new Recorder<KinesisStreamEvent>();

    // Act
    const poller = await startKinesisPoller({
      client: kinesis,
      streamName: name,
      timeoutMs: 200,
      handler: async (event, context) => {
        recorder.saw(event, context);
        if (recorder.events.length === 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
      },
      onInvocation: recorder.onInvocation,
    });
    pollers.push(poller);
    await recorder.until(() => poller.stats().succeeded === 4, 'the retry to succeed');

    // Assert
    expect(recorder.reports.map((r) => [r.outcome, r.succeeded, r.retried])).toEqual([
      ['timeout', 0, 4],
      ['success', 4, 0],
    ]);
    expect(recorder.reports[0].reason).toBe('Task timed out after 0.20 seconds');
    expect(batchesOf(recorder.events)).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r0', 'r1', 'r2', 'r3'],
    ]);
  });
});
