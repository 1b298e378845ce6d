import type * as Fauxqs from 'fauxqs';
import type { LocalServer } from './kinesis-server.js';
import { importPeer } from './optional-peer.js';

/** Options of {@link startSqsServer}. */
export interface SqsServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
}

/**
 * Starts fauxqs in-process on 127.0.0.1 with logging off.
 * Its queue URLs name the host `sqs.<region>.localhost:<port>`, so clients must keep `endpoint`
 * (see `createSqsClient`) rather than follow the queue URL.
 */
export async function startSqsServer(options: SqsServerOptions = {}): Promise<LocalServer> {
  const { startFauxqs } = await importPeer<typeof Fauxqs>('fauxqs', 'startSqsServer');
  const server = await startFauxqs({ port: options.port ?? 0, host: '127.0.0.1', logger: false });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    close: () => server.stop(),
  };
}
