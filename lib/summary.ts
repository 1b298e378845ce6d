import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PoisonPolicy } from './poison.js';
import type { SourceKind } from './sources/source-event.js';

/** Most failed records listed by name in one summary line; the rest are only counted. */
export const MAX_LISTED_FAILURES = 25;

/** One failed record as the summary lists it. */
export interface FailureLine {
  readonly id: string;
  readonly code: string;
  readonly reason: string;
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
