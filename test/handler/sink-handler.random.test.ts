/**
 * The whole handler, over thousands of seeded random cases (issue 12): the public
 * createSinkHandler with SQS standard, fair and FIFO and Kinesis events, the three poison
 * policies, ordered and unordered, a fan-out of 0–3, a convert that throws, rejects,
 * filters or makes invalid entries, and a destination that accepts, fails per entry,
 * throws, hangs or answers late having stored. Every case checks the invariants the
 * event source relies on. Cases come from fast-check with a fixed seed and run a few at a
 * time, so that the ones waiting on timers overlap; a failure names its seed and case.
 * SINK_RANDOM_CASES and SINK_RANDOM_SEED change the count and the seed.
 */
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntryResult } from '../../lib/core/types.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { PoisonPolicy } from '../../lib/handler/poison.js';
import { WholeBatchFailedError } from '../../lib/handler/whole-batch-failed-error.js';
import type { BatchResponse } from '../../lib/sources/batch-response.js';
import { kinesisText } from '../../lib/sources/kinesis.js';
import type { SourceRecord } from '../../lib/sources/source-event.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import {
  type FakeBehaviour,
  FakeDeadLetterQueue,
  FakeDestination,
  type FakeEntry,
} from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

const CASES = Number(process.env.SINK_RANDOM_CASES ?? 2_000);
const SEED = Number(process.env.SINK_RANDOM_SEED ?? 20_261_126);
/** Cases run at once: most of a case's time is spent waiting on timers. */
const CONCURRENCY = Number(process.env.SINK_RANDOM_CONCURRENCY ?? 16);
/** Runs only this case (its index in the seed's sequence), to reproduce a failure. */
const ONLY = process.env.SINK_RANDOM_ONLY === undefined ? undefined : Number(process.env.SINK_RANDOM_ONLY);

const SOURCES = ['sqs-standard', 'sqs-fair', 'sqs-fifo', 'kinesis'] as const;
type Source = (typeof SOURCES)[number];
const CONVERTS = [
  'ok',
  'ok',
  'ok',
  'ok',
  'async',
  'throw',
  'reject',
  'null',
  'empty',
  'invalid',
  'oversize',
] as const;
type ConvertKind = (typeof CONVERTS)[number];
/** What the destination answers for an entry on one attempt, weighted toward acceptance. */
const OUTCOMES = [
  ...Array<'accept'>(14).fill('accept'),
  'retry',
  'throttle',
  'content',
  'denied',
  'throw',
  'hang',
  'late',
] as const;
type Outcome = (typeof OUTCOMES)[number] | 'throw-fatal';

interface RecordPlan {
  readonly group: number;
  readonly hasGroup: boolean;
  readonly convert: ConvertKind;
  readonly fanOut: number;
  readonly size: number;
  /** Per entry, the destination's answer on attempts 1, 2, 3, … (the last repeats). */
  readonly outcomes: readonly (readonly Outcome[])[];
}

interface Case {
  readonly source: Source;
  readonly policy: PoisonPolicy;
  readonly ordered: boolean | undefined;
  readonly throwOnFullBatchFailure: boolean;
  readonly deadLetterRefuses: boolean;
  readonly maxAttempts: number;
  readonly maxInFlightRequests: number;
  readonly maxEntriesPerRequest: number;
  readonly maxBytesPerRequest: number;
  /** A tight Lambda timeout with a destination that mostly hangs: the deadline decides. */
  readonly deadlineBound: boolean;
  readonly remainingMs: number;
  readonly records: readonly RecordPlan[];
}

const MAX_BYTES_PER_ENTRY = 24;

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 99, arbitrary: fc.constantFrom(...OUTCOMES) },
  { weight: 1, arbitrary: fc.constant('throw-fatal' as const) },
);

const recordArb = (hangs: boolean): fc.Arbitrary<RecordPlan> =>
  fc.record({
    group: fc.integer({ min: 0, max: 3 }),
    hasGroup: fc.boolean(),
    convert: fc.constantFrom(...CONVERTS),
    fanOut: fc.integer({ min: 0, max: 3 }),
    size: fc.integer({ min: 6, max: MAX_BYTES_PER_ENTRY }),
    outcomes: fc.array(
      fc.array(hangs ? fc.constantFrom<Outcome>('hang', 'hang', 'accept', 'retry') : outcomeArb, {
        minLength: 1,
        maxLength: 3,
      }),
      { minLength: 3, maxLength: 3 },
    ),
  });

