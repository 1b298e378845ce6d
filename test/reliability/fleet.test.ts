import { describe, expect, it } from 'vitest';
import { FLEET_MODES, FLEET_SHORT } from '../../bench/fleet/parameters.js';
import { runFleet } from '../../bench/fleet/simulation.js';

describe('fleet simulation, short version', () => {
  it.each([FLEET_MODES.aimd, FLEET_MODES.shardLimit])(
    'loses no record with %s sinks while every shard of the stream throttles',
    async (mode) => {
      // Arrange
      process.env.AWS_ACCESS_KEY_ID ??= 'local';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

      // Act
      const result = await runFleet({ ...FLEET_SHORT, mode });

      // Assert
      expect(result.produced).toBeGreaterThan(0);
      expect(result.lost).toBe(0);
      expect(result.doneButMissing).toBe(0);
      expect(result.shardsThrottled).toBe(FLEET_SHORT.shards);
      expect(result.shards.reduce((sum, shard) => sum + shard.accepted, 0)).toBeGreaterThan(0);
    },
    180_000,
  );
});
