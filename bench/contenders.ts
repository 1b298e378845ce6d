/**
 * The ways of forwarding an SQS batch to Kinesis that the benchmarks set side by side.
 * Each takes the same SQS event, applies the same conversion (body bytes, keyed by the
 * message id) inside the timed region, and says which records it reports done.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import {
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { RecordReader } from '../lib/core/record-input.js';
import { AsyncSink } from '../lib/core/sink.js';
import type { SinkRecord, SinkStats } from '../lib/core/types.js';
import { defaultClientConfig } from '../lib/destinations/default-client.js';
import {
  type KinesisDestination,
  type KinesisEntry,
  kinesisDestination,
} from '../lib/destinations/kinesis.js';
import { createKinesisClient } from '../local/services/clients.js';
import { LOCAL } from './parameters.js';
import type { PreviousCode } from './previous-code.js';
import { kinesisEntryOf } from './records.js';
import { chunk, sleep } from './statistics.js';

/** What one contender did with one event. */
export interface ContenderRun {
  readonly elapsedMs: number;
  /** CPU time of the benchmark process while the contender ran (the destination runs in another process). */
  readonly cpuMs: number;
  /** Ids of the records the contender reports done (not in its batchItemFailures). */
  readonly done: readonly string[];
  /** Records it reports failed. */
  readonly failed: number;
  /** The sink's own counters, for the sink. */
  readonly sinkStats?: SinkStats;
}

/** A way of forwarding records. Clients live as long as the contender, as in a warm Lambda. */
export interface Contender {
  readonly name: string;
  /** One line naming its parameters. */
  readonly parameters: string;
  run(event: SQSEvent): Promise<ContenderRun>;
  close(): void;
}

async function timed(work: () => Promise<Omit<ContenderRun, 'elapsedMs' | 'cpuMs'>>): Promise<ContenderRun> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ...result, elapsedMs, cpuMs: (used.user + used.system) / 1_000 };
}

/** Which sink a {@link sinkContender} runs. */
export interface SinkVariant {
  /** The library at an earlier commit instead of this checkout's: the event is converted whole, then sent. */
  readonly previous?: PreviousCode;
  /** A name for it, when it is not the default. */
  readonly name?: string;
}

/**
 * The project's sink: the Kinesis destination with its default client, and AsyncSink. The
 * records are converted as the sink reads them, as the handler does (its `BatchConversion`).
 * `beforeIssue13` gives the destination a client of the same configuration instead, which
 * keeps the SDK's logger middleware and serializer, as the destination's own client had them
 * before issue 13. `variant.previous` runs an earlier commit's library, which took the
 * records as an array: converted whole first, as its handler did.
 */
export function sinkContender(
  endpoint: string,
  maxInFlightRequests = 10,
  beforeIssue13 = false,
  variant: SinkVariant = {},
): Contender {
  const options = { streamName: LOCAL.streamName, endpoint, region: LOCAL.region, maxInFlightRequests };
  const { previous } = variant;
  const makeDestination = previous?.kinesisDestination ?? kinesisDestination;
  const destination: KinesisDestination = makeDestination(
    beforeIssue13
      ? { ...options, client: new KinesisClient(defaultClientConfig('KINESIS', options)) }
      : options,
  );
  const sink = previous
    ? new previous.AsyncSink(destination, { maxInFlightRequests })
    : new AsyncSink(destination, { maxInFlightRequests });
  const name =
    variant.name ?? (beforeIssue13 ? 'lambda-async-sink, client as before issue 13' : 'lambda-async-sink');
  return {
    name,
    parameters: `AsyncSink + kinesisDestination${beforeIssue13 ? ' given a client of the default configuration (SDK serializer and logger middleware)' : ''}${previous ? ` at ${previous.commit.slice(0, 7)}, the event converted whole first` : ', records converted as the sink reads them'}, maxInFlightRequests ${maxInFlightRequests}, other options default (maxAttempts 8, backoff 100 ms–5 s full jitter, AIMD)`,
    run: (event) =>
      timed(async () => {
        const result = await sink.run(previous ? event.Records.map(sinkRecordOf) : lazyRecords(event));
        const done: string[] = [];
        for (const outcome of result.outcomes) if (outcome.status === 'done') done.push(outcome.id);
        return { done, failed: result.stats.recordsFailed, sinkStats: result.stats };
      }),
    close: () => destination.client.destroy(),
  };
}