// About one case in sixteen is deadline-bound; its timeout leaves a margin (a quarter of
// it) wide enough for the event loop of a busy machine running sixteen cases at once.
const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 0, max: 15 }).chain((draw) => {
  const hangs = draw === 0;
  return fc.record({
    source: fc.constantFrom(...SOURCES),
    policy: fc.constantFrom<PoisonPolicy>('retry', 'drop', 'dead-letter'),
    ordered: fc.constantFrom(undefined, true, false),
    throwOnFullBatchFailure: fc.boolean(),
    deadLetterRefuses: fc.boolean(),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    maxInFlightRequests: fc.integer({ min: 1, max: 4 }),
    maxEntriesPerRequest: fc.integer({ min: 1, max: 10 }),
    maxBytesPerRequest: fc.integer({ min: MAX_BYTES_PER_ENTRY, max: 120 }),
    deadlineBound: fc.constant(hangs),
    remainingMs: hangs ? fc.integer({ min: 400, max: 600 }) : fc.constant(30_000),
    records: fc.array(recordArb(hangs), { minLength: 0, maxLength: 12 }),
  });
});

/** A case's event, entries and destination, and what happened when it ran. */
class CaseRun {
  readonly destination: FakeDestination;
  readonly deadLetters: FakeDeadLetterQueue;
  readonly records: SourceRecord[];
  readonly ids: string[];
  /** Per record: the entries convert gave in this invocation (none when it threw or filtered). */
  readonly entries: FakeEntry[][];
  /** Per entry: its place in the batch, for order checks. */
  readonly positions = new Map<FakeEntry, number>();
  /** Entries the destination refused for their content: their records may be poison. */
  readonly refusedForContent = new Set<FakeEntry>();

  constructor(readonly c: Case) {
    const behaviour: FakeBehaviour = (entry, attempt) => this.answer(entry, attempt);
    this.destination = new FakeDestination(behaviour, {
      maxEntriesPerRequest: c.maxEntriesPerRequest,
      maxBytesPerRequest: c.maxBytesPerRequest,
      maxBytesPerEntry: MAX_BYTES_PER_ENTRY,
    });
    this.deadLetters = new FakeDeadLetterQueue(false, c.deadLetterRefuses);
    this.records = c.records.map((plan, index) => this.sourceRecord(plan, index));
    this.ids = this.records.map(idOf);
    this.entries = c.records.map(() => []);
  }

  private sourceRecord(plan: RecordPlan, index: number): SourceRecord {
    const body = String(index);
    switch (this.c.source) {
      case 'sqs-standard':
        return sqsRecord({ body });
      case 'sqs-fair':
        return sqsRecord({
          body,
          queueName: 'fair-queue',
          groupId: plan.hasGroup ? `g${plan.group}` : undefined,
        });
      case 'sqs-fifo':
        return sqsRecord({ body, groupId: `g${plan.group}` });
      case 'kinesis':
        return kinesisRecord({ data: body, partitionKey: `p${plan.group}` });
    }
  }

  /** The entries of record `index`, as convert builds them: keyed by the record's group. */
  private build(index: number): FakeEntry[] {
    const plan = this.c.records[index];
    const entries = Array.from({ length: plan.fanOut }, (_, position) => {
      const label = `r${index}e${position}:`;
      let value = label.padEnd(plan.size, '.');
      if (position === plan.fanOut - 1 && plan.convert === 'invalid') value = '';
      if (position === plan.fanOut - 1 && plan.convert === 'oversize')
        value = 'x'.repeat(MAX_BYTES_PER_ENTRY + 1);
      const entry: FakeEntry = { key: `k${plan.group}`, value };
      this.positions.set(entry, index * 10 + position);
      return entry;
    });
    this.entries[index] = entries;
    return entries;
  }

  convert = (record: SourceRecord): FakeEntry | FakeEntry[] | null | Promise<FakeEntry[]> => {
    const index = Number('body' in record ? record.body : kinesisText(record as KinesisStreamRecord));
    switch (this.c.records[index].convert) {
      case 'throw':
        throw new Error(`cannot convert record ${index}`);
      case 'reject':
        return Promise.reject(new Error(`cannot convert record ${index}`));
      case 'null':
        return null;
      case 'empty':
        return [];
      case 'async':
        return Promise.resolve(this.build(index));
      default: {
        const entries = this.build(index);
        return entries.length === 1 ? entries[0] : entries;
      }
    }
  };

