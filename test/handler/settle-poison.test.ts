import { describe, expect, it } from 'vitest';
import { AsyncSink } from '../../lib/core/sink.js';
import type { RecordOutcome } from '../../lib/core/types.js';
import { deduplicationIdFor } from '../../lib/destinations/deduplication-id.js';
import { deadLetterEntry, PoisonPolicy } from '../../lib/handler/poison.js';
import { type DeadLetterTarget, settlePoison } from '../../lib/handler/settle-poison.js';
import type { SourceRecordInfo } from '../../lib/sources/source-event.js';
import { sqsRecord } from '../factories/sqs.js';
import { FakeDeadLetterQueue } from './fake-destination.js';

/** Source records `r0…`, in the FIFO group `groups[i]` when given. */
function records(count: number, groups: readonly (string | undefined)[] = []): SourceRecordInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    record: sqsRecord({ messageId: `r${i}`, groupId: groups[i] }),
    id: `r${i}`,
    group: groups[i],
  }));
}

const done = (id: string): RecordOutcome => ({ id, status: 'done' });
const poison = (id: string): RecordOutcome => ({
  id,
  status: 'failed',
  code: 'ConvertFailed',
  reason: 'bad',
});

function target(queue = new FakeDeadLetterQueue()): DeadLetterTarget {
  return { sink: new AsyncSink(queue, { maxAttempts: 1 }), fifo: false };
}

/** A deadline that does not come. */
const open = () => new AbortController().signal;

describe('settlePoison', () => {
  it('drop counts the poison done, even after a done record of its FIFO group', async () => {
    // Arrange
    const outcomes = [done('r0'), poison('r1'), poison('r2')];

    // Act
    const settlement = await settlePoison(
      outcomes,
      records(3, ['g', 'g']),
      PoisonPolicy.Drop,
      undefined,
      open(),
    );

    // Assert
    expect(outcomes).toEqual([done('r0'), done('r1'), done('r2')]);
    expect(settlement.found).toBe(2);
    expect([...settlement.handling]).toEqual([
      [1, 'dropped'],
      [2, 'dropped'],
    ]);
  });

  it('retry never dead-letters, even when given a dead-letter target', async () => {
    // Arrange
    const queue = new FakeDeadLetterQueue();
    const outcomes = [poison('r0')];

    // Act
    const settlement = await settlePoison(outcomes, records(1), PoisonPolicy.Retry, target(queue), open());

    // Assert
    expect(outcomes).toEqual([poison('r0')]);
    expect(queue.messages).toEqual([]);
    expect(settlement).toEqual({ found: 1, handling: new Map(), failures: new Map() });
  });

  it('dead-letter without a target leaves the poison failed', async () => {
    // Arrange
    const outcomes = [poison('r0')];

    // Act
    const settlement = await settlePoison(outcomes, records(1), PoisonPolicy.DeadLetter, undefined, open());

    // Assert
    expect(outcomes).toEqual([poison('r0')]);
    expect(settlement.handling.size).toBe(0);
  });

  it('dead-letter counts a record done once the dead-letter queue took it', async () => {
    // Arrange
    const queue = new FakeDeadLetterQueue();
    const outcomes = [done('r0'), poison('r1')];

    // Act
    const settlement = await settlePoison(
      outcomes,
      records(2),
      PoisonPolicy.DeadLetter,
      target(queue),
      open(),
    );

    // Assert
    expect(outcomes).toEqual([done('r0'), done('r1')]);
    expect(queue.letters().map((letter) => letter.recordId)).toEqual(['r1']);
    expect([...settlement.handling]).toEqual([[1, 'dead-lettered']]);
  });

  it('dead-letter sends nothing after its deadline, and keeps the record failed with why', async () => {
    // Arrange
    const queue = new FakeDeadLetterQueue();
    const passed = new AbortController();
    passed.abort(new Error('deadline'));
    const outcomes = [poison('r0')];

    // Act
    await settlePoison(outcomes, records(1), PoisonPolicy.DeadLetter, target(queue), passed.signal);

    // Assert
    expect(queue.messages).toEqual([]);
    expect(outcomes[0]).toMatchObject({ status: 'failed', code: 'ConvertFailed' });
    expect(outcomes[0]?.status === 'failed' && outcomes[0].reason).toMatch(
      /^bad; the dead-letter send failed: DeadlineReached: /,
    );
  });
});

describe('deadLetterEntry', () => {
  const failure = { code: 'ConvertFailed', reason: 'bad' };

  it('names the failure code and the event source in message attributes', () => {
    // Arrange
    const [info] = records(1);

    // Act
    const entry = deadLetterEntry(info, failure, false);

    // Assert
    expect(entry.messageAttributes).toEqual({
      failureCode: { DataType: 'String', StringValue: 'ConvertFailed' },
      eventSource: { DataType: 'String', StringValue: 'aws:sqs' },
    });
  });

  it('groups a Kinesis record by its partition key in a FIFO dead-letter queue', () => {
    // Arrange
    const info = {
      record: { eventSource: 'aws:kinesis', kinesis: { partitionKey: 'device-7', data: '' } } as never,
      id: 'shardId-000000000000:49590338271490256608559692538361571095921575989136588898',
      group: undefined,
    };

    // Act
    const entry = deadLetterEntry(info, failure, true);

    // Assert
    expect(entry.messageGroupId).toBe('device-7');
  });

  it('groups by the record id when a Kinesis record has an empty partition key, or none', () => {
    // Arrange
    const record = (partitionKey: unknown) => ({
      record: { eventSource: 'aws:kinesis', kinesis: { partitionKey } } as never,
      id: 'id-1',
      group: undefined,
    });

    // Act
    const groups = ['', undefined, 7].map(
      (key) => deadLetterEntry(record(key), failure, true).messageGroupId,
    );

    // Assert
    expect(groups).toEqual(['id-1', 'id-1', 'id-1']);
  });

  it.each([
    ['with a space', 'group one'],
    ['of 129 characters', 'g'.repeat(129)],
    ['starting with a character SQS refuses', 'é-group'],
  ])('hashes a group %s, which SQS would refuse as a message group id', (_name, group) => {
    // Arrange
    const info = { record: sqsRecord({ groupId: group }), id: 'r0', group };

    // Act
    const entry = deadLetterEntry(info, failure, true);

    // Assert
    expect(entry.messageGroupId).toBe(deduplicationIdFor(group, 0));
  });

  it('keeps a group of 128 printable characters as it is', () => {
    // Arrange
    const group = `${'g'.repeat(127)}~`;
    const info = { record: sqsRecord({ groupId: group }), id: 'r0', group };

    // Act
    const entry = deadLetterEntry(info, failure, true);

    // Assert
    expect(entry.messageGroupId).toBe(group);
  });
});
