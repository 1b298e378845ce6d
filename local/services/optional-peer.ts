import { createRequire } from 'node:module';
import { AsyncSinkError } from '../../lib/core/errors.js';

/**
 * Thrown when a local service needs an emulator the app has not installed. The emulators
 * are optional peer dependencies of `lambda-async-sink/testing`, so installing the
 * runtime never pulls them in; the message names the one to install.
 */
export class MissingPeerDependencyError extends AsyncSinkError {
  override readonly name = 'MissingPeerDependencyError';
  readonly code = 'MISSING_PEER_DEPENDENCY';

  constructor(
    /** The npm package to install, e.g. `kinesalite`. */
    readonly packageName: string,
    /** What needed it, e.g. `startKinesisServer`. */
    readonly neededBy: string,
  ) {
    super(
      `${neededBy} needs the package ${packageName}, an optional peer dependency of lambda-async-sink/testing: ` +
        `install it with npm install --save-dev ${packageName}`,
    );
  }
}

const require = createRequire(import.meta.url);

function isNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`))
  );
}

/** Loads a CommonJS peer dependency when first needed, or names it in a {@link MissingPeerDependencyError}. */
export function requirePeer<T>(packageName: string, neededBy: string): T {
  try {
    return require(packageName) as T;
  } catch (error) {
    throw isNotFound(error, packageName) ? new MissingPeerDependencyError(packageName, neededBy) : error;
  }
}

/** Imports an ES-module peer dependency when first needed, or names it in a {@link MissingPeerDependencyError}. */
export async function importPeer<T>(packageName: string, neededBy: string): Promise<T> {
  try {
    return (await import(packageName)) as T;
  } catch (error) {
    throw isNotFound(error, packageName) ? new MissingPeerDependencyError(packageName, neededBy) : error;
  }
}
