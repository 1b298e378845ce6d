import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySinkStats, type RecordOutcome, type SinkStats } from '../../lib/core/types.js';
import { PoisonPolicy } from '../../lib/handler/poison.js';
import type { PoisonHandling } from '../../lib/handler/settle-poison.js';
import {
  type InvocationFacts,
  type InvocationSummary,
  MAX_LISTED_FAILURES,
  publishSummary,
  summarize,
} from '../../lib/handler/summary.js';
import { OutputCapture } from './output-capture.js';

/** Facts of an invocation over `outcomes`, of SQS records with body `body-<i>`, nothing else happening. */
function facts(
  outcomes: RecordOutcome[],
  more: Partial<Omit<InvocationFacts, 'stats'>> & { stats?: Partial<SinkStats> } = {},
): InvocationFacts {
  return {
    source: 'sqs',
    fifo: false,
    destination: 'fake:destination',
    ordered: false,
    records: outcomes.map((outcome, i) => ({
      record: { body: `body-${i}` } as never,
      id: outcome.id,
      group: undefined,
    })),
    outcomes,
    filtered: 0,
    policy: PoisonPolicy.Retry,
    poison: { found: 0, handling: new Map(), failures: new Map() },
    logPayloads: false,
    startedAt: Date.now(),
    ...more,
    stats: { ...emptySinkStats(), ...more.stats },
  };
}

const done = (id: string): RecordOutcome => ({ id, status: 'done' });
const failed = (id: string, reason = 'refused'): RecordOutcome => ({
  id,
  status: 'failed',
  code: 'RetriesExhausted',
  reason,
});

