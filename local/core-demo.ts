/**
 * A short, honest demonstration of the async-sink core: 10,000 records sent to an
 * in-process destination (no AWS, no emulator) that answers after a few ms and fails
 * 10 % of the entries it is given. It shows the packing, the retries of only the failed
 * entries, and that every record ends up done.
 */
import { AsyncSink, type Destination, type EntryResult } from '../lib/core/index.js';

interface DemoEntry {
  readonly data: Uint8Array;
}

const RECORDS = 10_000;
const FAILURE_RATE = 0.1;
const LATENCY_MS = 5;

const accepted = new Set<Uint8Array>();
const destination: Destination<DemoEntry> = {
  name: 'in-process demo destination',
  limits: { maxEntriesPerRequest: 500, maxBytesPerRequest: 5 * 1024 * 1024, maxBytesPerEntry: 1024 * 1024 },
  sizeOf: (entry) => entry.data.byteLength,
  invalidReason: () => undefined,
  classifyError: (error) => ({ kind: 'retryable', code: 'Error', message: String(error), throttled: false }),
  async send(entries) {
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
    return entries.map((entry): EntryResult => {
      if (Math.random() < FAILURE_RATE) return { status: 'retryable', code: 'InternalFailure' };
      accepted.add(entry.data);
      return { status: 'accepted' };
    });
  },
};

const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: `record-${i}`,
  entries: [{ data: new TextEncoder().encode(`payload ${i} `.padEnd(200 + (i % 800), '.')) }],
}));

console.log('lambda-async-sink: core demonstration against an in-process destination.');
console.log('(Not AWS, not an emulator: a function that answers after 5 ms and fails 10 % of entries.)\n');
const sink = new AsyncSink(destination, { maxInFlightRequests: 10 });
const { outcomes, stats } = await sink.run(records);
const done = outcomes.filter((o) => o.status === 'done').length;
const missing = records.filter((r) => !r.entries.every((e) => accepted.has(e.data))).length;
console.log(`records            ${stats.records}`);
console.log(`requests           ${stats.requests} (fault-free minimum ${Math.ceil(RECORDS / 500)})`);
console.log(`entries sent       ${stats.entriesSent} (${stats.entriesRetried} of them retries)`);
console.log(`records done       ${done}`);
console.log(`records failed     ${stats.recordsFailed}`);
console.log(`done but missing   ${missing}`);
console.log(`elapsed            ${stats.elapsedMs} ms`);
