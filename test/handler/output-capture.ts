import { format } from 'node:util';
import { type MockInstance, vi } from 'vitest';

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

/** What {@link OutputCapture} captures besides the process's stdout and stderr. */
export interface OutputCaptureOptions {
  /** The global `console` methods too (which the test runner may route elsewhere). Default false. */
  readonly console?: boolean;
}

/**
 * What a test's code prints, captured: the JSON lines Powertools writes (log lines and EMF
 * metrics; info and metrics to stdout, warnings and errors to stderr) and, when asked, every
 * `console` call, so that a test can prove no payload was printed by any way.
 */
export class OutputCapture {
  private readonly spies: MockInstance[] = [];
  private readonly chunks: string[] = [];

  constructor(options: OutputCaptureOptions = {}) {
    const write = (chunk: string | Uint8Array) => {
      this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    this.spies.push(vi.spyOn(process.stdout, 'write').mockImplementation(write));
    this.spies.push(vi.spyOn(process.stderr, 'write').mockImplementation(write));
    for (const method of options.console ? CONSOLE_METHODS : []) {
      this.spies.push(
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          this.chunks.push(`${format(...args)}\n`);
        }),
      );
    }
  }

  /** Every captured line that parses as a JSON object. */
  json(): Record<string, unknown>[] {
    return this.all()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The summary lines logged by the handler. */
  summaries(): Record<string, unknown>[] {
    return this.json()
      .filter((line) => line.message === 'sink invocation summary')
      .map((line) => line.summary as Record<string, unknown>);
  }

  /** The EMF metric documents. */
  metrics(): Record<string, unknown>[] {
    return this.json().filter((line) => typeof line._aws === 'object');
  }

  /** All of it, in order. */
  all(): string {
    return this.chunks.join('');
  }

  /** Forgets what was captured so far. */
  clear(): void {
    this.chunks.length = 0;
  }

  restore(): void {
    for (const spy of this.spies) spy.mockRestore();
  }
}
