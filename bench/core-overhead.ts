/**
 * Item 1: the sink's own cost per entry, against the SDK's cost to serialize the same
 * PutRecords requests. Both are CPU only: the sink runs against an in-process
 * destination that answers at once, the SDK against a request handler that answers in
 * memory. Repetitions alternate between the two, and medians count.
 */
import { PutRecordsCommand, type PutRecordsOutput } from '@aws-sdk/client-kinesis';
import { AsyncSink } from '../lib/core/sink.js';
import type { Destination, EntryResult, SinkRecord } from '../lib/core/types.js';
import {
  KINESIS_LIMITS,
  type KinesisEntry,
  kinesisEntrySize,
  kinesisInvalidReason,
  putRecordsInput,
  putRecordsResults,
} from '../lib/destinations/kinesis.js';
import { inMemoryKinesisClient } from './in-memory-kinesis.js';
import { CORE_OVERHEAD, LOCAL, SMALL_RECORDS } from './parameters.js';
import { kinesisEntries } from './records.js';
import { chunk, median, round } from './statistics.js';

/** The figures of item 1, in µs per entry. */
export interface CoreOverheadResult {
  readonly parameters: {
    readonly records: number;
    readonly entryBytes: typeof SMALL_RECORDS;
    readonly requests: number;
    readonly warmupRepetitions: number;
    readonly repetitions: number;
    readonly sinkOptions: string;
  };
  /**
   * The core alone (AsyncSink): a destination with Kinesis' limits and size function, no entry
   * checks, whose send() resolves at once with every entry accepted.
   */
  readonly sinkCoreMicrosPerEntry: number;
  /** The core plus the Kinesis shim's entry checks, request building and response mapping (still no SDK). */
  readonly sinkWithShimMicrosPerEntry: number;
  /** The SDK's serialize step (endpoint resolution and request serialization) for the same requests. */
  readonly sdkSerializeMicrosPerEntry: number;
  /** A whole client.send() against the in-memory handler: serialize, sign, deserialize. */
  readonly sdkSendMicrosPerEntry: number;
  /** sinkCore / sdkSerialize: the goal is under CORE_OVERHEAD.goalShare. */
  readonly coreShareOfSerialize: number;
  readonly withShimShareOfSerialize: number;
  readonly coreShareOfSend: number;
  readonly withShimShareOfSend: number;
  readonly goalShare: number;
  /** The goal, for the core alone. */
  readonly met: boolean;
  /** The goal, for the core with the Kinesis shim. */
  readonly withShimMet: boolean;
}

const ACCEPTED: readonly EntryResult[] = Array.from({ length: KINESIS_LIMITS.maxEntriesPerRequest }, () => ({
  status: 'accepted' as const,
}));

function cannedOutput(count: number): PutRecordsOutput {
  return {
    FailedRecordCount: 0,
    Records: Array.from({ length: count }, (_, i) => ({
      SequenceNumber: String(i + 1),
      ShardId: 'shardId-000000000000',
    })),
  };
}

/**
 * A destination with Kinesis' limits and sizing whose `send` answers at once. Without the
 * shim it checks nothing and builds nothing; with it, it does all the Kinesis destination
 * does except calling the SDK.
 */
function inProcessDestination(withShim: boolean): Destination<KinesisEntry> {
  const outputs = new Map<number, PutRecordsOutput>();
  const stream = { streamName: LOCAL.streamName };
  return {
    name: `in-process:${LOCAL.streamName}`,
    limits: {
      maxEntriesPerRequest: KINESIS_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: KINESIS_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: KINESIS_LIMITS.defaultMaxRecordBytes,
    },
    sizeOf: kinesisEntrySize,
    invalidReason: withShim
      ? (entry) => kinesisInvalidReason(entry, KINESIS_LIMITS.defaultMaxRecordBytes)
      : () => undefined,
    send(entries) {
      if (!withShim) return Promise.resolve(ACCEPTED.slice(0, entries.length));
      putRecordsInput(stream, entries);
      let output = outputs.get(entries.length);
      if (!output) {
        output = cannedOutput(entries.length);
        outputs.set(entries.length, output);
      }
      return Promise.resolve(putRecordsResults(output, entries.length));
    },
    classifyError: (error) => ({ kind: 'fatal', code: 'Unexpected', message: String(error) }),
    orderingKeyOf: (entry) => entry.partitionKey,
  };
}

