import { describe, expect, it } from 'vitest';
import type { RecordOutcome } from '../../lib/core/types.js';
import { toBatchResponse } from '../../lib/sources/batch-response.js';
import { cutOffFailedGroups } from '../../lib/sources/group-cutoff.js';

const done = (id: string): RecordOutcome => ({ id, status: 'done' });
const failed = (id: string): RecordOutcome => ({
  id,
  status: 'failed',
  code: 'RetriesExhausted',
  reason: 'x',
});

describe('cutOffFailedGroups', () => {
  it('fails every later record of a failed group and lets other groups go on', () => {
    const outcomes = [done('1'), failed('2'), done('3'), done('4'), done('5')];
    const groups = ['a', 'a', 'b', 'a', undefined];

    const result = cutOffFailedGroups(outcomes, groups);

    expect(result.map((o) => o.status)).toEqual(['done', 'failed', 'done', 'failed', 'done']);
    expect(result[3]).toMatchObject({
      code: 'PredecessorFailed',
      reason: 'record 2 of message group a failed before it',
    });
  });

  it('leaves records without a group alone', () => {
    const outcomes = [failed('1'), done('2')];

    expect(cutOffFailedGroups(outcomes, [undefined, undefined])).toEqual(outcomes);
  });
});

describe('toBatchResponse', () => {
  it('lists exactly the failed ids, in record order, each once', () => {
    const response = toBatchResponse(['1', '2', '3', '2'], [failed('1'), done('2'), done('3'), failed('2')]);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }, { itemIdentifier: '2' }] });
  });

  it('refuses to answer with an id that is not the record it stands for', () => {
    expect(() => toBatchResponse(['1'], [failed('x')])).toThrow(/names record "x", expected "1"/);
    expect(() => toBatchResponse(['1', '2'], [failed('1')])).toThrow(/1 outcomes for 2 records/);
  });
});
