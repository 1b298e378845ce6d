import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { redactQuoted } from '../../lib/handler/summary.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

function handler(logPayloads = false) {
  const destination = new FakeDestination((entry, attempt) =>
    entry.value.includes('flaky') && attempt === 1
      ? { status: 'retryable', code: 'ProvisionedThroughputExceededException', throttled: true }
      : entry.value.includes('refused')
        ? { status: 'fatal', code: 'SenderFault' }
        : { status: 'accepted' },
  );
  return createSinkHandler<SQSRecord, FakeEntry>({
    destination,
    convert: (record) => (record.body === 'skip' ? undefined : { value: record.body }),
    initialBackoffMs: 1,
    maxBackoffMs: 1,
    logPayloads,
  });
}

const batch = () => [
  sqsRecord({ body: 'ok card=4111' }),
  sqsRecord({ body: 'flaky card=4222' }),
  sqsRecord({ body: 'refused card=4333' }),
  sqsRecord({ body: 'skip' }),
];

describe('observability', () => {
  it('logs one summary line per invocation with the counts', async () => {
    const records = batch();

    await handler()(sqsEvent(records), lambdaContext(10_000, 'my-sink'));

    const summaries = output.summaries();
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      source: 'sqs',
      fifo: false,
      destination: 'fake:destination',
      records: 4,
      done: 3,
      filtered: 1,
      failed: 1,
      failedByReason: { SenderFault: 1 },
      entries: 3,
      entriesSent: 4,
      entriesAccepted: 2,
      retries: 1,
      throttles: 1,
      deadlineReached: false,
      failures: [{ id: records[2].messageId, code: 'SenderFault' }],
      failuresNotListed: 0,
    });
    expect(summaries[0].requests).toBeGreaterThanOrEqual(2);
    expect(typeof summaries[0].elapsedMs).toBe('number');
    const line = output.json().find((entry) => entry.message === 'sink invocation summary');
    expect(line).toMatchObject({ level: 'WARN', function_name: 'my-sink' });
  });

  it('publishes the metrics in Embedded Metric Format', async () => {
    await handler()(sqsEvent(batch()), lambdaContext());

    const [document] = output.metrics();
    const aws = document._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
    expect(aws.CloudWatchMetrics[0].Namespace).toBe(
      process.env.POWERTOOLS_METRICS_NAMESPACE || 'LambdaAsyncSink',
    );
    expect(aws.CloudWatchMetrics[0].Metrics.map((metric) => metric.Name)).toEqual(
      expect.arrayContaining([
        'RecordsIn',
        'RecordsFailed',
        'EntriesSent',
        'EntriesRetried',
        'Requests',
        'Throttles',
        'BatchFill',
        'SinkTime',
      ]),
    );
    expect(document).toMatchObject({
      RecordsIn: 4,
      RecordsFailed: 1,
      Throttles: 1,
      destination: 'fake:destination',
    });
  });

  it('never logs payloads by default', async () => {
    await handler()(sqsEvent(batch()), lambdaContext());

    expect(output.all()).not.toMatch(/card=4/);
  });

  it('logs the payloads of failed records when logPayloads is on', async () => {
    await handler(true)(sqsEvent(batch()), lambdaContext());

    expect(output.summaries()[0].failures).toEqual([
      expect.objectContaining({ payload: 'refused card=4333' }),
    ]);
    expect(output.all()).not.toMatch(/card=4111/);
  });
});

describe('redactQuoted', () => {
  it('hides quoted fragments, which often echo the input', () => {
    expect(redactQuoted(`Unexpected token 'h', "hello" is not valid JSON`)).toBe(
      `Unexpected token '…" is not valid JSON`,
    );
    expect(redactQuoted('no quotes here')).toBe('no quotes here');
    expect(redactQuoted('got "a \\" b" and `x`')).toBe('got "…`');
  });

  it('hides a payload that itself holds quotes', () => {
    expect(redactQuoted(`Unexpected token 'c', "card="4111"..." is not valid JSON`)).not.toContain('4111');
    expect(redactQuoted(`bad 'x"SECRET-MARKER'`)).not.toContain('SECRET');
  });
});
