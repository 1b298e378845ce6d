/** Logging helpers for the intake tests: what the sink read from its input, and when it sent. */
import type { EntryResult, SinkRecord } from '../../lib/core/index.js';
import { FakeDestination, type FakeDestinationOptions, type FakeEntry } from './fake-destination.js';

/** A generator over `records` that logs, in `log`, each record it gives. */
export function* logged(
  records: readonly SinkRecord<FakeEntry>[],
  log: string[],
): Generator<SinkRecord<FakeEntry>> {
  for (const record of records) {
    log.push(`read ${record.id}`);
    yield record;
  }
}

/** A destination that logs each request's first entry in `log` when it is sent, then answers as `options.behaviour` does (all accepted by default). */
export function loggingDestination(
  log: string[],
  options: FakeDestinationOptions = {},
): FakeDestination<FakeEntry> {
  return new FakeDestination<FakeEntry>({
    ...options,
    behaviour: (entries, call) => {
      log.push(`send ${entries[0]?.id}`);
      return options.behaviour?.(entries, call) ?? entries.map((): EntryResult => ({ status: 'accepted' }));
    },
  });
}