  private answer(entry: FakeEntry, attempt: number): ReturnType<FakeBehaviour> {
    const position = this.positions.get(entry) ?? 0;
    const plan = this.c.records[Math.floor(position / 10)].outcomes[position % 10];
    const outcome = plan[Math.min(attempt, plan.length) - 1];
    switch (outcome) {
      case 'accept':
        return { status: 'accepted' };
      case 'retry':
        return { status: 'retryable', code: 'InternalFailure' };
      case 'throttle':
        return { status: 'retryable', code: 'ProvisionedThroughputExceededException', throttled: true };
      case 'content':
        this.refusedForContent.add(entry);
        return { status: 'fatal', code: 'InvalidMessageContents', message: 'refused' } satisfies EntryResult;
      case 'denied':
        return { status: 'fatal', code: 'KMS.AccessDeniedException', message: 'no key' };
      default:
        return outcome;
    }
  }
}

function idOf(record: SourceRecord): string {
  return 'messageId' in record
    ? (record as SQSRecord).messageId
    : (record as KinesisStreamRecord).kinesis.sequenceNumber;
}

/** Runs one case through a fresh handler; a WholeBatchFailedError counts as its batch response. */
async function runCase(
  c: Case,
): Promise<{ run: CaseRun; response: BatchResponse; answeredInTime: boolean; elapsedMs: number }> {
  const run = new CaseRun(c);
  const handler = createSinkHandler<SourceRecord, FakeEntry>({
    destination: run.destination,
    convert: run.convert,
    poisonPolicy: c.policy,
    ...(c.policy === 'dead-letter' ? { deadLetterDestination: run.deadLetters } : {}),
    ...(c.ordered === undefined ? {} : { ordered: c.ordered }),
    throwOnFullBatchFailure: c.throwOnFullBatchFailure,
    maxAttempts: c.maxAttempts,
    maxInFlightRequests: c.maxInFlightRequests,
    initialBackoffMs: 1,
    maxBackoffMs: 4,
    requestTimeoutMs: 15,
  });
  const event =
    c.source === 'kinesis'
      ? kinesisEvent(run.records as KinesisStreamRecord[])
      : sqsEvent(run.records as SQSRecord[]);
  // Lambda's timeout as a timer on the same event loop: on a busy machine the loop may stall
  // past both it and the handler's own deadlines, and then the order of the two still tells.
  let timedOut = false;
  const lambdaTimeout = setTimeout(() => {
    timedOut = true;
  }, c.remainingMs);
  const startedAt = Date.now();
  const response = await handler(event as never, lambdaContext(c.remainingMs)).catch((error: unknown) => {
    if (error instanceof WholeBatchFailedError) return error.batchResponse;
    throw error;
  });
  const answeredInTime = !timedOut;
  clearTimeout(lambdaTimeout);
  return { run, response, answeredInTime, elapsedMs: Date.now() - startedAt };
}

