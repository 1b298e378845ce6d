import { describe, expect, it } from 'vitest';
import { evenShardRanges, kinesisHashKey } from '../../../lib/destinations/kinesis-hash-key.js';
import {
  KINESIS_SHARD_WRITE_LIMITS,
  KinesisCapacityModel,
  type OfferedRecord,
} from '../../../local/services/kinesis-capacity.js';

/** A clock the test moves by hand. */
function manualClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A partition key that routes to shard `index` of `model`. */
function keyFor(model: KinesisCapacityModel, index: number, salt = 0): string {
  for (let i = 0; ; i++) {
    const key = `key-${salt}-${i}`;
    if (model.route(key) === index) return key;
  }
}

function records(partitionKey: string, count: number, size = 100): OfferedRecord[] {
  return Array.from({ length: count }, () => ({ partitionKey, size }));
}

const accepted = (verdicts: readonly { accepted: boolean }[]) => verdicts.filter((v) => v.accepted).length;

describe('KinesisCapacityModel', () => {
  it('routes a partition key by its MD5 as a 128-bit integer, and an explicit hash key as given', () => {
    // Arrange: md5("a") = 0cc175b9c0f1b6a831c399e269772661, below 2^124, so in the first of 16 shards;
    // md5("b") = 92eb5ffee6ae2fec3ad71c777531578f, 0x9 of 16, so in shard 9.
    const model = new KinesisCapacityModel({ shards: evenShardRanges(16) });

    // Act
    const routes = [
      model.route('a'),
      model.route('b'),
      model.route('a', String(2n ** 128n - 1n)),
      model.route('a', String(2n ** 127n)),
    ];

    // Assert
    expect(kinesisHashKey('a')).toBe(0x0cc175b9c0f1b6a831c399e269772661n);
    expect(routes).toEqual([0, 9, 15, 8]);
  });

  it('takes a burst of one second of records per shard, then throttles', () => {
    // Arrange
    const clock = manualClock();
    const model = new KinesisCapacityModel({ shards: evenShardRanges(2), clock: clock.now });
    const key = keyFor(model, 0);

    // Act
    const burst = model.admit(records(key, 1_001));
    clock.advance(500);
    const halfSecondLater = model.admit(records(key, 501));

    // Assert
    expect(accepted(burst)).toBe(KINESIS_SHARD_WRITE_LIMITS.recordsPerSecond);
    expect(burst[1_000]).toEqual({ shardIndex: 0, accepted: false });
    expect(accepted(halfSecondLater)).toBe(500);
  });

  it('limits bytes (data plus key) to 1 MiB per second per shard', () => {
    // Arrange: records of 100 KiB; ten fit in 1 MiB, the eleventh does not.
    const clock = manualClock();
    const model = new KinesisCapacityModel({ shards: evenShardRanges(1), clock: clock.now });

    // Act
    const first = model.admit(records('k', 11, 100 * 1024));
    clock.advance(100);
    const afterTenthOfSecond = model.admit(records('k', 2, 100 * 1024));

    // Assert
    expect(accepted(first)).toBe(10);
    expect(first[10].accepted).toBe(false);
    expect(accepted(afterTenthOfSecond)).toBe(1);
  });

  it('throttles one shard while records for another shard in the same request go through', () => {
    // Arrange
    const clock = manualClock();
    const model = new KinesisCapacityModel({
      shards: evenShardRanges(4),
      limits: { recordsPerSecond: 10, bytesPerSecond: 1_000_000 },
      clock: clock.now,
    });
    const hot = keyFor(model, 1);
    const cold = keyFor(model, 3);
    const request = [...records(hot, 15), ...records(cold, 5)];

    // Act
    const verdicts = model.admit(request);

    // Assert
    expect(verdicts.slice(0, 10).every((v) => v.accepted && v.shardIndex === 1)).toBe(true);
    expect(verdicts.slice(10, 15).every((v) => !v.accepted && v.shardIndex === 1)).toBe(true);
    expect(verdicts.slice(15).every((v) => v.accepted && v.shardIndex === 3)).toBe(true);
    expect(model.stats().map((s) => [s.offered, s.accepted, s.throttled])).toEqual([
      [0, 0, 0],
      [15, 10, 5],
      [0, 0, 0],
      [5, 5, 0],
    ]);
  });

  it('accepts at most (t + 1) seconds of records over t seconds of overload, and at least t seconds', () => {
    // Arrange: 2,000 records/s offered to one shard for 10 s in 10 ms steps.
    const clock = manualClock();
    const model = new KinesisCapacityModel({ shards: evenShardRanges(1), clock: clock.now });
    let total = 0;

    // Act
    for (let step = 0; step < 1_000; step++) {
      total += accepted(model.admit(records('k', 20, 10)));
      clock.advance(10);
    }

    // Assert
    expect(total).toBeGreaterThanOrEqual(10 * 1_000);
    expect(total).toBeLessThanOrEqual(11 * 1_000);
  });

  it('applies new limits from now on', () => {
    // Arrange
    const clock = manualClock();
    const model = new KinesisCapacityModel({
      shards: evenShardRanges(1),
      limits: { recordsPerSecond: 100, bytesPerSecond: 1e6 },
      clock: clock.now,
    });
    model.admit(records('k', 100));

    // Act
    model.setLimits({ recordsPerSecond: 1_000, bytesPerSecond: 1e7 });
    clock.advance(100);
    const after = model.admit(records('k', 200));

    // Assert
    expect(accepted(after)).toBe(100);
    expect(model.shardLimits.recordsPerSecond).toBe(1_000);
  });

  it.each([
    { recordsPerSecond: 0, bytesPerSecond: 1 },
    { recordsPerSecond: 1, bytesPerSecond: Number.NaN },
  ])('refuses limits that are not above zero: %o', (limits) => {
    // Act / Assert
    expect(() => new KinesisCapacityModel({ shards: evenShardRanges(1), limits })).toThrow(
      /must be a number above 0/,
    );
  });
});
