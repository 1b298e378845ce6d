/**
 * Item 2: requests made for 10,000 records of mixed sizes (some near the 1 MiB entry
 * limit) against the fewest possible. The sink sends through the real Kinesis
 * destination and SDK client; only the network is replaced by an in-memory handler,
 * which also checks every request against the PutRecords limits.
 */
import { AsyncSink } from '../lib/core/sink.js';
import type { SinkRecord } from '../lib/core/types.js';
import { KINESIS_LIMITS, type KinesisEntry, kinesisDestination } from '../lib/destinations/kinesis.js';
import { seededRandom } from '../local/services/seeded-random.js';
import { inMemoryKinesisClient } from './in-memory-kinesis.js';
import { LOCAL, REQUEST_COUNT, SMALL_RECORDS } from './parameters.js';
import { uniformInt } from './records.js';
import { round } from './statistics.js';

/** The figures of item 2. */
export interface RequestCountResult {
  readonly parameters: {
    readonly records: number;
    readonly mix: string;
    readonly totalBytes: number;
    readonly nearLimitEntries: number;
    readonly limits: string;
    readonly seed: number;
  };
  readonly requests: number;
  /** The fewest requests for packing in order: one greedy pass that fills each request (optimal in order). */
  readonly inOrderMinimum: number;
  /** A bound no packing, in any order, can beat: max(⌈entries / 500⌉, ⌈bytes / 10 MiB⌉). */
  readonly lowerBound: number;
  readonly requestsOverInOrderMinimum: number;
  /** Largest request seen, in entries and in bytes as Kinesis counts them; both must be within the limits. */
  readonly largestRequestEntries: number;
  readonly largestRequestBytes: number;
  readonly recordsDone: number;
  readonly elapsedMs: number;
  readonly goal: string;
  readonly met: boolean;
}

const MiB = 1024 * 1024;

function mixedEntries(): KinesisEntry[] {
  const random = seededRandom(REQUEST_COUNT.seed);
  // Views into one random buffer: 10,000 entries of up to 1 MiB without allocating 300 MB.
  const pool = Buffer.alloc(KINESIS_LIMITS.defaultMaxRecordBytes);
  for (let i = 0; i < pool.length; i++) pool[i] = 32 + Math.floor(random() * 95);
  const entries: KinesisEntry[] = [];
  for (let i = 0; i < REQUEST_COUNT.records; i++) {
    const partitionKey = `record-${String(i).padStart(6, '0')}`;
    const draw = random();
    let bytes: number;
    if (draw < REQUEST_COUNT.nearLimitShare) {
      const room = KINESIS_LIMITS.defaultMaxRecordBytes - Buffer.byteLength(partitionKey);
      bytes = room - uniformInt(random, 0, REQUEST_COUNT.nearLimitSlackBytes);
    } else if (draw < REQUEST_COUNT.nearLimitShare + REQUEST_COUNT.mediumShare) {
      bytes = uniformInt(random, REQUEST_COUNT.mediumBytes.min, REQUEST_COUNT.mediumBytes.max);
    } else {
      bytes = uniformInt(random, SMALL_RECORDS.minBytes, SMALL_RECORDS.maxBytes);
    }
    entries.push({ data: pool.subarray(0, bytes), partitionKey });
  }
  return entries;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

function sizeOf(entry: KinesisEntry): number {
  return entry.data.byteLength + Buffer.byteLength(entry.partitionKey);
}

/** The fewest requests when entries keep their order: greedy filling is optimal for contiguous packing. */
export function inOrderMinimum(sizes: readonly number[], maxEntries: number, maxBytes: number): number {
  let requests = 0;
  let entries = maxEntries;
  let bytes = 0;
  for (const size of sizes) {
    if (entries + 1 > maxEntries || bytes + size > maxBytes) {
      requests++;
      entries = 0;
      bytes = 0;
    }
    entries++;
    bytes += size;
  }
  return requests;
}

/** Runs item 2. */
export async function measureRequestCount(progress: (line: string) => void): Promise<RequestCountResult> {
  const entries = mixedEntries();
  const sizes = entries.map(sizeOf);
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  const { maxEntriesPerRequest, maxBytesPerRequest } = KINESIS_LIMITS;
  let largestRequestEntries = 0;
  let largestRequestBytes = 0;
  const { client, traffic } = inMemoryKinesisClient({
    onRequest(body) {
      const request = JSON.parse(body.toString('utf8')) as {
        Records: { Data: string; PartitionKey: string }[];
      };
      let bytes = 0;
      for (const record of request.Records) {
        bytes += Buffer.byteLength(record.Data, 'base64') + Buffer.byteLength(record.PartitionKey);
      }
      largestRequestEntries = Math.max(largestRequestEntries, request.Records.length);
      largestRequestBytes = Math.max(largestRequestBytes, bytes);
    },
  });
  const destination = kinesisDestination({ streamName: LOCAL.streamName, client });
  const sink = new AsyncSink(destination);
  const records: SinkRecord<KinesisEntry>[] = entries.map((entry, i) => ({
    id: String(i),
    entries: [entry],
  }));
  const started = performance.now();
  const result = await sink.run(records);
  const elapsedMs = performance.now() - started;
  client.destroy();
  const requests = traffic.requests;
  const inOrder = inOrderMinimum(sizes, maxEntriesPerRequest, maxBytesPerRequest);
  const lowerBound = Math.max(
    Math.ceil(entries.length / maxEntriesPerRequest),
    Math.ceil(totalBytes / maxBytesPerRequest),
  );
  const withinLimits =
    largestRequestEntries <= maxEntriesPerRequest && largestRequestBytes <= maxBytesPerRequest;
  progress(
    `requests: ${requests} made, in-order minimum ${inOrder}, lower bound ${lowerBound}, ${result.stats.recordsDone} done`,
  );
  return {
    parameters: {
      records: entries.length,
      mix: `${percent(REQUEST_COUNT.nearLimitShare)} near 1 MiB (1 MiB minus key minus 0–${REQUEST_COUNT.nearLimitSlackBytes} B), ${percent(REQUEST_COUNT.mediumShare)} ${REQUEST_COUNT.mediumBytes.min / 1024}–${REQUEST_COUNT.mediumBytes.max / 1024} KiB, the rest ${SMALL_RECORDS.minBytes}–${SMALL_RECORDS.maxBytes} B, in random order`,
      totalBytes,
      nearLimitEntries: sizes.filter((size) => size > KINESIS_LIMITS.defaultMaxRecordBytes - 4096).length,
      limits: `PutRecords: ${maxEntriesPerRequest} entries, ${maxBytesPerRequest / MiB} MiB per request; 1 MiB per entry`,
      seed: REQUEST_COUNT.seed,
    },
    requests,
    inOrderMinimum: inOrder,
    lowerBound,
    requestsOverInOrderMinimum: requests - inOrder,
    largestRequestEntries,
    largestRequestBytes,
    recordsDone: result.stats.recordsDone,
    elapsedMs: round(elapsedMs),
    goal: `≤ in-order minimum + ${REQUEST_COUNT.goalExtraRequests}, every request within the limits, every record done`,
    met:
      requests <= inOrder + REQUEST_COUNT.goalExtraRequests &&
      withinLimits &&
      result.stats.recordsDone === entries.length,
  };
}
