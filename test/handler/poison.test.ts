import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntryResult } from '../../lib/core/types.js';
import { deduplicationIdFor } from '../../lib/destinations/deduplication-id.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { SinkHandlerOptions } from '../../lib/handler/handler-options.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { FakeDeadLetterQueue, FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

const refuseFatal = (entry: FakeEntry): EntryResult =>
  entry.value.startsWith('fatal')
    ? { status: 'fatal', code: 'InvalidMessageContents', message: 'refused' }
    : entry.value.startsWith('denied')
      ? { status: 'fatal', code: 'KMS.AccessDeniedException', message: 'no access to the key' }
      : entry.value.startsWith('retry')
        ? { status: 'retryable', code: 'InternalFailure' }
        : { status: 'accepted' };

/**
 * `bad*` bodies make convert throw; an empty body makes an invalid entry; `fatal*` is refused
 * for its content, `denied*` for a KMS permission; `retry*` never goes.
 */
function convert(record: SQSRecord): FakeEntry {
  if (record.body.startsWith('bad')) throw new Error(`cannot read "${record.body}"`);
  return { value: record.body, key: record.attributes.MessageGroupId };
}

function handler(
  options: Partial<SinkHandlerOptions<SQSRecord, FakeEntry>>,
  destination = new FakeDestination(refuseFatal),
) {
  return createSinkHandler<SQSRecord, FakeEntry>({
    destination,
    convert,
    initialBackoffMs: 1,
    maxBackoffMs: 2,
    maxAttempts: 2,
    throwOnFullBatchFailure: false,
    ...options,
  });
}

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

const ids = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('poison policy', () => {
  const batch = () => [
    sqsRecord({ body: 'ok-1' }),
    sqsRecord({ body: 'bad-2' }),
    sqsRecord({ body: '' }),
    sqsRecord({ body: 'fatal-4' }),
    sqsRecord({ body: 'retry-5' }),
  ];

  it('retry (the default) reports every poison record with the transient ones', async () => {
    const records = batch();

    const response = await handler({})(sqsEvent(records), lambdaContext());

    expect(ids(response)).toEqual(records.slice(1).map((record) => record.messageId));
    expect(output.summaries()[0]).toMatchObject({
      poison: { policy: 'retry', found: 3, deadLettered: 0, dropped: 0 },
    });
  });

  it('drop counts poison records done and logs them, but still reports transient failures', async () => {
    const records = batch();

    const response = await handler({ poisonPolicy: 'drop' })(sqsEvent(records), lambdaContext());

    expect(ids(response)).toEqual([records[4].messageId]);
    const [summary] = output.summaries();
    expect(summary).toMatchObject({ failed: 1, poison: { found: 3, dropped: 3 } });
    expect(
      (summary.failures as { id: string; handled?: string }[]).filter((line) => line.handled === 'dropped'),
    ).toHaveLength(3);
  });

  it('dead-letter sends each poison record with its reason, then counts it done', async () => {
    const records = batch();
    const deadLetters = new FakeDeadLetterQueue();

    const response = await handler({ poisonPolicy: 'dead-letter', deadLetterDestination: deadLetters })(
      sqsEvent(records),
      lambdaContext(),
    );

    expect(ids(response)).toEqual([records[4].messageId]);
    const letters = deadLetters.letters();
    expect(letters.map((letter) => [letter.recordId, letter.failure.code])).toEqual([
      [records[1].messageId, 'ConvertFailed'],
      [records[2].messageId, 'InvalidEntry'],
      [records[3].messageId, 'InvalidMessageContents'],
    ]);
    expect(letters[0].failure.reason).toMatch(/convert threw Error: cannot read "bad-2"/);
    expect(letters[0].record).toEqual(records[1]);
    expect(letters[0].eventSource).toBe('aws:sqs');
    expect(deadLetters.messages[0].messageAttributes?.failureCode).toEqual({
      DataType: 'String',
      StringValue: 'ConvertFailed',
    });
    expect(deadLetters.messages[0].messageGroupId).toBeUndefined();
    expect(output.summaries()[0]).toMatchObject({
      poison: { policy: 'dead-letter', found: 3, deadLettered: 3 },
    });
  });

  it('dead-letter keeps a poison record reported when the dead-letter send fails', async () => {
    const records = [sqsRecord({ body: 'ok-1' }), sqsRecord({ body: 'bad-2' })];

    const response = await handler({
      poisonPolicy: 'dead-letter',
      deadLetterDestination: new FakeDeadLetterQueue(false, true),
    })(sqsEvent(records), lambdaContext());

    expect(ids(response)).toEqual([records[1].messageId]);
    const [summary] = output.summaries();
    expect(JSON.stringify(summary.failures)).toMatch(/the dead-letter send failed: AccessDenied/);
  });

  it('dead-letter to a FIFO queue groups by the source group and sets a deduplication id', async () => {
    const records = [sqsRecord({ groupId: 'g1', body: 'bad-1' }), sqsRecord({ groupId: 'g1', body: 'ok-2' })];
    const deadLetters = new FakeDeadLetterQueue(true);

    const response = await handler({ poisonPolicy: 'dead-letter', deadLetterDestination: deadLetters })(
      sqsEvent(records),
      lambdaContext(),
    );

    expect(ids(response)).toEqual([]);
    expect(deadLetters.messages).toHaveLength(1);
    expect(deadLetters.messages[0]).toMatchObject({
      messageGroupId: 'g1',
      messageDeduplicationId: deduplicationIdFor(records[0].messageId, 0, records[0].eventSourceARN),
    });
  });

  it('does not dead-letter a FIFO record that will come back after an earlier failure of its group', async () => {
    const records = [
      sqsRecord({ groupId: 'g1', body: 'retry-1' }),
      sqsRecord({ groupId: 'g1', body: 'bad-2' }),
      sqsRecord({ groupId: 'g2', body: 'bad-3' }),
    ];
    const deadLetters = new FakeDeadLetterQueue(true);

    const response = await handler({ poisonPolicy: 'dead-letter', deadLetterDestination: deadLetters })(
      sqsEvent(records),
      lambdaContext(),
    );

    expect(ids(response)).toEqual([records[0].messageId, records[1].messageId]);
    expect(deadLetters.letters().map((letter) => letter.recordId)).toEqual([records[2].messageId]);
  });

  it.each(['drop', 'dead-letter'] as const)(
    '%s never takes a per-entry permission or KMS refusal for poison',
    async (poisonPolicy) => {
      const records = [sqsRecord({ body: 'denied-1' }), sqsRecord({ body: 'fatal-2' })];
      const deadLetters = new FakeDeadLetterQueue();
      const deadLetterDestination = poisonPolicy === 'dead-letter' ? deadLetters : undefined;

      const response = await handler({ poisonPolicy, deadLetterDestination })(
        sqsEvent(records),
        lambdaContext(),
      );

      expect(ids(response)).toEqual([records[0].messageId]);
      expect(output.summaries()[0]).toMatchObject({
        failedByReason: { 'KMS.AccessDeniedException': 1 },
        poison: { found: 1 },
      });
      expect(deadLetters.letters().map((letter) => letter.recordId)).toEqual(
        poisonPolicy === 'dead-letter' ? [records[1].messageId] : [],
      );
    },
  );

  it('never takes a fatal error that stopped all sending for poison', async () => {
    const stopped = new FakeDestination(() => ({ status: 'accepted' }));
    stopped.send = async () => {
      throw new Error('access denied');
    };
    stopped.classifyError = () => ({ kind: 'fatal', code: 'AccessDeniedException', message: 'no' }) as never;
    const records = [sqsRecord({ body: 'ok-1' }), sqsRecord({ body: 'ok-2' })];

    const response = await handler({ poisonPolicy: 'drop', throwOnFullBatchFailure: true }, stopped)(
      sqsEvent(records),
      lambdaContext(),
    ).catch((error: { batchResponse?: unknown }) => error.batchResponse);

    expect(response).toEqual({
      batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })),
    });
    expect(output.summaries()[0]).toMatchObject({ poison: { found: 0, dropped: 0 } });
  });
});
