import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntryResult } from '../../lib/core/types.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { SinkHandlerOptions } from '../../lib/handler/handler-options.js';
import { FullBatchFailureError, WholeBatchFailedError } from '../../lib/handler/whole-batch-failed-error.js';
import { kinesisText } from '../../lib/sources/kinesis.js';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';
import type { SourceRecord } from '../../lib/sources/source-event.js';
import { sqsMessageGroupId } from '../../lib/sources/sqs.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { type FakeBehaviour, FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

/**
 * Values steer the fake: `fatal*` is refused for good, `retry*` always fails retryably,
 * `flaky*` fails once then goes, `slow*` hangs until the request is aborted.
 */
const byValue: FakeBehaviour = (entry, attempt): EntryResult | 'hang' => {
  if (entry.value.startsWith('fatal')) return { status: 'fatal', code: 'SenderFault', message: 'refused' };
  if (entry.value.startsWith('retry')) return { status: 'retryable', code: 'InternalFailure' };
  if (entry.value.startsWith('flaky') && attempt === 1)
    return { status: 'retryable', code: 'Throttled', throttled: true };
  if (entry.value.startsWith('slow')) return 'hang';
  return { status: 'accepted' };
};

const fast = { initialBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 3 } as const;

/** One way to build an event from `[group, value]` pairs, with its convert. */
interface SourceMode {
  readonly name: string;
  records(messages: readonly (readonly [string, string])[]): SourceRecord[];
  convert(record: SourceRecord): FakeEntry;
  event(records: SourceRecord[]): unknown;
  idOf(record: SourceRecord): string;
}

const sqsStandard: SourceMode = {
  name: 'SQS standard',
  records: (messages) => messages.map(([, body]) => sqsRecord({ body })),
  convert: (record) => ({ value: (record as SQSRecord).body }),
  event: (records) => sqsEvent(records as SQSRecord[]),
  idOf: (record) => (record as SQSRecord).messageId,
};
const sqsFifo: SourceMode = {
  name: 'SQS FIFO',
  records: (messages) => messages.map(([groupId, body]) => sqsRecord({ groupId, body })),
  convert: (record) => ({ key: sqsMessageGroupId(record as SQSRecord), value: (record as SQSRecord).body }),
  event: (records) => sqsEvent(records as SQSRecord[]),
  idOf: (record) => (record as SQSRecord).messageId,
};
const kinesis: SourceMode = {
  name: 'Kinesis',
  records: (messages) => messages.map(([partitionKey, data]) => kinesisRecord({ partitionKey, data })),
  convert: (record) => ({
    key: (record as KinesisStreamRecord).kinesis.partitionKey,
    value: kinesisText(record as KinesisStreamRecord),
  }),
  event: (records) => kinesisEvent(records as KinesisStreamRecord[]),
  idOf: (record) => (record as KinesisStreamRecord).kinesis.sequenceNumber,
};

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

function handlerFor(
  destination: FakeDestination,
  mode: SourceMode,
  options: Partial<SinkHandlerOptions<SourceRecord, FakeEntry>> = {},
) {
  return createSinkHandler<SourceRecord, FakeEntry>({
    destination,
    convert: mode.convert,
    ...fast,
    ...options,
  });
}

/** A Lambda context whose remaining time stays `remainingMs`, so that middy's timeout is due when the test says. */
function contextWithRemaining(remainingMs: number) {
  return Object.assign(lambdaContext(), { getRemainingTimeInMillis: () => remainingMs });
}

