import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncSink, FailureCode } from '../../lib/core/index.js';
import { FakeDestination, type FakeEntry, FakeRequestError, makeRecords } from './fake-destination.js';

/** A destination that refuses a whole request, naming no entry, when it holds any of `invalid` (as DynamoDB does). */
function refusingDestination(
  invalid: ReadonlySet<string>,
  maxEntriesPerRequest: number,
  extra?: (call: number) => boolean,
) {
  return new FakeDestination({
    limits: { maxEntriesPerRequest },
    behaviour: (entries: readonly FakeEntry[], call: number) => {
      if (extra?.(call)) return new FakeRequestError('retryable', 'InternalServerError');
      return entries.some((entry) => invalid.has(entry.id))
        ? new FakeRequestError('bisect', 'ValidationException')
        : entries.map(() => ({ status: 'accepted' as const }));
    },
  });
}

/** Extra requests bisecting may cost: two halves per level, ⌈log₂ n⌉ levels, per invalid entry. */
const bisectBound = (entries: number, invalid: number) => 2 * Math.ceil(Math.log2(entries)) * invalid;

describe.each([
  { mode: 'unordered', ordered: false },
  { mode: 'ordered', ordered: true },
])('bisecting a refused request ($mode)', ({ ordered }) => {
  it('isolates one invalid entry among 25 within 2·⌈log₂ 25⌉ extra requests and delivers the other 24', async () => {
    // Arrange
    const destination = refusingDestination(new Set(['r17e0']), 25);
    const records = makeRecords(25, 10, 1, (r) => `k${r}`);

    // Act
    const result = await new AsyncSink(destination, { ordered }).run(records);

    // Assert
    const extraRequests = destination.requests.length - 1;
    expect(extraRequests).toBeGreaterThan(0);
    expect(extraRequests).toBeLessThanOrEqual(bisectBound(25, 1));
    expect(result.outcomes.filter((o) => o.status === 'failed')).toEqual([
      {
        id: 'r17',
        status: 'failed',
        code: 'ValidationException',
        reason: 'fake rejected entry: ValidationException: ValidationException',
      },
    ]);
    for (let r = 0; r < 25; r++) {
      expect(destination.accepted.get(`r${r}e0`)).toBe(r === 17 ? undefined : 1);
    }
    // The last request that held the invalid entry held it alone (requests of other halves may come later).
    const lastWithInvalid = destination.requests.findLast((request) => request.some((e) => e.id === 'r17e0'));
    expect(lastWithInvalid).toEqual([expect.objectContaining({ id: 'r17e0' })]);
    expect(result.stats.requestsBisected).toBeGreaterThan(0);
  });

  it('keeps within 2·⌈log₂ n⌉ extra requests per invalid entry, for any positions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 64 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 4 }),
            ),
          ),
        async ([n, positions]) => {
          const invalid = new Set(positions.map((r) => `r${r}e0`));
          const destination = refusingDestination(invalid, n);

          const result = await new AsyncSink(destination, { ordered }).run(
            makeRecords(n, 10, 1, (r) => `k${r}`),
          );

          expect(destination.requests.length - 1).toBeLessThanOrEqual(bisectBound(n, invalid.size));
          for (const outcome of result.outcomes) {
            const bad = invalid.has(`${outcome.id}e0`);
            expect(outcome).toMatchObject(
              bad ? { status: 'failed', code: 'ValidationException' } : { status: 'done' },
            );
            expect(destination.accepted.get(`${outcome.id}e0`)).toBe(bad ? undefined : 1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('still delivers the valid entries when a half fails with a retryable error', async () => {
    const destination = refusingDestination(new Set(['r3e0']), 10, (call) => call === 1);

    const result = await new AsyncSink(destination, { ordered, initialBackoffMs: 1, maxBackoffMs: 2 }).run(
      makeRecords(10, 10, 1, (r) => `k${r}`),
    );

    expect(result.outcomes.filter((o) => o.status === 'failed').map((o) => o.id)).toEqual(['r3']);
    for (let r = 0; r < 10; r++) expect(destination.accepted.get(`r${r}e0`)).toBe(r === 3 ? undefined : 1);
  });
});

describe('bisecting in ordered mode', () => {
  it('fails the later entries of the invalid entry’s key unsent, and lets no later entry overtake a half', async () => {
    // Arrange: keys a and b alternate; r2 (key a) is invalid.
    const destination = refusingDestination(new Set(['r2e0']), 4);
    const records = makeRecords(12, 10, 1, (r) => (r % 2 === 0 ? 'a' : 'b'));

    // Act
    const result = await new AsyncSink(destination, { ordered: true, maxInFlightRequests: 4 }).run(records);

    // Assert
    const byId = new Map(result.outcomes.map((o) => [o.id, o]));
    expect(byId.get('r0')?.status).toBe('done');
    expect(byId.get('r2')).toMatchObject({ status: 'failed', code: 'ValidationException' });
    for (const id of ['r4', 'r6', 'r8', 'r10']) {
      expect(byId.get(id)).toMatchObject({ status: 'failed', code: FailureCode.PredecessorFailed });
      expect(destination.sent.has(`${id}e0`)).toBe(false);
    }
    const bOrder = destination.requests
      .flat()
      .filter((e) => e.key === 'b')
      .map((e) => Number(e.id.slice(1, -2)));
    expect(bOrder.filter((r, i) => bOrder.indexOf(r) === i)).toEqual([1, 3, 5, 7, 9, 11]);
    for (const id of ['r1', 'r3', 'r5', 'r7', 'r9', 'r11']) expect(byId.get(id)?.status).toBe('done');
  });
});
