import { type MockInstance, vi } from 'vitest';

/**
 * The JSON lines Powertools writes (log lines and EMF metrics), captured for a test: info
 * and metrics go to stdout, warnings and errors to stderr.
 */
export class OutputCapture {
  private readonly spies: MockInstance[];
  readonly text: string[] = [];

  constructor() {
    const capture = (chunk: string | Uint8Array) => {
      this.text.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    this.spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  }

  /** Every captured line that parses as JSON. */
  json(): Record<string, unknown>[] {
    return this.text
      .join('')
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

  all(): string {
    return this.text.join('');
  }

  restore(): void {
    for (const spy of this.spies) spy.mockRestore();
  }
}
