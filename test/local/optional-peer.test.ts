import { describe, expect, it } from 'vitest';
import { importPeer, MissingPeerDependencyError, requirePeer } from '../../local/services/optional-peer.js';

describe('optional peer dependencies of lambda-async-sink/testing', () => {
  it.each([
    ['requirePeer', () => requirePeer('no-such-emulator', 'startNothing')],
    ['importPeer', () => importPeer('no-such-emulator', 'startNothing')],
  ])('%s names the missing package and how to install it', async (_name, load) => {
    // Arrange, act
    const loading = (async () => load())();

    // Assert
    await expect(loading).rejects.toThrow(MissingPeerDependencyError);
    await expect(loading).rejects.toThrow(
      'startNothing needs the package no-such-emulator, an optional peer dependency of lambda-async-sink/testing: ' +
        'install it with npm install --save-dev no-such-emulator',
    );
  });

  it('loads an installed one', async () => {
    // Arrange, act
    const kinesalite = requirePeer<unknown>('kinesalite', 'startKinesisServer');
    const fauxqs = await importPeer<{ startFauxqs?: unknown }>('fauxqs', 'startSqsServer');

    // Assert
    expect(typeof kinesalite).toBe('function');
    expect(typeof fauxqs.startFauxqs).toBe('function');
  });
});
