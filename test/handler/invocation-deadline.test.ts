import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { invocationDeadline } from '../../lib/handler/invocation-deadline.js';

describe('invocationDeadline', () => {
  it('leaves no listener on the reused middy signal once an invocation is disposed', () => {
    // Arrange: middy keeps one signal for the warm container's invocations.
    const middySignal = new AbortController().signal;

    // Act
    for (let invocation = 0; invocation < 20; invocation++) {
      invocationDeadline({ getRemainingTimeInMillis: () => 5_000 }, middySignal, 1_000).dispose();
    }

    // Assert
    expect(getEventListeners(middySignal, 'abort')).toHaveLength(0);
  });

  it('stops sending when the middy signal fires', () => {
    const middy = new AbortController();
    const deadline = invocationDeadline({ getRemainingTimeInMillis: () => 60_000 }, middy.signal, 1_000);
    middy.abort(new Error('timeout'));
    expect(deadline.sending.aborted).toBe(true);
    expect(deadline.deadLettering.aborted).toBe(true);
    deadline.dispose();
  });
});