/** Every invariant of one case; throws with what broke. */
function checkInvariants({
  run,
  response,
  answeredInTime,
  elapsedMs,
}: Awaited<ReturnType<typeof runCase>>): void {
  const { c, ids, destination } = run;
  const reported = response.batchItemFailures.map((failure) => failure.itemIdentifier);
  const failed = new Set(reported);

  // Lambda fails the whole batch on an empty, unknown or repeated itemIdentifier.
  expect(reported.every((id) => id !== '' && ids.includes(id))).toBe(true);
  expect(failed.size).toBe(reported.length);

  // The handler answers before Lambda's timeout.
  expect({ answeredInTime, elapsedMs, remainingMs: c.remainingMs }).toMatchObject({ answeredInTime: true });

  // Request limits, and ordered mode's one entry per key per request and in flight.
  const ordered = c.ordered ?? c.source === 'sqs-fifo';
  for (const request of destination.requests) {
    expect(request.length).toBeLessThanOrEqual(c.maxEntriesPerRequest);
    const sizes = request.map((entry) => Buffer.byteLength(entry.value));
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(c.maxBytesPerRequest);
    expect(sizes.every((size) => size > 0 && size <= MAX_BYTES_PER_ENTRY)).toBe(true);
    if (ordered) expect(new Set(request.map((entry) => entry.key)).size).toBe(request.length);
  }
  if (ordered) expect(destination.maxInFlightPerKey).toBeLessThanOrEqual(1);

  // No record reported done without all its entries stored, unless it was poison and the policy handled it.
  const stored = new Set(destination.acceptedEntries);
  const deadLettered = new Set(
    run.deadLetters.messages.map((m) => (JSON.parse(m.body) as { recordId: string }).recordId),
  );
  const done = (index: number) => !failed.has(ids[index]);
  const arrived = (index: number) => run.entries[index].every((entry) => stored.has(entry));
  const poison = (index: number) => {
    const plan = c.records[index];
    const entries = run.entries[index];
    return (
      ['throw', 'reject'].includes(plan.convert) ||
      (plan.fanOut > 0 && ['invalid', 'oversize'].includes(plan.convert)) ||
      entries.some((entry) => run.refusedForContent.has(entry))
    );
  };
  const handled = (index: number) =>
    poison(index) && (c.policy === 'drop' || (c.policy === 'dead-letter' && deadLettered.has(ids[index])));
  c.records.forEach((_plan, index) => {
    if (done(index))
      expect({ record: index, stored: arrived(index) || handled(index) }).toEqual({
        record: index,
        stored: true,
      });
  });

  // SQS FIFO: once a record of a group failed, every later record of the group is reported failed;
  // under `retry`, a record refused before sending stops its group: nothing after it is sent.
  if (c.source === 'sqs-fifo') {
    const sent = new Set(destination.requests.flat());
    for (let group = 0; group <= 3; group++) {
      const members = c.records
        .map((plan, index) => [plan, index] as const)
        .filter(([plan]) => plan.group === group);
      const firstFailed = members.findIndex(([, index]) => failed.has(ids[index]));
      if (firstFailed >= 0)
        expect(members.slice(firstFailed).every(([, index]) => failed.has(ids[index]))).toBe(true);
      if (c.policy !== 'retry') continue;
      const refused = members.findIndex(
        ([plan]) =>
          ['throw', 'reject'].includes(plan.convert) ||
          (plan.fanOut > 0 && ['invalid', 'oversize'].includes(plan.convert)),
      );
      if (refused < 0) continue;
      for (const [, index] of members.slice(refused + 1)) {
        expect(run.entries[index].some((entry) => sent.has(entry))).toBe(false);
      }
    }
  }

  // Kinesis: Lambda rewinds to the lowest failed sequence number; everything before it must be stored.
  if (c.source === 'kinesis') {
    const lowest = ids.findIndex((id) => failed.has(id));
    const before = lowest < 0 ? ids.length : lowest;
    for (let index = 0; index < before; index++) expect(arrived(index) || handled(index)).toBe(true);
  }

  // Ordered: per key, entries are first stored in batch order.
  if (ordered) {
    const lastByKey = new Map<string, number>();
    const seen = new Set<FakeEntry>();
    for (const entry of destination.acceptedEntries) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      const position = run.positions.get(entry) ?? 0;
      expect(position).toBeGreaterThan(lastByKey.get(entry.key ?? '') ?? -1);
      lastByKey.set(entry.key ?? '', position);
    }
  }
}

let output: OutputCapture;
beforeAll(() => {
  output = new OutputCapture();
});
afterAll(() => {
  output.restore();
});

describe('createSinkHandler over random cases', () => {
  it(`keeps every invariant in ${CASES} seeded cases (seed ${SEED})`, { timeout: 120_000 }, async () => {
    // Arrange
    const sampled = fc.sample(caseArb, { seed: SEED, numRuns: ONLY === undefined ? CASES : ONLY + 1 });
    const cases = ONLY === undefined ? sampled : sampled.slice(ONLY);
    const failures: string[] = [];
    let deadlineBound = 0;

    // Act
    for (let start = 0; start < cases.length && failures.length === 0; start += CONCURRENCY) {
      await Promise.all(
        cases.slice(start, start + CONCURRENCY).map(async (c, offset) => {
          if (c.deadlineBound) deadlineBound++;
          const result = await runCase(c);
          try {
            checkInvariants(result);
          } catch (error) {
            failures.push(
              `case ${start + offset} of seed ${SEED}: ${(error as Error).message}\n${JSON.stringify(c)}`,
            );
          }
        }),
      );
      output.clear();
    }

    // Assert
    expect(failures.slice(0, 5)).toEqual([]);
    if (ONLY === undefined) expect(deadlineBound).toBeGreaterThan(0);
  });
});
