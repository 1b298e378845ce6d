/** Things to stop at the end of a run, stopped in reverse order, each on a best-effort basis. */
export class Closers {
  private readonly closers: (() => Promise<unknown> | unknown)[] = [];

  add(close: () => Promise<unknown> | unknown): void {
    this.closers.push(close);
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
