/**
 * The wait at the heart of a run: the producer writes in the background while the poller
 * invokes the function, until every record produced is settled at the source or the wait
 * gives up. Progress is reported on the way; an abort or a failed producer ends the wait.
 */
import type { ProducedRecords } from './producers.js';

/** A producer running in the background: what it produced once done, or how it failed. */
export class BackgroundProducer {
  /** Set once every record is written. */
  result?: ProducedRecords;
  /** Epoch ms when the producer finished. */
  finishedAt?: number;
  error: unknown;

  constructor(producing: Promise<ProducedRecords>) {
    producing.then(
      (result) => {
        this.result = result;
        this.finishedAt = Date.now();
      },
      (error: unknown) => {
        this.error = error ?? new Error('the producer failed');
      },
    );
  }
}

/** What {@link waitUntilSettled} watches. */
export interface SettleWait {
  readonly producer: BackgroundProducer;
  /** Whether the source has settled everything produced; asked once the producer is done. */
  readonly settled: (produced: ProducedRecords) => Promise<boolean>;
  readonly progressIntervalMs: number;
  /** Called every `progressIntervalMs`. */
  readonly onProgress: (now: number) => unknown;
  /** True when the wait must give up (a time bound). */
  readonly giveUp: (now: number) => boolean;
  /** How often to look. */
  readonly pollMs: number;
  readonly signal?: AbortSignal;
}

/** Throws the abort's reason once `signal` fires. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error('the pipeline run was interrupted');
  }
}

/** True once everything produced is settled, false when the wait gave up; throws on abort or a failed producer. */
export async function waitUntilSettled(wait: SettleWait): Promise<boolean> {
  let lastProgressAt = 0;
  for (;;) {
    throwIfInterrupted(wait.signal);
    if (wait.producer.error !== undefined) throw wait.producer.error;
    const now = Date.now();
    if (now - lastProgressAt >= wait.progressIntervalMs) {
      lastProgressAt = now;
      await wait.onProgress(now);
    }
    const produced = wait.producer.result;
    if (produced !== undefined && (await wait.settled(produced))) return true;
    if (wait.giveUp(now)) return false;
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
}
