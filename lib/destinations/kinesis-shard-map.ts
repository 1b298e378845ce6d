/**
 * The shard map of a Kinesis stream, for a destination that must know which shard takes an
 * entry (per-shard rate limiting, KPL aggregation). Read once with `ListShards` and cached
 * for the life of the execution environment; a caller that sees a sign of resharding (a
 * record landed on a shard the map does not know, or a key no open shard takes) calls
 * `refresh`, and the next lookup reads it again.
 */
import {
  type KinesisClient,
  ListShardsCommand,
  type ListShardsInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { kinesisHashKey, type ShardRange, shardIndexOf } from './kinesis-hash-key.js';

/** The stream a map belongs to: its name, its ARN, or both. */
export interface StreamReference {
  readonly streamName?: string;
  readonly streamArn?: string;
}

/** The open shards of a stream, sorted by starting hash key (`ListShards`, every page). */
export async function listOpenShards(
  client: KinesisClient,
  stream: StreamReference,
  signal?: AbortSignal,
): Promise<ShardRange[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // A call with NextToken must name no stream (ListShards API reference).
    const input: ListShardsInput =
      nextToken === undefined
        ? {
            ...(stream.streamName === undefined ? {} : { StreamName: stream.streamName }),
            ...(stream.streamArn === undefined ? {} : { StreamARN: stream.streamArn }),
          }
        : { NextToken: nextToken };
    const page = await client.send(new ListShardsCommand(input), { abortSignal: signal });
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return shards
    .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .map((shard) => ({
      shardId: shard.ShardId ?? '',
      startingHashKey: BigInt(shard.HashKeyRange?.StartingHashKey ?? '0'),
      endingHashKey: BigInt(shard.HashKeyRange?.EndingHashKey ?? '0'),
    }))
    .sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : 1));
}

/** A stream's open shards, read once and kept until `refresh`. */
export class KinesisShardMap {
  private loading: Promise<readonly ShardRange[]> | undefined;
  private current: readonly ShardRange[] | undefined;
  private refreshes = 0;

  constructor(
    private readonly client: KinesisClient,
    private readonly stream: StreamReference,
  ) {}

  /** The open shards, from the cache or from `ListShards`. */
  shards(signal?: AbortSignal): Promise<readonly ShardRange[]> {
    if (this.loading === undefined) {
      const loading = listOpenShards(this.client, this.stream, signal);
      loading.then(
        (shards) => {
          if (this.loading === loading) this.current = shards;
        },
        () => {},
      );
      // A failed read must not stay cached: the next call tries again.
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  /** The cached map, if it was read. */
  get cached(): readonly ShardRange[] | undefined {
    return this.current;
  }

  /**
   * Compares the shards the records landed on (`PutRecords`' `ShardId`s) with the map's: a
   * record elsewhere means the stream was resharded, and the map is read again next time.
   */
  checkLanded(
    entries: readonly { partitionKey: string; explicitHashKey?: string }[],
    landed: readonly (string | undefined)[],
  ): void {
    const shards = this.current;
    if (shards === undefined) return;
    for (let i = 0; i < entries.length; i++) {
      const shardId = landed[i];
      if (shardId === undefined) continue;
      const index = shardIndexOf(shards, kinesisHashKey(entries[i].partitionKey, entries[i].explicitHashKey));
      if (index < 0 || shards[index].shardId !== shardId) {
        this.refresh();
        return;
      }
    }
  }

  /** Forgets the cached map: the stream was resharded. */
  refresh(): void {
    this.loading = undefined;
    this.current = undefined;
    this.refreshes++;
  }

  /** How often the map was dropped for resharding. */
  get refreshCount(): number {
    return this.refreshes;
  }
}
