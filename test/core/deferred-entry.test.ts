import { describe, expect, it } from 'vitest';
import { AsyncSink, FailureCode } from '../../lib/core/index.js';
import { isPoisonFailure } from '../../lib/handler/poison.js';
import { FakeDestination } from './fake-destination.js';

describe('a deferred entry', () => {
  it.each([false, true])(
    'fails its record at once for the event source, unretried (ordered %s)',
    async (ordered) => {
      // Arrange: entries keyed "hot" are deferred by the destination; the others are accepted.
      const destination = new FakeDestination({
        behaviour: (entries) =>
          entries.map((entry) =>
            entry.key === 'hot'
              ? { status: 'deferred', code: 'ShardBusy', message: 'shard 1 is booked for 3 s' }
              : { status: 'accepted' },
          ),
      });
      const sink = new AsyncSink(destination, { ordered, maxAttempts: 8 });
      const records = [
        { id: 'a', entries: [{ id: 'a0', size: 10, key: 'hot' }] },
        { id: 'b', entries: [{ id: 'b0', size: 10, key: 'cold' }] },
        { id: 'c', entries: [{ id: 'c0', size: 10, key: 'hot' }] },
      ];

      // Act
      const { outcomes, stats } = await sink.run(records);

      // Assert
      expect(outcomes.map((o) => o.status)).toEqual(['failed', 'done', 'failed']);
      const failure = outcomes[0].status === 'failed' ? outcomes[0] : undefined;
      expect(failure?.code).toBe(FailureCode.Deferred);
      expect(failure?.reason).toMatch(/deferred entry to a later invocation: ShardBusy: shard 1 is booked/);
      expect(stats.entriesRetried).toBe(0);
      expect(isPoisonFailure({ code: FailureCode.Deferred, reason: '' })).toBe(false);
    },
  );
});
