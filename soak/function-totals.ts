/**
 * Sums over the function's own log: the handler writes one structured summary line per
 * invocation (see lib/handler/summary.ts), which is how its retries and throttles would be read
 * from CloudWatch Logs. Invocations killed or timed out write none.
 */

/** Sums over the summary lines of the invocations that answered. */
export interface FunctionTotals {
  /** Summary lines read: invocations that got as far as answering. */
  readonly invocations: number;
  readonly records: number;
  readonly done: number;
  readonly failed: number;
  /** Failed records by reason code (e.g. `DeadlineReached`, `RetriesExhausted`). */
  readonly failedByReason: Readonly<Record<string, number>>;
  /** Entries sent, every retry included, and accepted by the destination. */
  readonly entriesSent: number;
  readonly entriesAccepted: number;
  /** Entries the sink sent again inside an invocation. */
  readonly entriesRetried: number;
  readonly requests: number;
  readonly requestsFailed: number;
  readonly throttles: number;
  /** Invocations whose sending stopped at the deadline. */
  readonly deadlineReached: number;
}

interface SummaryFields {
  records?: number;
  done?: number;
  failed?: number;
  failedByReason?: Record<string, number>;
  entriesSent?: number;
  entriesAccepted?: number;
  retries?: number;
  requests?: number;
  requestsFailed?: number;
  throttles?: number;
  deadlineReached?: boolean;
}

const MARKER = '"sink invocation summary"';

/** Reads log lines and keeps the sums. */
export class FunctionTotalsCollector {
  private invocations = 0;
  private records = 0;
  private done = 0;
  private failed = 0;
  private readonly failedByReason: Record<string, number> = {};
  private entriesSent = 0;
  private entriesAccepted = 0;
  private entriesRetried = 0;
  private requests = 0;
  private requestsFailed = 0;
  private throttles = 0;
  private deadlineReached = 0;

  /** One line of the function's stdout; lines other than the summary are ignored. */
  line(text: string): void {
    if (!text.includes(MARKER)) return;
    let summary: SummaryFields | undefined;
    try {
      summary = (JSON.parse(text) as { summary?: SummaryFields }).summary;
    } catch {
      return;
    }
    if (!summary) return;
    this.invocations++;
    this.records += summary.records ?? 0;
    this.done += summary.done ?? 0;
    this.failed += summary.failed ?? 0;
    for (const [reason, n] of Object.entries(summary.failedByReason ?? {})) {
      this.failedByReason[reason] = (this.failedByReason[reason] ?? 0) + n;
    }
    this.entriesSent += summary.entriesSent ?? 0;
    this.entriesAccepted += summary.entriesAccepted ?? 0;
    this.entriesRetried += summary.retries ?? 0;
    this.requests += summary.requests ?? 0;
    this.requestsFailed += summary.requestsFailed ?? 0;
    this.throttles += summary.throttles ?? 0;
    if (summary.deadlineReached) this.deadlineReached++;
  }

  totals(): FunctionTotals {
    return {
      invocations: this.invocations,
      records: this.records,
      done: this.done,
      failed: this.failed,
      failedByReason: { ...this.failedByReason },
      entriesSent: this.entriesSent,
      entriesAccepted: this.entriesAccepted,
      entriesRetried: this.entriesRetried,
      requests: this.requests,
      requestsFailed: this.requestsFailed,
      throttles: this.throttles,
      deadlineReached: this.deadlineReached,
    };
  }
}

/** The sum of several totals. */
export function addFunctionTotals(all: readonly FunctionTotals[]): FunctionTotals {
  const failedByReason: Record<string, number> = {};
  for (const t of all) {
    for (const [reason, n] of Object.entries(t.failedByReason)) {
      failedByReason[reason] = (failedByReason[reason] ?? 0) + n;
    }
  }
  const sum = (key: Exclude<keyof FunctionTotals, 'failedByReason'>) =>
    all.reduce((total, t) => total + t[key], 0);
  return {
    invocations: sum('invocations'),
    records: sum('records'),
    done: sum('done'),
    failed: sum('failed'),
    failedByReason,
    entriesSent: sum('entriesSent'),
    entriesAccepted: sum('entriesAccepted'),
    entriesRetried: sum('entriesRetried'),
    requests: sum('requests'),
    requestsFailed: sum('requestsFailed'),
    throttles: sum('throttles'),
    deadlineReached: sum('deadlineReached'),
  };
}
