import type { Server } from 'node:http';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { listenOnLoopback } from './listen-on-loopback.js';
import { requirePeer } from './optional-peer.js';

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

/** A running local Kinesis endpoint. */
export interface LocalServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Stops the server and frees its resources. */
  close(): Promise<void>;
}

interface KinesaliteOptions {
  path?: string;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  shardLimit: number;
}

/** kinesalite: CommonJS without types, loaded when first started, so that it stays an optional peer dependency. */
type Kinesalite = (options: KinesaliteOptions) => Server;

/** Starts kinesalite in-process on 127.0.0.1. */
export async function startKinesisServer(options: KinesisServerOptions = {}): Promise<LocalServer> {
  const transitionMs = options.transitionMs ?? 0;
  const kinesalite = requirePeer<Kinesalite>('kinesalite', 'startKinesisServer');
  const server = kinesalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    createStreamMs: transitionMs,
    deleteStreamMs: transitionMs,
    updateStreamMs: transitionMs,
    shardLimit: options.shardLimit ?? 1000,
  });
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets of clients would otherwise hold close() open.
        server.closeAllConnections?.();
        server.close((err?: Error) => (err ? reject(err) : resolve()));
      }),
  };
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
