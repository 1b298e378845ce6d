import { format } from 'node:util';
import { type MockInstance, vi } from 'vitest';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

/**
 * Everything a test's code prints, by every way it can: `process.stdout` and
 * `process.stderr` writes (Powertools writes there through its own Console) and the
 * global `console` methods (which the test runner may route elsewhere).
 */
export class AllOutput {
  private readonly spies: MockInstance[] = [];
  private readonly chunks: string[] = [];

  constructor() {
    const write = (chunk: string | Uint8Array) => {
      this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    this.spies.push(vi.spyOn(process.stdout, 'write').mockImplementation(write));
    this.spies.push(vi.spyOn(process.stderr, 'write').mockImplementation(write));
    for (const method of CONSOLE_METHODS) {
      this.spies.push(
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          this.chunks.push(`${format(...args)}\n`);
        }),
      );
    }
  }

  /** All of it, in order. */
  text(): string {
    return this.chunks.join('');
  }

  /** Every line that parses as a JSON object. */
  json(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The handler's summary lines. */
  summaries(): Record<string, unknown>[] {
    return this.json()
      .filter((line) => line.message === 'sink invocation summary')
      .map((line) => line.summary as Record<string, unknown>);
  }

  restore(): void {
    for (const spy of this.spies) spy.mockRestore();
  }
}
