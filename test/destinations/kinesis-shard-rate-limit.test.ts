import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import type { EntryResult } from '../../lib/core/index.js';
import { evenShardRanges, kinesisHashKey, shardIndexOf } from '../../lib/destinations/kinesis-hash-key.js';
import { KinesisShardMap } from '../../lib/destinations/kinesis-shard-map.js';
import {
  OverBudget,
  SHARD_BUSY_CODE,
  ShardRateLimiter,
} from '../../lib/destinations/kinesis-shard-rate-limit.js';

const RANGES = evenShardRanges(2);

/** A client that answers ListShards with two even shards, and counts the calls. */
function listShardsClient() {
  const calls = { count: 0 };
  const client = {
    send: async () => {
      calls.count++;
      return {
        Shards: RANGES.map((range) => ({
          ShardId: range.shardId,
          HashKeyRange: {
            StartingHashKey: String(range.startingHashKey),
            EndingHashKey: String(range.endingHashKey),
          },
          SequenceNumberRange: { StartingSequenceNumber: '1' },
        })),
      };
    },
  } as unknown as KinesisClient;
  return { client, calls };
}

function keyOn(shard: number, salt: string): string {
  for (let i = 0; ; i++) {
    if (shardIndexOf(RANGES, kinesisHashKey(`${salt}-${i}`)) === shard) return `${salt}-${i}`;
  }
}

const entry = (partitionKey: string) => ({ partitionKey, data: new Uint8Array(10) });

/** A sender that answers every entry with `answer(entry)` and records what it was sent. */
function sender(answer: (key: string) => EntryResult = () => ({ status: 'accepted' })) {
  const sent: string[][] = [];
  return {
    sent,
    sender: {
      send: async (entries: readonly { partitionKey: string }[]) => {
        sent.push(entries.map((e) => e.partitionKey));
        return entries.map((e) => answer(e.partitionKey));
      },
      classifyError: () => ({ kind: 'retryable' as const, code: 'X', message: 'x', throttled: false }),
      sizeOf: (e: { partitionKey: string; data: Uint8Array }) => e.data.length + e.partitionKey.length,
    },
  };
}

describe('ShardRateLimiter', () => {
  it.each([
    [OverBudget.Defer, 'deferred'],
    [OverBudget.Retry, 'retryable'],
  ])(
    'holds back, unsent, the entries its shard cannot take in time (%s), and not the other shard',
    async (overBudget, status) => {
      // Arrange: 10 records/s, no waiting: a burst of 50 ms lets one entry per shard go now.
      const { client } = listShardsClient();
      const now = 1_000;
      const limiter = new ShardRateLimiter(new KinesisShardMap(client, { streamName: 's' }), {
        shardLimits: { recordsPerSecond: 10, bytesPerSecond: 1e9 },
        maxWaitMs: 0,
        overBudget,
        clock: () => now,
      });
      const hot = keyOn(0, 'hot');
      const cold = keyOn(1, 'cold');
      const { sender: fake, sent } = sender();

      // Act
      const results = await limiter.send(
        [entry(hot), entry(hot), entry(hot), entry(cold)],
        new AbortController().signal,
        fake,
      );

      // Assert
      expect(results.map((r) => r.status)).toEqual(['accepted', status, status, 'accepted']);
      expect(results[1]).toMatchObject({ code: SHARD_BUSY_CODE });
      expect(sent.flat()).toEqual([hot, cold]);
    },
  );

  it("cuts the share of its shard that it sent when the shard throttles, once per round trip, and hides the throttle from the core's window", async () => {
    // Arrange: a share of the whole shard, of which 10 entries use 1 % in the last second.
    const { client, calls } = listShardsClient();
    let now = 0;
    const map = new KinesisShardMap(client, { streamName: 's' });
    const limiter = new ShardRateLimiter(map, {
      initialShare: 1,
      decreaseFactor: 0.5,
      minShare: 1e-6,
      clock: () => now,
    });
    const hot = keyOn(0, 'hot');
    const { sender: fake } = sender((key) =>
      key === hot
        ? { status: 'retryable', code: 'ProvisionedThroughputExceededException', throttled: true }
        : { status: 'accepted' },
    );
    const shardId = RANGES[0].shardId;

    // Act
    const results = await limiter.send(
      [...Array.from({ length: 10 }, () => entry(hot)), entry(keyOn(1, 'cold'))],
      new AbortController().signal,
      fake,
    );
    const afterOne = limiter.shareOf(shardId);
    await limiter.send([entry(hot)], new AbortController().signal, fake);
    const sameRoundTrip = limiter.shareOf(shardId);
    now += 1_000;
    await limiter.send([entry(hot)], new AbortController().signal, fake);

    // Assert: half of what was sent, not half of the share (0.5) that nobody used.
    expect(results[0]).toMatchObject({ status: 'retryable', throttled: false });
    expect(afterOne).toBeCloseTo(0.005, 6);
    expect(sameRoundTrip).toBe(afterOne);
    // A second later: half of the lesser of the share and what was sent (decayed, plus one entry).
    expect(limiter.shareOf(shardId)).toBeCloseTo(0.0025, 6);
    expect(limiter.shareOf(RANGES[1].shardId)).toBe(1);
    expect(calls.count).toBe(1);
  });

  it.each([
    { perCall: 50, grows: true },
    { perCall: 1, grows: false },
  ])(
    'grows a share only while it fills it ($perCall entries per 100 ms at a share of 500 a second)',
    async ({ perCall, grows }) => {
      // Arrange
      const { client } = listShardsClient();
      let now = 0;
      const limiter = new ShardRateLimiter(new KinesisShardMap(client, { streamName: 's' }), {
        initialShare: 0.5,
        clock: () => now,
      });
      const key = keyOn(0, 'k');
      const { sender: fake } = sender();

      // Act: 2 s of calls every 100 ms, each with the entries its 100 ms allows (or fewer).
      for (let call = 0; call < 20; call++) {
        await limiter.send(
          Array.from({ length: perCall }, () => entry(key)),
          new AbortController().signal,
          fake,
        );
        now += 100;
      }

      // Assert
      if (grows) expect(limiter.shareOf(RANGES[0].shardId)).toBeGreaterThan(0.6);
      else expect(limiter.shareOf(RANGES[0].shardId)).toBe(0.5);
    },
  );

  it('refuses options out of range with the option named', () => {
    // Arrange
    const { client } = listShardsClient();
    const map = new KinesisShardMap(client, { streamName: 's' });

    // Act / Assert
    expect(() => new ShardRateLimiter(map, { decreaseFactor: 1.5 })).toThrow(
      /decreaseFactor must be a number from/,
    );
    expect(() => new ShardRateLimiter(map, { overBudget: 'later' as never })).toThrow(
      /overBudget must be 'retry' or 'defer'/,
    );
  });
});

describe('KinesisShardMap', () => {
  it('reads the map once, and again after a record landed on a shard it did not expect', async () => {
    // Arrange
    const { client, calls } = listShardsClient();
    const map = new KinesisShardMap(client, { streamName: 's' });
    const key = keyOn(0, 'k');
    await map.shards();
    await map.shards();

    // Act
    map.checkLanded([{ partitionKey: key }], [RANGES[0].shardId]);
    const beforeResharding = map.refreshCount;
    map.checkLanded([{ partitionKey: key }], ['shardId-000000000009']);
    await map.shards();

    // Assert
    expect(beforeResharding).toBe(0);
    expect(map.refreshCount).toBe(1);
    expect(calls.count).toBe(2);
  });
});
