import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

  describe('on the clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('stops sending at the remaining time less the margin, and dead-lettering at less half of it', () => {
      // Arrange: 1,000 ms left, a 100 ms margin: sending stops at 900 ms, dead-lettering at 950 ms.
      vi.useFakeTimers();
      const deadline = invocationDeadline(
        { getRemainingTimeInMillis: () => 1_000 },
        new AbortController().signal,
        100,
      );

      // Act
      vi.advanceTimersByTime(899);
      const at899 = [deadline.sending.aborted, deadline.deadLettering.aborted];
      vi.advanceTimersByTime(1);
      const at900 = [deadline.sending.aborted, deadline.deadLettering.aborted];
      vi.advanceTimersByTime(49);
      const at949 = deadline.deadLettering.aborted;
      vi.advanceTimersByTime(1);
      const at950 = deadline.deadLettering.aborted;
      deadline.dispose();

      // Assert
      expect(at899).toEqual([false, false]);
      expect(at900).toEqual([true, false]);
      expect(at949).toBe(false);
      expect(at950).toBe(true);
      expect(String(deadline.sending.reason)).toBe('Error: the invocation deadline came');
    });

    it('keeps back at most a quarter of a short invocation, so that it still gets to send', () => {
      // Arrange: 200 ms left and a 1,000 ms margin: the margin is cut to 50 ms.
      vi.useFakeTimers();
      const deadline = invocationDeadline(
        { getRemainingTimeInMillis: () => 200 },
        new AbortController().signal,
        1_000,
      );

      // Act
      vi.advanceTimersByTime(149);
      const at149 = deadline.sending.aborted;
      vi.advanceTimersByTime(1);
      const at150 = deadline.sending.aborted;
      deadline.dispose();

      // Assert
      expect(at149).toBe(false);
      expect(at150).toBe(true);
    });

    it('sets no deadline of its own without a Lambda context, and leaves no timer', () => {
      // Arrange
      vi.useFakeTimers();
      const middy = new AbortController();

      // Act
      const deadline = invocationDeadline(undefined, middy.signal, 1_000);
      const timers = vi.getTimerCount();
      vi.advanceTimersByTime(24 * 60 * 60 * 1_000);

      // Assert
      expect(timers).toBe(0);
      expect(deadline.sending.aborted).toBe(false);
      expect(deadline.deadLettering.aborted).toBe(false);
      deadline.dispose();
    });
  });

  it('stops at once, with the reason of the middy signal, when that fired before the invocation', () => {
    // Arrange
    const middy = new AbortController();
    middy.abort(new Error('timeout'));

    // Act
    const deadline = invocationDeadline({ getRemainingTimeInMillis: () => 60_000 }, middy.signal, 1_000);

    // Assert
    expect(deadline.sending.aborted).toBe(true);
    expect(deadline.deadLettering.aborted).toBe(true);
    expect(String(deadline.sending.reason)).toBe('Error: timeout');
    deadline.dispose();
  });
});
