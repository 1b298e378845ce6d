/**
 * Per record of a soak run: how often it was handed to the function and how each hand-over
 * ended for it, and how many copies reached the destination. From that, every duplicate
 * copy is put down to a cause. Typed arrays keep a million records at a few megabytes.
 */

/** How one hand-over of a record to the function ended for that record. */
export const ATTEMPT_OUTCOMES = {
  /** The function answered and did not name it in `batchItemFailures`. */
  done: 'done',
  /** The function answered and named it in `batchItemFailures`. */
  reportedFailed: 'reportedFailed',
  /** The function's process was killed during the invocation. */
  killed: 'killed',
  /** The function did its work and hung into the timeout. */
  timedOutHung: 'timedOutHung',
  /** The invocation timed out with work in progress (a call outlasted the deadline). */
  timedOut: 'timedOut',
  /** The invocation failed as a whole otherwise (the handler threw, an invalid response, a crash). */
  functionError: 'functionError',
} as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[keyof typeof ATTEMPT_OUTCOMES];

/** What each duplicate copy is put down to; every key is a count of extra copies. */
export interface DuplicateCauses {
  /**
   * A hand-over after the function had succeeded with the record: from Kinesis, Lambda reads
   * again from the lowest failed sequence number, so the records after it in the batch come
   * back; from SQS, a delete that failed, or a visibility timeout that ran out before the delete.
   */
  readonly handedAgainAfterSuccess: number;
  /** The invocation timed out after its sends had completed (the function hung): the whole batch came back. */
  readonly timedOutAfterSends: number;
  /** The invocation timed out with calls in flight that the destination still stored. */
  readonly timedOutMidBatch: number;
  /** The process was killed after some of its sends had reached the destination. */
  readonly killedAfterSends: number;
  /**
   * The function reported the record failed although a send of it had been stored: the
   * answer was lost (a connection dropped after forwarding, a latency spike past the deadline).
   */
  readonly reportedFailedButStored: number;
  /** The invocation failed as a whole otherwise, after some sends. */
  readonly functionErrorAfterSends: number;
  /**
   * Copies beyond every hand-over: within one invocation the sink sent the entry again after
   * a send whose answer it never got (a connection dropped after forwarding, a request timeout).
   */
  readonly resentWithinInvocation: number;
}

/** Zero duplicates of every cause, to add up into. */
export function noDuplicates(): Record<keyof DuplicateCauses, number> {
  return {
    handedAgainAfterSuccess: 0,
    timedOutAfterSends: 0,
    timedOutMidBatch: 0,
    killedAfterSends: 0,
    reportedFailedButStored: 0,
    functionErrorAfterSends: 0,
    resentWithinInvocation: 0,
  };
}

const ORDER: readonly (readonly [AttemptOutcome, keyof DuplicateCauses])[] = [
  // A done hand-over certainly stored the record, so it is counted first; the others may or may not have.
  ['done', 'handedAgainAfterSuccess'],
  ['timedOutHung', 'timedOutAfterSends'],
  ['timedOut', 'timedOutMidBatch'],
  ['killed', 'killedAfterSends'],
  ['reportedFailed', 'reportedFailedButStored'],
  ['functionError', 'functionErrorAfterSends'],
];

/** What the destination held, per record. */
export interface CopyCounts {
  /** Distinct records found. */
  readonly delivered: number;
  /** Copies beyond the first. */
  readonly duplicates: number;
  /** Records with more than one copy. */
  readonly recordsDuplicated: number;
  /** Most copies of one record. */
  readonly maxCopies: number;
}

/** The ledger of a run of `capacity` records, indexed by the record's number. */
export class RecordLedger {
  private readonly attempts: Record<AttemptOutcome, Uint16Array>;
  private readonly copies: Uint16Array;
  private handedTotal = 0;

  constructor(readonly capacity: number) {
    this.attempts = Object.fromEntries(
      Object.values(ATTEMPT_OUTCOMES).map((outcome) => [outcome, new Uint16Array(capacity)]),
    ) as Record<AttemptOutcome, Uint16Array>;
    this.copies = new Uint16Array(capacity);
  }

  /** Record `index` was handed to the function once, with this outcome for it. */
  attempt(index: number, outcome: AttemptOutcome): void {
    const counts = this.attempts[outcome];
    if (counts[index] < 0xffff) counts[index]++;
    this.handedTotal++;
  }

  /** One copy of record `index` was found at the destination. */
  copy(index: number): void {
    if (this.copies[index] < 0xffff) this.copies[index]++;
  }

  /** Hand-overs to the function, every retry included. */
  handed(): number {
    return this.handedTotal;
  }

  /** Hand-overs by outcome, summed over the records. */
  attemptsByOutcome(): Record<AttemptOutcome, number> {
    const out = {} as Record<AttemptOutcome, number>;
    for (const outcome of Object.values(ATTEMPT_OUTCOMES)) {
      let sum = 0;
      for (const n of this.attempts[outcome]) sum += n;
      out[outcome] = sum;
    }
    return out;
  }

  /** The copy counts of records `first` to `end - 1`. */
  copyCounts(first = 0, end = this.capacity): CopyCounts {
    let delivered = 0;
    let duplicates = 0;
    let recordsDuplicated = 0;
    let maxCopies = 0;
    for (let i = first; i < end; i++) {
      const c = this.copies[i];
      if (c === 0) continue;
      delivered++;
      duplicates += c - 1;
      if (c > 1) recordsDuplicated++;
      if (c > maxCopies) maxCopies = c;
    }
    return { delivered, duplicates, recordsDuplicated, maxCopies };
  }

  /** Whether record `index` reached the destination. */
  delivered(index: number): boolean {
    return this.copies[index] > 0;
  }

  /**
   * Puts every extra copy of every record down to a cause: first to the hand-overs before the
   * last that must have stored it (done ones), then to those that may have (timed out,
   * killed, reported failed, failed as a whole), in that order; copies beyond every hand-over
   * were sent twice within one invocation. The causes add up to the duplicates exactly; when
   * a record had more candidate hand-overs than extra copies, the order above decides.
   */
  duplicateCauses(first = 0, end = this.capacity): DuplicateCauses {
    const out = noDuplicates();
    for (let i = first; i < end; i++) {
      const copies = this.copies[i];
      if (copies < 2) continue;
      let extra = copies - 1;
      for (const [outcome, cause] of ORDER) {
        if (extra === 0) break;
        // The last done hand-over is the one that counts; only the earlier ones are extra.
        const candidates =
          outcome === 'done' ? Math.max(0, this.attempts.done[i] - 1) : this.attempts[outcome][i];
        const take = Math.min(extra, candidates);
        out[cause] += take;
        extra -= take;
      }
      out.resentWithinInvocation += extra;
    }
    return out;
  }
}
