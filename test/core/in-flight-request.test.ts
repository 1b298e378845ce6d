import { describe, expect, it } from 'vitest';
import { AsyncSink, type Destination, FailureCode } from '../../lib/core/index.js';
import { baseDestination, type FakeEntry, makeRecords } from './fake-destination.js';

/** A user's own destination whose `send()` resolves with `answer`, whatever it is sent. */
function answering(answer: unknown): Destination<FakeEntry> {
  return { ...baseDestination(), send: () => Promise.resolve(answer as never) };
}

describe('a request whose send() breaks the contract', () => {
  it('fails at once, naming the fault, when a result is null', async () => {
    // Arrange: one attempt and the shortest timeout, so that a request left unsettled ends as a timeout, not as this fault.
    const sink = new AsyncSink(answering([{ status: 'accepted' }, null]), {
      maxAttempts: 1,
      requestTimeoutMs: 10,
    });

    // Act
    const result = await sink.run(makeRecords(2));

    // Assert
    expect(result.stats.fatalError).toMatch(/^DestinationContractViolation: send\(\) result 1 is null,/);
    for (const outcome of result.outcomes) {
      expect(outcome).toMatchObject({ status: 'failed', code: FailureCode.SendingStopped });
    }
  });
});
