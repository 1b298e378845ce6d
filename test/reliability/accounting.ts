/**
 * What became of every record of a batch, and the checks that none was silently lost:
 * each one is delivered, filtered out by `convert`, reported in `batchItemFailures`,
 * dead-lettered or dropped by the poison policy, with a reason in the summary log line.
 */
import { expect } from 'vitest';
import type { DeadLetter } from '../../lib/handler/poison.js';
import type { Arrived } from './local-pipelines.js';
import { fingerprint } from './local-pipelines.js';

/** The expected fate of one record. */
export type Outcome =
  | { readonly kind: 'delivered'; readonly partitionKey?: string }
  | { readonly kind: 'filtered' }
  | {
      readonly kind: 'failed' | 'dead-lettered' | 'dropped';
      /** The failure code in the summary (and the dead letter). */
      readonly code: string;
      /** Matches the reason as logged (quoted fragments are redacted there). */
      readonly reason: RegExp;
    };

export const delivered = (partitionKey?: string): Outcome => ({ kind: 'delivered', partitionKey });
export const filtered: Outcome = { kind: 'filtered' };
export const failed = (code: string, reason: RegExp): Outcome => ({ kind: 'failed', code, reason });
export const deadLettered = (code: string, reason: RegExp): Outcome => ({
  kind: 'dead-lettered',
  code,
  reason,
});
export const dropped = (code: string, reason: RegExp): Outcome => ({ kind: 'dropped', code, reason });

/** One record of the batch with its id, the bytes it should arrive as, and its expected fate. */
export interface ExpectedRecord {
  readonly id: string;
  /** The bytes a delivered record arrives as. */
  readonly arrives?: Buffer;
  readonly outcome: Outcome;
}

/** One failed record as the summary line lists it. */
interface FailureLine {
  readonly id: string;
  readonly code: string;
  readonly reason: string;
  readonly handled?: string;
}

/** What one invocation produced, read back from every place a record can end up. */
export interface Observed {
  readonly reported: readonly string[];
  readonly arrived: readonly Arrived[];
  readonly deadLetters: readonly DeadLetter[];
  readonly summary: Record<string, unknown>;
}

const sorted = (values: Iterable<string>) => [...values].sort();

/** Asserts that every record met its expected fate, and that nothing else happened. */
export function expectAccountedFor(records: readonly ExpectedRecord[], observed: Observed): void {
  const ofKind = (kind: Outcome['kind']) => records.filter((record) => record.outcome.kind === kind);

  // Reported: exactly the failed ones, each once.
  expect(sorted(observed.reported)).toEqual(sorted(ofKind('failed').map((record) => record.id)));
  expect(new Set(observed.reported).size).toBe(observed.reported.length);

  // At the destination: exactly the delivered ones, byte for byte, and nothing else.
  expect(sorted(observed.arrived.map((item) => fingerprint(item.data)))).toEqual(
    sorted(ofKind('delivered').map((record) => fingerprint(record.arrives ?? Buffer.alloc(0)))),
  );
  for (const record of ofKind('delivered')) {
    const { partitionKey } = record.outcome as { partitionKey?: string };
    if (partitionKey === undefined) continue;
    const item = observed.arrived.find((arrived) => record.arrives?.equals(arrived.data));
    expect(item?.partitionKey).toBe(partitionKey);
  }

  // In the dead-letter queue: exactly the dead-lettered ones, each with its reason.
  const letters = new Map(observed.deadLetters.map((letter) => [letter.recordId, letter]));
  expect(sorted(letters.keys())).toEqual(sorted(ofKind('dead-lettered').map((record) => record.id)));
  for (const record of ofKind('dead-lettered')) {
    const outcome = record.outcome as { code: string; reason: RegExp };
    const letter = letters.get(record.id);
    expect(letter?.failure.code).toBe(outcome.code);
    expect(letter?.failure.reason).toMatch(outcome.reason);
  }

  // In the summary line: the counts, and each record that did not arrive, with a clear reason.
  const { summary } = observed;
  const poison = summary.poison as { deadLettered: number; dropped: number };
  expect(summary).toMatchObject({
    records: records.length,
    failed: ofKind('failed').length,
    filtered: ofKind('filtered').length,
    done: records.length - ofKind('failed').length,
  });
  expect(poison).toMatchObject({
    deadLettered: ofKind('dead-lettered').length,
    dropped: ofKind('dropped').length,
  });
  const lines = new Map((summary.failures as FailureLine[]).map((line) => [line.id, line]));
  for (const record of records) {
    const { outcome } = record;
    if (outcome.kind === 'delivered' || outcome.kind === 'filtered') {
      expect(lines.has(record.id), `record ${record.id} is listed as failed`).toBe(false);
      continue;
    }
    const line = lines.get(record.id);
    expect(line, `record ${record.id} is not in the summary`).toBeDefined();
    expect(line?.code).toBe(outcome.code);
    expect(line?.reason).toMatch(outcome.reason);
    expect(line?.handled).toBe(outcome.kind === 'failed' ? undefined : outcome.kind);
  }
}
