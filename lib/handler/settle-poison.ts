import type { AsyncSink } from '../core/sink.js';
import type { RecordFailure, RecordOutcome } from '../core/types.js';
import type { SqsEntry } from '../destinations/sqs.js';
import type { SourceRecordInfo } from '../sources/source-event.js';
import { deadLetterEntry, isPoisonFailure, PoisonPolicy } from './poison.js';

/** What happened to a poison record. */
export type PoisonHandling = 'dead-lettered' | 'dropped';

/** The poison of one batch and what the policy did with it. */
export interface PoisonSettlement {
  /** Poison records found, handled or not. */
  readonly found: number;
  /** By batch position: the records dropped or dead-lettered, now counted done. */
  readonly handling: ReadonlyMap<number, PoisonHandling>;
  /** By batch position: why each handled record was poison, for the summary. */
  readonly failures: ReadonlyMap<number, RecordFailure>;
}

/** Where `dead-letter` sends poison. */
export interface DeadLetterTarget {
  readonly sink: AsyncSink<SqsEntry>;
  readonly fifo: boolean;
}

/**
 * Applies the poison policy to the failed records of a batch, changing `outcomes` in
 * place: `drop` counts poison done, `dead-letter` counts it done once the dead-letter
 * queue took it (sent before `deadline`), `retry` leaves it failed.
 */
export async function settlePoison(
  outcomes: RecordOutcome[],
  records: readonly SourceRecordInfo[],
  policy: PoisonPolicy,
  deadLetter: DeadLetterTarget | undefined,
  /** When dead-lettering stops. */
  deadline: AbortSignal,
): Promise<PoisonSettlement> {
  const { found, toHandle } = findPoison(outcomes, records, policy);
  const failures = new Map<number, RecordFailure>();
  for (const index of toHandle) {
    const outcome = outcomes[index] as RecordFailure;
    failures.set(index, { code: outcome.code, reason: outcome.reason });
  }
  const handling = new Map<number, PoisonHandling>();
  if (policy === PoisonPolicy.Drop) {
    for (const index of toHandle) {
      outcomes[index] = { id: records[index].id, status: 'done' };
      handling.set(index, 'dropped');
    }
  } else if (deadLetter !== undefined) {
    await sendToDeadLetter(outcomes, records, toHandle, failures, deadLetter, deadline, handling);
  }
  return { found, handling, failures };
}

/**
 * The poison records the policy may handle, by batch position. A record of a FIFO group
 * that already has a failure waiting for a retry is left failed: the cut-off fails it
 * anyway, and it will come back after the earlier one.
 */
function findPoison(
  outcomes: readonly RecordOutcome[],
  records: readonly SourceRecordInfo[],
  policy: PoisonPolicy,
): { found: number; toHandle: number[] } {
  const toHandle: number[] = [];
  // Never holds `undefined`: a record without a group waits for nothing.
  const waitingGroups = new Set<string | undefined>();
  let found = 0;
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'done') return;
    const poison = isPoisonFailure(outcome);
    if (poison) found++;
    const group = records[index].group;
    if (poison && policy !== PoisonPolicy.Retry && !waitingGroups.has(group)) toHandle.push(index);
    else if (group !== undefined) waitingGroups.add(group);
  });
  return { found, toHandle };
}

/** Sends the poison records with their reasons to the dead-letter queue; those it took count done. */
async function sendToDeadLetter(
  outcomes: RecordOutcome[],
  records: readonly SourceRecordInfo[],
  toHandle: readonly number[],
  failures: ReadonlyMap<number, RecordFailure>,
  target: DeadLetterTarget,
  deadline: AbortSignal,
  handling: Map<number, PoisonHandling>,
): Promise<void> {
  const letters = toHandle.map((index) => ({
    id: String(index),
    entries: [deadLetterEntry(records[index], failures.get(index)!, target.fifo)],
  }));
  const deadLettered = await target.sink.run(letters, { deadline });
  deadLettered.outcomes.forEach((outcome, position) => {
    const index = toHandle[position];
    const id = records[index].id;
    if (outcome.status === 'done') {
      outcomes[index] = { id, status: 'done' };
      handling.set(index, 'dead-lettered');
      return;
    }
    const failure = failures.get(index)!;
    outcomes[index] = {
      id,
      status: 'failed',
      code: failure.code,
      reason: `${failure.reason}; the dead-letter send failed: ${outcome.code}: ${outcome.reason}`,
    };
  });
}