function sinkRecordOf(record: SQSRecord): SinkRecord<KinesisEntry> {
  return { id: record.messageId, entries: [kinesisEntryOf(record)] };
}

/** The event's records, each converted when the sink reads it. */
function lazyRecords(event: SQSEvent): RecordReader<KinesisEntry> {
  const records = event.Records;
  let next = 0;
  return () => (next < records.length ? sinkRecordOf(records[next++]) : undefined);
}

/**
 * Baseline (a): Powertools' BatchProcessor with a record handler that sends one PutRecord
 * per record, the pattern its documentation teaches. The processor runs the handler for
 * every record at once (`processInParallel` defaults to true: Promise.all over the
 * records); `sequential` turns that off. The client is the SDK's default (3 attempts).
 */
export function powertoolsContender(endpoint: string, sequential = false): Contender {
  const client: KinesisClient = createKinesisClient(endpoint);
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const entry = kinesisEntryOf(record);
    await client.send(
      new PutRecordCommand({
        StreamName: LOCAL.streamName,
        Data: entry.data,
        PartitionKey: entry.partitionKey,
      }),
    );
  };
  return {
    name: sequential ? 'Powertools BatchProcessor, sequential' : 'Powertools BatchProcessor',
    parameters: `processPartialResponse, one PutRecord per record, processInParallel ${!sequential}, SDK default client (maxAttempts 3, 50 sockets)`,
    run: (event) =>
      timed(async () => {
        const response = await processPartialResponse(event, recordHandler, processor, {
          processInParallel: !sequential,
          throwOnFullBatchFailure: false,
        });
        const failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
        const done = event.Records.map((record) => record.messageId).filter((id) => !failedIds.has(id));
        return { done, failed: failedIds.size };
      }),
    close: () => client.destroy(),
  };
}

function putRecordsEntry(record: SQSRecord): PutRecordsRequestEntry {
  const entry = kinesisEntryOf(record);
  return { Data: entry.data, PartitionKey: entry.partitionKey };
}

/** Baseline (b): chunks of 500, all sent at once with Promise.all, no retry of failed entries, every record reported done. */
export function handRolledContender(endpoint: string): Contender {
  const client = createKinesisClient(endpoint);
  return {
    name: 'hand-rolled Promise.all',
    parameters: 'chunks of 500 PutRecords, Promise.all, failed entries ignored, SDK default client',
    run: (event) =>
      timed(async () => {
        await Promise.all(
          chunk(event.Records, 500).map((records) =>
            client.send(
              new PutRecordsCommand({ StreamName: LOCAL.streamName, Records: records.map(putRecordsEntry) }),
            ),
          ),
        );
        return { done: event.Records.map((record) => record.messageId), failed: 0 };
      }),
    close: () => client.destroy(),
  };
}

/**
 * The throttling baseline: chunks of 500 all at once, and each chunk resends its failed
 * entries after a fixed delay, up to `maxAttempts` sends per entry.
 */
export function fixedDelayContender(endpoint: string, delayMs: number, maxAttempts: number): Contender {
  const client = createKinesisClient(endpoint);
  async function sendChunk(records: readonly SQSRecord[]): Promise<{ done: string[]; failed: number }> {
    let pending = [...records];
    const done: string[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failedNow: SQSRecord[];
      try {
        const output = await client.send(
          new PutRecordsCommand({ StreamName: LOCAL.streamName, Records: pending.map(putRecordsEntry) }),
        );
        failedNow = [];
        pending.forEach((record, i) => {
          const result = output.Records?.[i];
          if (result?.SequenceNumber && !result.ErrorCode) done.push(record.messageId);
          else failedNow.push(record);
        });
      } catch {
        failedNow = pending;
      }
      pending = failedNow;
      if (pending.length === 0 || attempt >= maxAttempts) break;
      await sleep(delayMs);
    }
    return { done, failed: pending.length };
  }
  return {
    name: `fixed-delay retry (${delayMs} ms)`,
    parameters: `chunks of 500 PutRecords, Promise.all, failed entries resent after ${delayMs} ms, at most ${maxAttempts} sends per entry`,
    run: (event) =>
      timed(async () => {
        const results = await Promise.all(chunk(event.Records, 500).map(sendChunk));
        return {
          done: results.flatMap((result) => result.done),
          failed: results.reduce((sum, result) => sum + result.failed, 0),
        };
      }),
    close: () => client.destroy(),
  };
}
