import { describe, expect, it } from 'vitest';
import { FLEET_MODES, FLEET_SHORT } from '../../bench/fleet/parameters.js';
import { runFleet } from '../../bench/fleet/simulation.js';

describe('fleet simulation, short version', () => {
  it.each([
    // The default sinks overshoot every shard; per-shard pacing keeps cold shards just under
    // their limit (their one-second burst absorbs the rest), so only some of its shards throttle.
    { mode: FLEET_MODES.aimd, throttledShards: FLEET_SHORT.shards },
    { mode: FLEET_MODES.shardLimit, throttledShards: 1 },
  ])(
    'loses no record with $mode sinks while at least $throttledShards shards throttle',
    async ({ mode, throttledShards }) => {
      // Arrange: the environments' own clients read credentials from the environment.
      process.env.AWS_ACCESS_KEY_ID ??= 'local';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

      // Act
      const result = await runFleet({ ...FLEET_SHORT, mode });

      // Assert
      expect(result.produced).toBeGreaterThan(0);
      expect(result.lost).toBe(0);
      expect(result.doneButMissing).toBe(0);
      expect(result.shardsThrottled).toBeGreaterThanOrEqual(throttledShards);
      expect(result.shards.every((shard) => shard.accepted > 0)).toBe(true);
    },
    180_000,
  );
});