async function timeSink(sink: AsyncSink<KinesisEntry>, records: readonly SinkRecord<KinesisEntry>[]) {
  const started = performance.now();
  const result = await sink.run(records);
  const elapsed = performance.now() - started;
  if (result.stats.recordsDone !== records.length) throw new Error('the in-process sink lost records');
  return elapsed;
}

/** Runs item 1. */
export async function measureCoreOverhead(progress: (line: string) => void): Promise<CoreOverheadResult> {
  const entries = kinesisEntries(CORE_OVERHEAD.records, SMALL_RECORDS, 1);
  const records: SinkRecord<KinesisEntry>[] = entries.map((entry, i) => ({
    id: String(i),
    entries: [entry],
  }));
  const core = new AsyncSink(inProcessDestination(false));
  const withShim = new AsyncSink(inProcessDestination(true));
  // The same requests the sink makes: these entries are small, so every request is 500 of them, in order.
  const inputs = chunk(entries, KINESIS_LIMITS.maxEntriesPerRequest).map((batch) =>
    putRecordsInput({ streamName: LOCAL.streamName }, batch),
  );
  const { client } = inMemoryKinesisClient();
  let serializeMs = 0;
  let serializeStarted = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      serializeStarted = performance.now();
      return next(args);
    },
    { step: 'initialize', priority: 'low', name: 'benchSerializeStart' },
  );
  client.middlewareStack.add(
    (next) => (args) => {
      serializeMs += performance.now() - serializeStarted;
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'benchSerializeEnd' },
  );
  async function timeSdk(): Promise<{ send: number; serialize: number }> {
    serializeMs = 0;
    const started = performance.now();
    for (const input of inputs) {
      const output = await client.send(new PutRecordsCommand(input));
      if (output.Records?.length !== input.Records?.length)
        throw new Error('the in-memory client lost records');
    }
    return { send: performance.now() - started, serialize: serializeMs };
  }

  for (let i = 0; i < CORE_OVERHEAD.warmupRepetitions; i++) {
    await timeSink(core, records);
    await timeSink(withShim, records);
    await timeSdk();
  }
  const coreMs: number[] = [];
  const shimMs: number[] = [];
  const sendMs: number[] = [];
  const serializeMsList: number[] = [];
  for (let i = 0; i < CORE_OVERHEAD.repetitions; i++) {
    coreMs.push(await timeSink(core, records));
    shimMs.push(await timeSink(withShim, records));
    const sdk = await timeSdk();
    sendMs.push(sdk.send);
    serializeMsList.push(sdk.serialize);
  }
  client.destroy();
  const perEntry = (ms: number[]) => (median(ms) * 1_000) / CORE_OVERHEAD.records;
  const sinkCore = perEntry(coreMs);
  const sinkWithShim = perEntry(shimMs);
  const sdkSend = perEntry(sendMs);
  const sdkSerialize = perEntry(serializeMsList);
  progress(
    `core overhead: sink ${sinkCore.toFixed(2)} µs/entry, with shim ${sinkWithShim.toFixed(2)}, SDK serialize ${sdkSerialize.toFixed(2)}, SDK send ${sdkSend.toFixed(2)}`,
  );
  return {
    parameters: {
      records: CORE_OVERHEAD.records,
      entryBytes: SMALL_RECORDS,
      requests: inputs.length,
      warmupRepetitions: CORE_OVERHEAD.warmupRepetitions,
      repetitions: CORE_OVERHEAD.repetitions,
      sinkOptions: 'defaults (maxInFlightRequests 10, unordered)',
    },
    sinkCoreMicrosPerEntry: round(sinkCore),
    sinkWithShimMicrosPerEntry: round(sinkWithShim),
    sdkSerializeMicrosPerEntry: round(sdkSerialize),
    sdkSendMicrosPerEntry: round(sdkSend),
    coreShareOfSerialize: round(sinkCore / sdkSerialize),
    withShimShareOfSerialize: round(sinkWithShim / sdkSerialize),
    coreShareOfSend: round(sinkCore / sdkSend),
    withShimShareOfSend: round(sinkWithShim / sdkSend),
    goalShare: CORE_OVERHEAD.goalShare,
    met: sinkCore / sdkSerialize < CORE_OVERHEAD.goalShare,
    withShimMet: sinkWithShim / sdkSerialize < CORE_OVERHEAD.goalShare,
  };
}
