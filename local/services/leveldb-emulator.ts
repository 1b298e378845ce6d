/**
 * kinesalite and dynalite are emulators of one make: CommonJS without types, backed by
 * LevelDB (in memory unless given a path), each an optional peer dependency loaded when first
 * started. One starter runs either in-process on 127.0.0.1.
 */
import type { Server } from 'node:http';
import { listenOnLoopback } from './listen-on-loopback.js';
import { requirePeer } from './optional-peer.js';

/** A running local emulator. */
export interface LocalServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Stops the server and frees its resources. */
  close(): Promise<void>;
}

/** What the emulator's factory takes: its own settings, and the LevelDB directory. */
type EmulatorOptions = Record<string, unknown> & { path?: string };

/** Starts `peer` (kinesalite or dynalite) in-process on 127.0.0.1; `caller` names who needs it when it is missing. */
export async function startLevelDbEmulator(
  peer: 'kinesalite' | 'dynalite',
  caller: string,
  settings: Record<string, unknown>,
  where: { readonly path?: string; readonly port?: number },
): Promise<LocalServer> {
  const emulator = requirePeer<(options: EmulatorOptions) => Server>(peer, caller);
  const server = emulator({ ...(where.path === undefined ? {} : { path: where.path }), ...settings });
  const endpoint = await listenOnLoopback(server, where.port);
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
