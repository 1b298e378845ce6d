import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RecordFailure, RecordOutcome, SinkStats } from '../core/types.js';
import type { SourceKind, SourceRecordInfo } from '../sources/source-event.js';
import type { PoisonPolicy } from './poison.js';
import type { PoisonHandling, PoisonSettlement } from './settle-poison.js';

/** Most failed records listed by name in one summary line; the rest are only counted. */
export const MAX_LISTED_FAILURES = 25;

/** One failed record as the summary lists it. */
export interface FailureLine {
  readonly id: string;
  readonly code: string;
  readonly reason: string;
  /** Set when the poison policy dropped or dead-lettered the record: it counts as done. */
  readonly handled?: PoisonHandling;
  /** Only with `logPayloads: true`. */
  readonly payload?: string;
}

/** The one structured line logged per invocation. Payloads appear only in `failures[].payload`, on request. */
export interface InvocationSummary {
  readonly source: SourceKind | undefined;
  readonly fifo: boolean;
  readonly destination: string;
  readonly ordered: boolean;
  readonly records: number;
  readonly done: number;
  /** Records `convert` turned into no entries; counted in `done`. */
  readonly filtered: number;
  readonly failed: number;
  readonly failedByReason: Readonly<Record<string, number>>;
  readonly poison: {
    readonly policy: PoisonPolicy;
    readonly found: number;
    readonly deadLettered: number;
    readonly dropped: number;
  };
  readonly entries: number;
  readonly entriesSent: number;
  readonly entriesAccepted: number;
  readonly requests: number;
  readonly requestsFailed: number;
  readonly retries: number;
  readonly throttles: number;
  /** Mean fill of the requests, in percent of what each could carry. */
  readonly batchFillPercent: number;
  readonly deadlineReached: boolean;
  readonly fatalError?: string;
  /** Time spent sending, in ms. */
  readonly sinkMs: number;
  /** Time the whole invocation took, in ms. */
  readonly elapsedMs: number;
  readonly failures: readonly FailureLine[];
  readonly failuresNotListed: number;
}

/**
 * Hides quoted fragments of a failure reason. Error messages often quote the input they
 * choked on (`JSON.parse` does: `Unexpected token 'h', "hello" is not valid JSON`), and
 * payloads must not reach the logs unless asked for.
 */