describe('summarize', () => {
  it('gives the mean batch fill in percent to one decimal, and 0 without requests', () => {
    // Arrange: three requests filled to 100 %, 50 % and 50 % of what they could carry.
    const sent = facts([done('a')], { stats: { requests: 3, batchFill: 2 } });
    const none = facts([done('a')], { stats: { requests: 0, batchFill: 0 } });

    // Act
    const [withRequests, withoutRequests] = [summarize(sent), summarize(none)];

    // Assert
    expect(withRequests.batchFillPercent).toBe(66.7);
    expect(withoutRequests.batchFillPercent).toBe(0);
  });

  it('names a fatal error, its quoted fragments hidden unless payloads may be logged, and omits it when there was none', () => {
    // Arrange
    const fatalError = `AccessDenied: no access to "stream-of-secrets"`;

    // Act
    const redacted = summarize(facts([failed('a')], { stats: { fatalError } }));
    const logged = summarize(facts([failed('a')], { stats: { fatalError }, logPayloads: true }));
    const without = summarize(facts([failed('a')]));

    // Assert
    expect(redacted.fatalError).toBe('AccessDenied: no access to "…"');
    expect(logged.fatalError).toBe(fatalError);
    expect(without).not.toHaveProperty('fatalError');
  });

  it('measures the invocation from its start', () => {
    // Arrange
    const startedAt = Date.now() - 1_000;

    // Act
    const { elapsedMs } = summarize(facts([done('a')], { startedAt }));

    // Assert
    expect(elapsedMs).toBeGreaterThanOrEqual(1_000);
    expect(elapsedMs).toBeLessThan(60_000);
  });

  it('lists the first failures and the handled poison, and counts the ones it does not list', () => {
    // Arrange: 30 failed, then 2 poison records dead-lettered and 1 dropped (counted done).
    const outcomes = [
      ...Array.from({ length: 30 }, (_, i) => failed(`f${i}`)),
      done('p0'),
      done('p1'),
      done('p2'),
    ];
    const handling = new Map<number, PoisonHandling>([
      [30, 'dead-lettered'],
      [31, 'dead-lettered'],
      [32, 'dropped'],
    ]);
    const poisonFailure = { status: 'failed', code: 'ConvertFailed', reason: 'bad' } as const;
    const poison = {
      found: 3,
      handling,
      failures: new Map([30, 31, 32].map((index) => [index, { ...poisonFailure, id: `p${index - 30}` }])),
    };

    // Act
    const summary = summarize(facts(outcomes, { poison, policy: PoisonPolicy.DeadLetter }));

    // Assert
    expect(summary.failures).toHaveLength(MAX_LISTED_FAILURES);
    expect(summary.failuresNotListed).toBe(30 + 3 - MAX_LISTED_FAILURES);
    expect(summary.poison).toEqual({
      policy: PoisonPolicy.DeadLetter,
      found: 3,
      deadLettered: 2,
      dropped: 1,
    });
    expect(summary.failures[0]).toEqual({ id: 'f0', code: 'RetriesExhausted', reason: 'refused' });
    expect(summary.failures[0]).not.toHaveProperty('handled');
  });

  it('marks a handled poison record in its line', () => {
    // Arrange
    const poison = {
      found: 1,
      handling: new Map<number, PoisonHandling>([[1, 'dropped']]),
      failures: new Map([[1, { id: 'b', status: 'failed', code: 'ConvertFailed', reason: 'bad' } as const]]),
    };

    // Act
    const summary = summarize(facts([done('a'), done('b')], { poison, policy: PoisonPolicy.Drop }));

    // Assert
    expect(summary.failures).toEqual([{ id: 'b', code: 'ConvertFailed', reason: 'bad', handled: 'dropped' }]);
    expect(summary.failuresNotListed).toBe(0);
  });

  it('logs the payload of a failed Kinesis record, read from its data, when payloads may be logged', () => {
    // Arrange
    const records = [{ record: { kinesis: { data: 'a2luZXNpcw==' } } as never, id: 'k0', group: undefined }];

    // Act
    const summary = summarize(facts([failed('k0')], { records, logPayloads: true, source: 'kinesis' }));

    // Assert
    expect(summary.failures[0]?.payload).toBe('a2luZXNpcw==');
  });

  it('logs the change of a failed DynamoDB stream record as JSON when payloads may be logged', () => {
    // Arrange
    const dynamodb = { Keys: { id: { S: 'k' } }, NewImage: { id: { S: 'k' }, n: { N: '1' } } };
    const records = [{ record: { eventName: 'INSERT', dynamodb } as never, id: 'd0', group: undefined }];

    // Act
    const summary = summarize(facts([failed('d0')], { records, logPayloads: true, source: 'dynamodb' }));

    // Assert
    expect(JSON.parse(summary.failures[0]?.payload ?? '')).toEqual(dynamodb);
  });
});

describe('publishSummary', () => {
  let output: OutputCapture;
  beforeEach(() => {
    output = new OutputCapture();
  });
  afterEach(() => {
    output.restore();
  });

  const publish = (summary: InvocationSummary) =>
    publishSummary(summary, new Logger({ serviceName: 'test' }), new Metrics({ namespace: 'Test' }));

  it.each([
    ['nothing failed', [done('a')], 0, 'INFO'],
    ['a record failed', [failed('a')], 0, 'WARN'],
    ['poison was found, though handled', [done('a')], 1, 'WARN'],
  ])('logs the summary as a warning only when something went wrong: %s', (_name, outcomes, found, level) => {
    // Arrange
    const poison = { found, handling: new Map(), failures: new Map() };
    const summary = summarize(facts(outcomes, { poison }));

    // Act
    publish(summary);

    // Assert
    const line = output.json().find((entry) => entry.message === 'sink invocation summary');
    expect(line?.level).toBe(level);
  });

  it('publishes BatchFill only when a request was made', () => {
    // Arrange
    const withRequests = summarize(facts([done('a')], { stats: { requests: 2, batchFill: 1 } }));
    const withoutRequests = summarize(facts([done('a')]));

    // Act
    publish(withRequests);
    publish(withoutRequests);

    // Assert
    const [first, second] = output.metrics();
    expect(first).toMatchObject({ BatchFill: 50, Requests: 2 });
    expect(second).not.toHaveProperty('BatchFill');
    expect(second).toMatchObject({ Requests: 0 });
  });
});
