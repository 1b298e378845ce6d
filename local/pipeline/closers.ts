/** Things to stop at the end of a run, stopped in reverse order, each on a best-effort basis. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class Closers {
  private readonly closers: (() => Promise<unknown> | unknown)[] = [];

  add(close: () => Promise<unknown> | unknown): void {
    this.closers.push(close);
  }

  /** Starts something and stops it at the end: `closers.started(await startX(), (x) => x.close())`. */
  started<T>(thing: T, close: (thing: T) => Promise<unknown> | unknown): T {
    this.add(() => close(thing));
    return thing;
  }

  /** A fresh temporary directory, removed at the end. */
  async temporaryDirectory(label: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), `lambda-async-sink-${label}-`));
    this.add(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch {
        // One service failing to stop must not hide the run's outcome.
      }
    }
  }
}