export function redactQuoted(text: string): string {
  // Greedy, from the first quote character of any kind to the last: a payload may itself
  // hold quotes, so pairing them one by one would let part of it through.
  return text.replace(/["'`][\s\S]*["'`]/, (quoted) => `${quoted[0]}…${quoted.at(-1)}`);
}

/** Counts per failure code. */
export function countByCode(failures: readonly { readonly code: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { code } of failures) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** What one invocation did, as the summary needs it. */
export interface InvocationFacts {
  readonly source: SourceKind | undefined;
  readonly fifo: boolean;
  readonly destination: string;
  readonly ordered: boolean;
  readonly records: readonly SourceRecordInfo[];
  /** The final outcome of each record, in record order. */
  readonly outcomes: readonly RecordOutcome[];
  readonly filtered: number;
  readonly policy: PoisonPolicy;
  readonly poison: PoisonSettlement;
  readonly stats: SinkStats;
  readonly logPayloads: boolean;
  readonly startedAt: number;
}

/** The summary line of one invocation. */
export function summarize(facts: InvocationFacts): InvocationSummary {
  const { records, outcomes, poison, stats, logPayloads } = facts;
  const failures = outcomes.filter((outcome) => outcome.status === 'failed');
  const lines = failureLines(facts);
  const handled = (kind: string) => [...poison.handling.values()].filter((value) => value === kind).length;
  return {
    source: facts.source,
    fifo: facts.fifo,
    destination: facts.destination,
    ordered: facts.ordered,
    records: records.length,
    done: records.length - failures.length,
    filtered: facts.filtered,
    failed: failures.length,
    failedByReason: countByCode(failures),
    poison: {
      policy: facts.policy,
      found: poison.found,
      deadLettered: handled('dead-lettered'),
      dropped: handled('dropped'),
    },
    entries: stats.entries,
    entriesSent: stats.entriesSent,
    entriesAccepted: stats.entriesAccepted,
    requests: stats.requests,
    requestsFailed: stats.requestsFailed,
    retries: stats.entriesRetried,
    throttles: stats.throttles,
    batchFillPercent: stats.requests > 0 ? Math.round((stats.batchFill / stats.requests) * 1000) / 10 : 0,
    deadlineReached: stats.deadlineReached,
    ...(stats.fatalError === undefined
      ? {}
      : { fatalError: logPayloads ? stats.fatalError : redactQuoted(stats.fatalError) }),
    sinkMs: stats.elapsedMs,
    elapsedMs: Date.now() - facts.startedAt,
    failures: lines,
    failuresNotListed: failures.length + poison.handling.size - lines.length,
  };
}

/** The failed and the handled poison records, the first {@link MAX_LISTED_FAILURES} of them. */
function failureLines({ records, outcomes, poison, logPayloads }: InvocationFacts): FailureLine[] {
  const lines: FailureLine[] = [];
  for (let index = 0; index < outcomes.length && lines.length < MAX_LISTED_FAILURES; index++) {
    const outcome = outcomes[index];
    const handled = poison.handling.get(index);
    if (outcome.status === 'done' && handled === undefined) continue;
    const failure: RecordFailure = outcome.status === 'failed' ? outcome : poison.failures.get(index)!;
    lines.push({
      id: outcome.id,
      code: failure.code,
      reason: logPayloads ? failure.reason : redactQuoted(failure.reason),
      ...(handled === undefined ? {} : { handled }),
      ...(logPayloads ? { payload: payloadOf(records[index]) } : {}),
    });
  }
  return lines;
}

function payloadOf(info: SourceRecordInfo): string {
  const record = info.record as { body?: string; kinesis?: { data?: string }; dynamodb?: unknown };
  // A DynamoDB stream record's payload is its change (keys and images) as the stream gave it.
  return record.body ?? record.kinesis?.data ?? JSON.stringify(record.dynamodb);
}

/** Logs the summary line and publishes the invocation's metrics in Embedded Metric Format. */
export function publishSummary(summary: InvocationSummary, logger: Logger, metrics: Metrics): void {
  if (summary.failed > 0 || summary.poison.found > 0) logger.warn('sink invocation summary', { summary });
  else logger.info('sink invocation summary', { summary });

  metrics.addDimension('destination', summary.destination);
  metrics.addMetric('RecordsIn', MetricUnit.Count, summary.records);
  metrics.addMetric('RecordsDone', MetricUnit.Count, summary.done);
  metrics.addMetric('RecordsFailed', MetricUnit.Count, summary.failed);
  metrics.addMetric('RecordsFiltered', MetricUnit.Count, summary.filtered);
  metrics.addMetric('PoisonRecords', MetricUnit.Count, summary.poison.found);
  metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, summary.poison.deadLettered);
  metrics.addMetric('RecordsDropped', MetricUnit.Count, summary.poison.dropped);
  metrics.addMetric('EntriesSent', MetricUnit.Count, summary.entriesSent);
  metrics.addMetric('EntriesRetried', MetricUnit.Count, summary.retries);
  metrics.addMetric('Requests', MetricUnit.Count, summary.requests);
  metrics.addMetric('Throttles', MetricUnit.Count, summary.throttles);
  if (summary.requests > 0) metrics.addMetric('BatchFill', MetricUnit.Percent, summary.batchFillPercent);
  metrics.addMetric('DeadlineReached', MetricUnit.Count, summary.deadlineReached ? 1 : 0);
  metrics.addMetric('SinkTime', MetricUnit.Milliseconds, summary.sinkMs);
  metrics.publishStoredMetrics();
}
