import { describe, expect, it } from 'vitest';
import { AimdRateLimiter, type ResultInfo } from '../../lib/core/index.js';

/** A limiter with a 1,000-entry ceiling and requests of at most 500, as a Kinesis sink with 2 in flight. */
function limiter(options: Partial<ConstructorParameters<typeof AimdRateLimiter>[0]> = {}) {
  return new AimdRateLimiter({ maxInFlightEntries: 1_000, maxBatchSize: 500, ...options });
}

const throttledWhole = (batchSize: number): ResultInfo => ({
  batchSize,
  failedEntries: batchSize,
  throttledEntries: batchSize,
  throttled: true,
});
const clean = (batchSize: number): ResultInfo => ({
  batchSize,
  failedEntries: 0,
  throttledEntries: 0,
  throttled: false,
});

/** Starts a request of `batchSize` entries and ends it with `result`. */
function roundTrip(aimd: AimdRateLimiter, result: ResultInfo): void {
  aimd.registerInFlightRequest({ batchSize: result.batchSize });
  aimd.registerCompletedRequest(result);
}

describe('AimdRateLimiter', () => {
  it('starts at its ceiling, so a destination that never throttles is never slowed', () => {
    // Arrange, act
    const aimd = limiter();

    // Assert
    expect(aimd.currentWindow).toBe(1_000);
    expect(aimd.maxBatchSize()).toBe(500);
  });

  it('lets a request of any size go when nothing is in flight, so the sink cannot stall', () => {
    // Arrange
    const aimd = limiter({ maxInFlightEntries: 10 });

    // Act, assert
    expect(aimd.shouldBlock({ batchSize: 5_000 })).toBe(false);
  });

  it('blocks a request only when the entries in flight plus it would pass the window', () => {
    // Arrange
    const aimd = limiter();

    // Act
    aimd.registerInFlightRequest({ batchSize: 900 });

    // Assert
    expect(aimd.shouldBlock({ batchSize: 100 })).toBe(false);
    expect(aimd.shouldBlock({ batchSize: 101 })).toBe(true);
  });

  it('frees the entries of a request that ended', () => {
    // Arrange
    const aimd = limiter();
    aimd.registerInFlightRequest({ batchSize: 900 });
    aimd.registerInFlightRequest({ batchSize: 100 });

    // Act
    aimd.registerCompletedRequest(clean(900));

    // Assert
    expect(aimd.shouldBlock({ batchSize: 900 })).toBe(false);
    expect(aimd.shouldBlock({ batchSize: 901 })).toBe(true);
  });

  it('halves the window when a whole request is throttled, and does not grow it for that request', () => {
    // Arrange
    const aimd = limiter();

    // Act
    roundTrip(aimd, throttledWhole(500));

    // Assert
    expect(aimd.currentWindow).toBe(500);
  });

  it('uses the decrease factor it is given', () => {
    // Arrange
    const aimd = limiter({ decreaseFactor: 0.75 });

    // Act
    roundTrip(aimd, throttledWhole(500));

    // Assert
    expect(aimd.currentWindow).toBe(750);
  });

  it('cuts in proportion to the throttled share and grows in proportion to the accepted share', () => {
    // Arrange
    const aimd = limiter();

    // Act: 5 of 100 throttled: cut 0.5 × 5 % = 2.5 %, then grow 10 × 95 %.
    roundTrip(aimd, { batchSize: 100, failedEntries: 5, throttledEntries: 5, throttled: true });

    // Assert: floor(1000 × 0.975) = 975, round(975 + 9.5) = 985.
    expect(aimd.currentWindow).toBe(985);
  });

  it('cuts at least as for one entry, even when the destination throttled without naming entries', () => {
    // Arrange
    const aimd = limiter();

    // Act: throttled, but no entry counted as throttled: cut as for 1 of 4.
    roundTrip(aimd, { batchSize: 4, failedEntries: 4, throttledEntries: 0, throttled: true });

    // Assert: floor(1000 × (1 − 0.5 × 0.25)) = 875.
    expect(aimd.currentWindow).toBe(875);
  });

  it('treats a throttled empty request as throttled whole', () => {
    // Arrange
    const aimd = limiter();

    // Act
    roundTrip(aimd, { batchSize: 0, failedEntries: 0, throttledEntries: 0, throttled: true });

    // Assert: halved, then grown by a whole increase (nothing failed).
    expect(aimd.currentWindow).toBe(510);
  });

  it('shrinks once per round trip: requests already in flight when it shrank carry the same news', () => {
    // Arrange: three requests in flight.
    const aimd = limiter();
    for (let i = 0; i < 3; i++) aimd.registerInFlightRequest({ batchSize: 100 });

    // Act
    aimd.registerCompletedRequest(throttledWhole(100));
    const afterFirst = aimd.currentWindow;
    aimd.registerCompletedRequest(throttledWhole(100));
    aimd.registerCompletedRequest(throttledWhole(100));
    const afterRoundTrip = aimd.currentWindow;
    roundTrip(aimd, throttledWhole(100));

    // Assert
    expect(afterFirst).toBe(500);
    expect(afterRoundTrip).toBe(500);
    expect(aimd.currentWindow).toBe(250);
  });

  it('grows by increaseBy after a clean request, up to its ceiling', () => {
    // Arrange
    const aimd = limiter({ increaseBy: 100 });
    roundTrip(aimd, throttledWhole(500));

    // Act
    roundTrip(aimd, clean(10));
    const grown = aimd.currentWindow;
    for (let i = 0; i < 10; i++) roundTrip(aimd, clean(10));

    // Assert
    expect(grown).toBe(600);
    expect(aimd.currentWindow).toBe(1_000);
  });

  it('grows by 10 entries by default', () => {
    // Arrange
    const aimd = limiter();
    roundTrip(aimd, throttledWhole(500));

    // Act
    roundTrip(aimd, clean(10));

    // Assert
    expect(aimd.currentWindow).toBe(510);
  });

  it('never shrinks below its floor', () => {
    // Arrange
    const aimd = limiter({ minInFlightEntries: 50 });

    // Act
    for (let i = 0; i < 20; i++) roundTrip(aimd, throttledWhole(500));

    // Assert
    expect(aimd.currentWindow).toBe(50);
    expect(aimd.maxBatchSize()).toBe(50);
  });

  it('never shrinks below one entry by default', () => {
    // Arrange
    const aimd = limiter();

    // Act
    for (let i = 0; i < 30; i++) roundTrip(aimd, throttledWhole(500));

    // Assert
    expect(aimd.currentWindow).toBe(1);
    expect(aimd.maxBatchSize()).toBe(1);
  });

  it('offers requests no larger than the window or the destination allows, and at least one entry', () => {
    // Arrange
    const small = limiter({ maxInFlightEntries: 200 });
    const empty = limiter({ maxInFlightEntries: 0 });

    // Act, assert
    expect(small.maxBatchSize()).toBe(200);
    expect(empty.maxBatchSize()).toBe(1);
  });

  it.each([0, 1, -0.5, 1.5, Number.NaN])('rejects decreaseFactor %s, naming the range', (decreaseFactor) => {
    expect(() => limiter({ decreaseFactor })).toThrow(
      new RangeError(`decreaseFactor must be in (0, 1), got ${decreaseFactor}`),
    );
  });
});
