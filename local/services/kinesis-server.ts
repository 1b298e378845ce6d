import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { type LocalServer, startLevelDbEmulator } from './leveldb-emulator.js';

/** Options of {@link startKinesisServer}. */
export interface KinesisServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** LevelDB directory; omitted means in memory (memdown). */
  readonly path?: string;
  /** Milliseconds a stream stays CREATING / DELETING / UPDATING; 0 by default so tests do not wait. */
  readonly transitionMs?: number;
  /** Shards allowed per account (kinesalite default 10 is too low for benchmarks). */
  readonly shardLimit?: number;
}

export type { LocalServer } from './leveldb-emulator.js';

/** Starts kinesalite in-process on 127.0.0.1. */
export function startKinesisServer(options: KinesisServerOptions = {}): Promise<LocalServer> {
  const transitionMs = options.transitionMs ?? 0;
  return startLevelDbEmulator(
    'kinesalite',
    'startKinesisServer',
    {
      createStreamMs: transitionMs,
      deleteStreamMs: transitionMs,
      updateStreamMs: transitionMs,
      shardLimit: options.shardLimit ?? 1000,
    },
    options,
  );
}

/** Creates a stream and resolves once it is ACTIVE (polls DescribeStreamSummary, bounded by `timeoutMs`). */
export async function createKinesisStream(
  client: KinesisClient,
  name: string,
  shards = 1,
  timeoutMs = 10_000,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Kinesis stream ${name} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
