/**
 * The handler converts the records as the sink reads them: the first request is on the wire
 * before the last record is converted, and records the sink never read (it stopped first)
 * are reported failed, never done.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FailureCode } from '../../lib/core/types.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
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

const fast = { initialBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 3 } as const;

function records(count: number, prefix = 'v'): SQSRecord[] {
  return Array.from({ length: count }, (_, i) => sqsRecord({ body: `${prefix}-${i}` }));
}

function failedIds(response: { batchItemFailures: { itemIdentifier: string }[] }): string[] {
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

describe('the handler converts records as the sink reads them', () => {
  it('sends the first request before it converts the last record', async () => {
    // Arrange: requests of 10; convert notes how many requests were sent when it ran.
    const destination = new FakeDestination(undefined, { maxEntriesPerRequest: 10 });
    const sentBefore = new Map<string, number>();
    const handler = createSinkHandler<SQSRecord, FakeEntry>({
      destination,
      ...fast,
      convert: (record) => {
        sentBefore.set(record.body, destination.requests.length);
        return { value: record.body };
      },
    });
    const batch = records(35);

    // Act
    const response = await handler(sqsEvent(batch) as never, lambdaContext());

    // Assert: the first request went out while records 10 and on were still to be converted.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sentBefore.get('v-9')).toBe(0);
    expect(sentBefore.get('v-10')).toBe(1);
    expect(sentBefore.get('v-34')).toBe(3);
    expect(destination.acceptedValues().sort()).toEqual(batch.map((r) => r.body).sort());
  });

  it('sends what an asynchronous convert resolves, in order, and fails what it rejects', async () => {
    // Arrange: every third record converts asynchronously, one rejects, one is filtered out.
    const destination = new FakeDestination(undefined, { maxEntriesPerRequest: 4 });
    const handler = createSinkHandler<SQSRecord, FakeEntry>({
      destination,
      ...fast,
      convert: (record) => {
        const index = Number(record.body.split('-')[1]);
        if (index === 5) return Promise.reject(new Error('lookup failed'));
        if (index === 6) return undefined;
        return index % 3 === 0
          ? new Promise<FakeEntry>((resolve) => setImmediate(() => resolve({ value: record.body })))
          : { value: record.body };
      },
    });
    const batch = records(12);

    // Act
    const response = await handler(sqsEvent(batch) as never, lambdaContext());

    // Assert
    expect(failedIds(response)).toEqual([batch[5].messageId]);
    expect(destination.acceptedValues().sort()).toEqual(
      batch
        .map((r) => r.body)
        .filter((body) => body !== 'v-5' && body !== 'v-6')
        .sort(),
    );
    expect(output.summaries()[0]).toMatchObject({ records: 12, filtered: 1 });
  });

  it('reports the records it never converted failed when the deadline comes first, and does not convert them', async () => {
    // Arrange: record 3's conversion never ends; the invocation has 300 ms.
    const destination = new FakeDestination(undefined, { maxEntriesPerRequest: 2 });
    const converted: string[] = [];
    const handler = createSinkHandler<SQSRecord, FakeEntry>({
      destination,
      ...fast,
      throwOnFullBatchFailure: false,
      convert: (record) => {
        converted.push(record.body);
        return record.body === 'v-3' ? new Promise<FakeEntry>(() => {}) : { value: record.body };
      },
    });
    const batch = records(8);

    // Act
    const response = await handler(sqsEvent(batch) as never, lambdaContext(300));

    // Assert: 0–1 sent; 2 (read, its request not full), 3 (waited for) and 4–7 (never
    // converted) failed, for the deadline.
    expect(converted).toEqual(['v-0', 'v-1', 'v-2', 'v-3']);
    expect(failedIds(response)).toEqual(batch.slice(2).map((r) => r.messageId));
    expect(destination.acceptedValues().sort()).toEqual(['v-0', 'v-1']);
    expect(output.summaries()[0]).toMatchObject({
      deadlineReached: true,
      failedByReason: { [FailureCode.DeadlineReached]: 6 },
    });
  });
});