function failedIds(response: { batchItemFailures: { itemIdentifier: string }[] }): string[] {
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

describe.each([sqsStandard, sqsFifo, kinesis])('createSinkHandler with $name records', (mode) => {
  it('sends every record and reports no failure when the destination takes them all', async () => {
    const destination = new FakeDestination(byValue);
    const records = mode.records([
      ['a', 'one'],
      ['b', 'two'],
      ['a', 'three'],
    ]);

    const response = await handlerFor(destination, mode)(mode.event(records) as never, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(destination.acceptedValues().sort()).toEqual(['one', 'three', 'two']);
  });

  it('reports exactly the records refused for good, and retries the flaky ones until they go', async () => {
    const destination = new FakeDestination(byValue);
    const records = mode.records([
      ['a', 'ok-1'],
      ['b', 'fatal-2'],
      ['c', 'flaky-3'],
      ['d', 'ok-4'],
    ]);

    const response = await handlerFor(destination, mode)(mode.event(records) as never, lambdaContext());

    expect(failedIds(response)).toEqual([mode.idOf(records[1])]);
    expect(destination.acceptedValues().sort()).toEqual(['flaky-3', 'ok-1', 'ok-4']);
  });

  it('fails only the record whose convert throws, and logs the reason without the payload', async () => {
    const destination = new FakeDestination(byValue);
    const records = mode.records([
      ['a', 'ok-1'],
      ['b', 'secret-payload-2'],
      ['c', 'ok-3'],
    ]);
    const convert = (record: SourceRecord) => {
      const entry = mode.convert(record);
      if (entry.value.startsWith('secret')) JSON.parse(entry.value);
      return entry;
    };

    const response = await handlerFor(destination, mode, { convert })(
      mode.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([mode.idOf(records[1])]);
    expect(destination.acceptedValues().sort()).toEqual(['ok-1', 'ok-3']);
    const [summary] = output.summaries();
    expect(summary).toMatchObject({ failed: 1, failedByReason: { ConvertFailed: 1 } });
    expect(JSON.stringify(summary.failures)).toMatch(/convert threw SyntaxError/);
    expect(output.all()).not.toContain('secret-payload');
  });

  it('counts records converted to nothing as done without sending them', async () => {
    const destination = new FakeDestination(byValue);
    const records = mode.records([
      ['a', 'skip-1'],
      ['b', 'ok-2'],
      ['c', 'skip-3'],
      ['d', 'skip-4'],
    ]);
    const convert = (record: SourceRecord) => {
      const entry = mode.convert(record);
      if (entry.value === 'skip-1') return undefined;
      if (entry.value === 'skip-3') return [];
      return entry.value === 'skip-4' ? null : entry;
    };

    const response = await handlerFor(destination, mode, { convert })(
      mode.event(records) as never,
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(destination.requests.flat().map((entry) => entry.value)).toEqual(['ok-2']);
    expect(output.summaries()[0]).toMatchObject({ records: 4, done: 4, filtered: 3 });
  });

  it('fails a record when any one of its entries fails', async () => {
    const destination = new FakeDestination(byValue);
    const records = mode.records([
      ['a', 'one'],
      ['b', 'two'],
    ]);
    const convert = (record: SourceRecord) => {
      const entry = mode.convert(record);
      return entry.value === 'two' ? [entry, { ...entry, value: 'fatal-two' }] : [entry];
    };

    const response = await handlerFor(destination, mode, { convert })(
      mode.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([mode.idOf(records[1])]);
  });
});

describe('SQS FIFO group cut-off', () => {
  it('fails every later record of a failed group and lets the other groups go on', async () => {
    const destination = new FakeDestination(byValue);
    const records = sqsFifo.records([
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'fatal-a2'],
      ['b', 'b2'],
      ['a', 'a3'],
      ['c', 'c1'],
      ['a', 'a4'],
    ]);

    const response = await handlerFor(destination, sqsFifo)(sqsFifo.event(records) as never, lambdaContext());

    expect(failedIds(response)).toEqual([records[2], records[4], records[6]].map(sqsFifo.idOf));
    // Ordered mode is on for a FIFO batch: the cut-off records were never sent.
    expect(destination.acceptedValues().sort()).toEqual(['a1', 'b1', 'b2', 'c1']);
    expect(destination.maxInFlightPerKey).toBe(1);
    expect(output.summaries()[0]).toMatchObject({
      ordered: true,
      failedByReason: { SenderFault: 1, PredecessorFailed: 2 },
    });
  });

  it('does not send the later records of a group whose record failed to convert', async () => {
    const destination = new FakeDestination(byValue);
    const records = sqsFifo.records([
      ['a', 'bad'],
      ['a', 'a2'],
      ['b', 'b1'],
    ]);
    const convert = (record: SourceRecord) => {
      if ((record as SQSRecord).body === 'bad') throw new Error('cannot convert');
      return sqsFifo.convert(record);
    };

    const response = await handlerFor(destination, sqsFifo, { convert })(
      sqsFifo.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([records[0], records[1]].map(sqsFifo.idOf));
    expect(destination.requests.flat().map((entry) => entry.value)).toEqual(['b1']);
  });

  it.each([
    ['over the per-entry limit', 'x'.repeat(1_001)],
    ['invalid', ''],
  ])('does not send the later records of a group whose entry is %s', async (_name, bad) => {
    const destination = new FakeDestination(byValue);
    const records = sqsFifo.records([
      ['a', 'a1'],
      ['b', 'b1'],
      ['b', 'b2'],
    ]);
    // Unordered, so that only the source group can hold b2 back.
    const convert = (record: SourceRecord) => {
      const { body } = record as SQSRecord;
      return { value: body === 'b1' ? bad : body };
    };

    const response = await handlerFor(destination, sqsFifo, { convert, ordered: false })(
      sqsFifo.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([records[1], records[2]].map(sqsFifo.idOf));
    expect(destination.requests.flat().map((entry) => entry.value)).toEqual(['a1']);
  });

  it('cuts off a group even when the destination has no ordering key', async () => {
    const destination = new FakeDestination(byValue);
    const records = sqsFifo.records([
      ['a', 'retry-a1'],
      ['a', 'a2'],
      ['b', 'b1'],
    ]);
    const convert = (record: SourceRecord) => ({ value: (record as SQSRecord).body });

    const response = await handlerFor(destination, sqsFifo, { convert })(
      sqsFifo.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([records[0], records[1]].map(sqsFifo.idOf));
  });
});

describe('Kinesis ordered mode', () => {
  it('keeps one entry in flight per key and fails the later entries of a failed key unsent', async () => {
    const destination = new FakeDestination(byValue);
    const records = kinesis.records([
      ['k1', 'k1-a'],
      ['k2', 'k2-a'],
      ['k1', 'fatal-k1-b'],
      ['k2', 'flaky-k2-b'],
      ['k1', 'k1-c'],
      ['k2', 'k2-c'],
    ]);

    const response = await handlerFor(destination, kinesis, { ordered: true })(
      kinesis.event(records) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([records[2], records[4]].map(kinesis.idOf));
    expect(destination.acceptedValues()).toEqual(['k1-a', 'k2-a', 'flaky-k2-b', 'k2-c']);
    expect(destination.maxInFlightPerKey).toBe(1);
    for (const request of destination.requests) {
      const keys = request.map((entry) => entry.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('fails every later record unsent after a record whose convert threw, since its keys are unknown', async () => {
    // Arrange: the second record cannot be converted; which key it would have had is unknown.
    const destination = new FakeDestination(byValue);
    const records = kinesis.records([
      ['k1', 'k1-a'],
      ['k1', 'bad'],
      ['k1', 'k1-b'],
      ['k2', 'k2-a'],
    ]);
    const convert = (record: SourceRecord): FakeEntry => {
      const entry = kinesis.convert(record);
      if (entry.value === 'bad') throw new Error('unreadable');
      return entry;
    };

    // Act
    const response = await handlerFor(destination, kinesis, { ordered: true, convert })(
      kinesis.event(records) as never,
      lambdaContext(),
    );

    // Assert: Lambda sends the shard again from the failed record, so nothing after it goes now.
    expect(failedIds(response)).toEqual(records.slice(1).map(kinesis.idOf));
    expect(destination.acceptedValues()).toEqual(['k1-a']);
    expect(output.summaries()[0]).toMatchObject({ failedByReason: { PredecessorFailed: 2 } });
  });

  it.each([
    ['in unordered mode', { ordered: false }],
    [
      "under poisonPolicy 'drop' (the failed record is not sent again)",
      { ordered: true, poisonPolicy: 'drop' },
    ],
  ] as const)('sends the records after one whose convert threw %s', async (_name, options) => {
    // Arrange
    const destination = new FakeDestination(byValue);
    const records = kinesis.records([
      ['k1', 'bad'],
      ['k1', 'k1-b'],
    ]);
    const convert = (record: SourceRecord): FakeEntry => {
      const entry = kinesis.convert(record);
      if (entry.value === 'bad') throw new Error('unreadable');
      return entry;
    };

    // Act
    await handlerFor(destination, kinesis, { ...options, convert })(
      kinesis.event(records) as never,
      lambdaContext(),
    );

    // Assert
    expect(destination.acceptedValues()).toEqual(['k1-b']);
  });

  it('is off by default for Kinesis: a key may have several entries in one request', async () => {
    const destination = new FakeDestination(byValue);
    const records = kinesis.records([
      ['k1', 'a'],
      ['k1', 'b'],
    ]);

    await handlerFor(destination, kinesis)(kinesis.event(records) as never, lambdaContext());

    expect(destination.requests).toHaveLength(1);
    expect(output.summaries()[0]).toMatchObject({ ordered: false });
  });
});

describe('deadline', () => {
  it('returns before a 300 ms timeout with a slow destination and reports the unsent records', async () => {
    const destination = new FakeDestination(byValue, { maxEntriesPerRequest: 1 });
    const records = sqsStandard.records([
      ['', 'fast-1'],
      ['', 'slow-2'],
      ['', 'fast-3'],
      ['', 'slow-4'],
    ]);
    const handler = handlerFor(destination, sqsStandard);
    const started = Date.now();

    const response = await handler(sqsStandard.event(records) as never, lambdaContext(300));

    expect(Date.now() - started).toBeLessThan(300);
    expect(failedIds(response)).toEqual([records[1], records[3]].map(sqsStandard.idOf));
    expect(destination.acceptedValues()).toEqual(['fast-1', 'fast-3']);
    expect(output.summaries()[0]).toMatchObject({
      deadlineReached: true,
      failedByReason: { DeadlineReached: 2 },
    });
  });

  it('stops sending when middy aborts first, and middy answers with every record failed as a last resort', async () => {
    const destination = new FakeDestination(byValue);
    const records = sqsStandard.records([['', 'slow-1']]);
    // A margin of 0 leaves middy's signal (50 ms early) as the only deadline.
    const handler = handlerFor(destination, sqsStandard, {
      safetyMarginMs: 0,
      timeoutEarlyInMillis: 50,
      throwOnFullBatchFailure: false,
    });

    const response = await handler(sqsStandard.event(records) as never, lambdaContext(200));

    expect(failedIds(response)).toEqual([sqsStandard.idOf(records[0])]);
    expect(output.json().some((line) => String(line.message).includes('ran into the timeout'))).toBe(true);
  });

  it('fails the invocation with every record as a last resort when throwOnFullBatchFailure is on', async () => {
    // Arrange: the default throwOnFullBatchFailure; middy's signal (50 ms early) is the only deadline.
    const destination = new FakeDestination(byValue);
    const records = sqsStandard.records([
      ['', 'slow-1'],
      ['', 'slow-2'],
    ]);
    const handler = handlerFor(destination, sqsStandard, { safetyMarginMs: 0, timeoutEarlyInMillis: 50 });

    // Act
    const invocation = handler(sqsStandard.event(records) as never, lambdaContext(200));

    // Assert
    await expect(invocation).rejects.toMatchObject({
      name: 'WholeBatchFailedError',
      batchResponse: {
        batchItemFailures: records.map((record) => ({ itemIdentifier: sqsStandard.idOf(record) })),
      },
      failedByReason: { DeadlineReached: 2 },
    });
    const line = output
      .json()
      .find((entry) => entry.message === 'the handler ran into the timeout; reporting every record failed');
    expect(line).toMatchObject({ level: 'ERROR', records: 2 });
  });

  it('fails the invocation as a last resort when overlapping invocations make the records unknown', async () => {
    // Arrange: middy's timeout is due at once (remaining time = timeoutEarlyInMillis), the sink's deadline in 10 s.
    const destination = new FakeDestination(byValue);
    const handler = handlerFor(destination, sqsStandard, { safetyMarginMs: 0, timeoutEarlyInMillis: 10_000 });
    const batches = [sqsStandard.records([['', 'slow-a']]), sqsStandard.records([['', 'slow-b']])];

    // Act
    const results = await Promise.allSettled(
      batches.map((records) => handler(sqsStandard.event(records) as never, contextWithRemaining(10_000))),
    );

    // Assert
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { name: 'HandlerTimeoutError' } });
    expect(String((results[0] as PromiseRejectedResult).reason.message)).toMatch(
      /before it could tell which records were done/,
    );
    for (const [index, result] of results.entries()) {
      // Whatever the last resort answers, it never takes an unsent record for done.
      if (result.status === 'fulfilled')
        expect(failedIds(result.value)).toEqual([sqsStandard.idOf(batches[index][0])]);
    }
    const line = output
      .json()
      .find((entry) => entry.message === 'the handler ran into the timeout; failing the invocation');
    expect(line).toMatchObject({ level: 'ERROR' });
  });

  it('answers an empty batch with no failure, not a whole-batch failure, when the timeout of middy is already due', async () => {
    // Arrange
    const handler = handlerFor(new FakeDestination(byValue), sqsStandard, {
      source: 'sqs',
      safetyMarginMs: 0,
      timeoutEarlyInMillis: 10_000,
    });

    // Act
    const response = await handler({ Records: [] } as never, contextWithRemaining(10_000));

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
  });
});

describe('whole batch failed', () => {
  const records = () =>
    sqsStandard.records([
      ['', 'retry-1'],
      ['', 'retry-2'],
    ]);

  it('throws by default so that the event source backs off', async () => {
    const destination = new FakeDestination(byValue);
    const batch = records();

    const invocation = handlerFor(destination, sqsStandard)(
      sqsStandard.event(batch) as never,
      lambdaContext(),
    );

    await expect(invocation).rejects.toThrow(WholeBatchFailedError);
    await expect(invocation).rejects.toThrow(FullBatchFailureError); // the deprecated alias is the same class
    await expect(invocation).rejects.toMatchObject({
      batchResponse: {
        batchItemFailures: batch.map((record) => ({ itemIdentifier: sqsStandard.idOf(record) })),
      },
      failedByReason: { RetriesExhausted: 2 },
    });
    expect(output.summaries()).toHaveLength(1);
  });

  it('answers with every record when throwOnFullBatchFailure is off', async () => {
    const destination = new FakeDestination(byValue);
    const batch = records();

    const response = await handlerFor(destination, sqsStandard, { throwOnFullBatchFailure: false })(
      sqsStandard.event(batch) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual(batch.map(sqsStandard.idOf));
  });

  it('does not throw when some record is done', async () => {
    const destination = new FakeDestination(byValue);
    const batch = sqsStandard.records([
      ['', 'retry-1'],
      ['', 'ok-2'],
    ]);

    const response = await handlerFor(destination, sqsStandard)(
      sqsStandard.event(batch) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([sqsStandard.idOf(batch[0])]);
  });

  it('does not throw when the failures are poison records: backing off cannot fix them', async () => {
    const destination = new FakeDestination(byValue);
    const batch = sqsStandard.records([
      ['', 'fatal-1'],
      ['', ''],
    ]);

    const response = await handlerFor(destination, sqsStandard)(
      sqsStandard.event(batch) as never,
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual(batch.map(sqsStandard.idOf));
  });
});

describe('malformed events', () => {
  it.each([
    ['undefined', undefined, /Expected an SQS, Kinesis or DynamoDB stream event/],
    ['an API Gateway event', { httpMethod: 'GET', path: '/' }, /without a Records array/],
    [
      'an S3 notification',
      { Records: [{ eventSource: 'aws:s3' }] },
      /expected "aws:sqs", "aws:kinesis" or "aws:dynamodb"/,
    ],
  ])('rejects %s with a clear error', async (_name, event, message) => {
    const handler = handlerFor(new FakeDestination(), sqsStandard);

    const invocation = handler(event as never, lambdaContext());

    await expect(invocation).rejects.toThrow(MalformedEventError);
    await expect(invocation).rejects.toThrow(message);
  });

  it('rejects an event from the other source when the handler is typed for one', async () => {
    const handler = createSinkHandler<SQSRecord, FakeEntry>({
      destination: new FakeDestination(),
      convert: (record) => ({ value: record.body }),
      source: 'sqs',
    });

    await expect(handler(kinesisEvent([kinesisRecord()]) as never, lambdaContext())).rejects.toThrow(
      /takes sqs events; it was given a kinesis event/,
    );
  });

  it('answers an event without records with no failures', async () => {
    const response = await handlerFor(new FakeDestination(), sqsStandard)(
      { Records: [] } as never,
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
  });
});

describe('a fair queue (a standard queue whose messages carry a MessageGroupId)', () => {
  it.each([
    ['some', [undefined, 'g', 'g']],
    ['all', ['g', 'g', 'g']],
  ])(
    'is handled as a standard queue when %s messages carry one: no cut-off, no error',
    async (_name, groups) => {
      const destination = new FakeDestination(byValue);
      const bodies = ['ok-1', 'fatal-2', 'ok-3'];
      const records = bodies.map((body, index) =>
        sqsRecord({ body, groupId: groups[index], queueName: 'fair' }),
      );

      const response = await handlerFor(destination, sqsStandard)(
        sqsEvent(records) as never,
        lambdaContext(),
      );

      expect(failedIds(response)).toEqual([records[1].messageId]);
      expect(destination.acceptedValues().sort()).toEqual(['ok-1', 'ok-3']);
    },
  );
});

describe('a message delivered twice in one batch', () => {
  it('is reported once when one of its copies failed', async () => {
    const destination = new FakeDestination(byValue);
    const first = sqsRecord({ body: 'ok' });
    const second = { ...first, body: 'fatal-copy' };
    const other = sqsRecord({ body: 'ok-other' });

    const response = await handlerFor(destination, sqsStandard)(
      sqsEvent([first, second, other]) as never,
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: first.messageId }] });
  });
});

describe('middy', () => {
  it('runs the middleware the user adds with .use()', async () => {
    const seen: number[] = [];
    const handler = handlerFor(new FakeDestination(), sqsStandard).use({
      before: (request) => {
        seen.push((request.event as { Records: unknown[] }).Records.length);
      },
      after: (request) => {
        seen.push(request.response?.batchItemFailures.length ?? -1);
      },
    });

    await handler(sqsEvent([sqsRecord(), sqsRecord()]) as never, lambdaContext());

    expect(seen).toEqual([2, 0]);
  });

  it("checks the event before the user's middleware reads it", async () => {
    const seen: number[] = [];
    const handler = handlerFor(new FakeDestination(), sqsStandard).use({
      before: (request) => {
        seen.push((request.event as { Records: unknown[] }).Records.length);
      },
    });

    const invocation = handler({} as never, lambdaContext());

    await expect(invocation).rejects.toThrow(MalformedEventError);
    expect(seen).toEqual([]);
  });

  it('checks an event a user middleware put in place of the one Lambda gave', async () => {
    const handler = handlerFor(new FakeDestination(), sqsStandard).use({
      before: (request) => {
        request.event = { Records: [{ eventSource: 'aws:sqs', messageId: '' }] } as never;
      },
    });

    const invocation = handler(sqsEvent([sqsRecord()]) as never, lambdaContext());

    await expect(invocation).rejects.toThrow(/messageId must be a non-empty string/);
  });
});
