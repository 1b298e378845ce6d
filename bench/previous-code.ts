/**
 * The library as it was at an earlier commit, loaded next to the current one, so that a
 * change is measured against the code before it in the same run (issue 13: P7 and P8 against
 * the core before the streaming intake). `git archive` writes the commit's `lib/` under
 * bench/.previous/<commit>/ (ignored by git); tsx loads it from there, with this checkout's
 * node_modules. Without git (say, in an installed package) there is no previous code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AsyncSink } from '../lib/core/sink.js';
import type { kinesisDestination } from '../lib/destinations/kinesis.js';

/** The main branch before the streaming intake (issue 13, P7): arrays were converted and checked whole first. */
export const BEFORE_STREAMING_INTAKE = 'a37e2ce69495466e7406f280c44ba2b92041cd83';

/** What the bench uses of a previous library. */
export interface PreviousCode {
  readonly commit: string;
  readonly AsyncSink: typeof AsyncSink;
  readonly kinesisDestination: typeof kinesisDestination;
}

/** The library at `commit`, or `undefined` (with the reason on stderr) when git cannot give it. */
export async function previousCode(commit = BEFORE_STREAMING_INTAKE): Promise<PreviousCode | undefined> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const directory = fileURLToPath(new URL(`./.previous/${commit}/`, import.meta.url));
  try {
    if (!existsSync(`${directory}lib`)) {
      mkdirSync(directory, { recursive: true });
      const archive = execFileSync('git', ['-C', root, 'archive', commit, 'lib'], {
        maxBuffer: 64 * 1024 ** 2,
      });
      execFileSync('tar', ['-x', '-C', directory], { input: archive });
    }
  } catch (error) {
    process.stderr.write(
      `no previous code (${commit}): ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
  const core = await import(pathToFileURL(`${directory}lib/core/sink.ts`).href);
  const kinesis = await import(pathToFileURL(`${directory}lib/destinations/kinesis.ts`).href);
  return { commit, AsyncSink: core.AsyncSink, kinesisDestination: kinesis.kinesisDestination };
}
