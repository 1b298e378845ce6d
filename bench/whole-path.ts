/**
 * P6 (issue 13): the whole path's client CPU per record, from an SQS event to the
 * destination over loopback, for each destination: its default client, the same client
 * as it was before issue 13 (`requestBody: 'sdk'` and the SDK's logger middleware), and a
 * minimal client (bench/minimal-client.ts) under the same sink. Runs are interleaved in
 * rounds whose order rotates, and ratios are taken within a round, so the machine's
 * noise hits all three alike; medians and quartiles of the rounds count.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { AsyncSink } from '../lib/core/sink.js';
import type { Destination } from '../lib/core/types.js';
import { defaultClientConfig } from '../lib/destinations/default-client.js';
import { firehoseDestination } from '../lib/destinations/firehose.js';
import { kinesisDestination } from '../lib/destinations/kinesis.js';
import { sqsDestination } from '../lib/destinations/sqs.js';
import { minimalFirehose, minimalKinesis, minimalSqs } from './minimal-client.js';
import { LOCAL, SMALL_RECORDS, WHOLE_PATH } from './parameters.js';
import { kinesisEntryOf, sqsEvent } from './records.js';
import type { ServiceProcess } from './service-process.js';
import { median, round } from './statistics.js';

/** One way of sending, as the sink's destination. */
interface PathContender {
  readonly name: 'default client' | 'before issue 13' | 'minimal client';
  /** Converts an SQS record and runs the sink: what a handler does. */
  run(records: readonly SQSRecord[]): Promise<void>;
  close(): void;
}

/** A quartile summary of a list of numbers. */
export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
  readonly min: number;
  readonly max: number;
}

/** The figures of one destination. */
export interface WholePathFigures {
  readonly destination: string;
  readonly records: number;
  readonly requests: number;
  /** Client CPU per record, µs, over the rounds. */
  readonly microsPerRecord: Readonly<Record<PathContender['name'], Spread>>;
  /** Default client / minimal client, per round. */
  readonly defaultOverMinimal: Spread;
  /** Before issue 13 / minimal client, per round. */
  readonly beforeOverMinimal: Spread;
  readonly met: boolean;
}

/** P6's result. */
export interface WholePathResult {
  readonly parameters: typeof WHOLE_PATH & {
    readonly bodyBytes: typeof SMALL_RECORDS;
    readonly contenders: Readonly<Record<PathContender['name'], string>>;
    readonly destinations: string;
  };
  readonly kinesis: WholePathFigures;
  readonly firehose: WholePathFigures;
  readonly sqs: WholePathFigures;
  readonly goalRatio: number;
  readonly met: boolean;
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
  return {
    median: round(median(sorted)),
    p25: round(at(0.25)),
    p75: round(at(0.75)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
  };
}

function sinkContender<Entry>(
  name: PathContender['name'],
  destination: Destination<Entry>,
  convert: (record: SQSRecord) => Entry,
  close: () => void,
): PathContender {
  const sink = new AsyncSink(destination, { maxInFlightRequests: WHOLE_PATH.maxInFlightRequests });
  return {
    name,
    async run(records) {
      const result = await sink.run(
        records.map((record) => ({ id: record.messageId, entries: [convert(record)] })),
      );
      if (result.stats.recordsDone !== records.length) {
        throw new Error(`${name} to ${destination.name}: ${result.stats.recordsFailed} records failed`);
      }
    },
    close,
  };
}

const CONVERT = {
  kinesis: kinesisEntryOf,
  firehose: (record: SQSRecord) => ({ data: Buffer.from(record.body) }),
  sqs: (record: SQSRecord) => ({ body: record.body }),
} as const;

function contenders(kind: keyof typeof CONVERT, service: ServiceProcess): PathContender[] {
  const options = {
    region: LOCAL.region,
    maxInFlightRequests: WHOLE_PATH.maxInFlightRequests,
  };
  if (kind === 'kinesis') {
    const endpoint = service.stubEndpoint;
    const common = { streamName: LOCAL.streamName, endpoint, ...options };
    const current = kinesisDestination(common);
    // A client of the same configuration passed in keeps the SDK logger and the SDK serializer: the path before issue 13.
    const before = kinesisDestination({
      ...common,
      client: new KinesisClient(defaultClientConfig('KINESIS', common)),
    });
    const minimal = minimalKinesis(endpoint);
    return [
      sinkContender('default client', current, CONVERT.kinesis, () => current.client.destroy()),
      sinkContender('before issue 13', before, CONVERT.kinesis, () => before.client.destroy()),
      sinkContender('minimal client', minimal.destination, CONVERT.kinesis, minimal.close),
    ];
  }
  const endpoint = service.batchStubEndpoint;
  if (kind === 'firehose') {
    const common = { deliveryStreamName: WHOLE_PATH.deliveryStreamName, endpoint, ...options };
    const current = firehoseDestination(common);
    const before = firehoseDestination({
      ...common,
      client: new FirehoseClient(defaultClientConfig('FIREHOSE', common)),
    });
    const minimal = minimalFirehose(endpoint, WHOLE_PATH.deliveryStreamName);
    return [
      sinkContender('default client', current, CONVERT.firehose, () => current.client.destroy()),
      sinkContender('before issue 13', before, CONVERT.firehose, () => before.client.destroy()),
      sinkContender('minimal client', minimal.destination, CONVERT.firehose, minimal.close),
    ];
  }
  const common = { queueUrl: WHOLE_PATH.queueUrl, endpoint, ...options };
  const current = sqsDestination(common);
  const before = sqsDestination({
    ...common,
    client: new SQSClient({ ...defaultClientConfig('SQS', common), useQueueUrlAsEndpoint: false }),
  });
  const minimal = minimalSqs(endpoint, WHOLE_PATH.queueUrl);
  return [
    sinkContender('default client', current, CONVERT.sqs, () => current.client.destroy()),
    sinkContender('before issue 13', before, CONVERT.sqs, () => before.client.destroy()),
    sinkContender('minimal client', minimal.destination, CONVERT.sqs, minimal.close),
  ];
}

/** Client CPU of one run, in µs per record. */
async function cpuMicrosPerRecord(contender: PathContender, event: SQSEvent): Promise<number> {
  const started = process.cpuUsage();
  await contender.run(event.Records);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / event.Records.length;
}

const MAX_ENTRIES = { kinesis: 500, firehose: 500, sqs: 10 } as const;

async function measureDestination(
  kind: keyof typeof CONVERT,
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<WholePathFigures> {
  const records = WHOLE_PATH.records[kind];
  const event = sqsEvent(records, SMALL_RECORDS, WHOLE_PATH.seed);
  const all = contenders(kind, service);
  try {
    for (let round = 0; round < WHOLE_PATH.warmupRounds; round++) {
      for (const contender of all) await cpuMicrosPerRecord(contender, event);
    }
    const samples = new Map<PathContender['name'], number[]>(all.map((c) => [c.name, []]));
    const defaultRatios: number[] = [];
    const beforeRatios: number[] = [];
    for (let round = 0; round < WHOLE_PATH.rounds; round++) {
      const thisRound = new Map<PathContender['name'], number>();
      // The order rotates, so that no contender always runs right after the same one (GC debt, caches).
      for (let i = 0; i < all.length; i++) {
        const contender = all[(round + i) % all.length];
        const micros = await cpuMicrosPerRecord(contender, event);
        thisRound.set(contender.name, micros);
        samples.get(contender.name)?.push(micros);
      }
      const minimal = thisRound.get('minimal client') ?? Number.NaN;
      defaultRatios.push((thisRound.get('default client') ?? Number.NaN) / minimal);
      beforeRatios.push((thisRound.get('before issue 13') ?? Number.NaN) / minimal);
    }
    const microsPerRecord = Object.fromEntries(
      [...samples].map(([name, values]) => [name, spread(values)]),
    ) as Record<PathContender['name'], Spread>;
    const defaultOverMinimal = spread(defaultRatios);
    const beforeOverMinimal = spread(beforeRatios);
    progress(
      `P6 ${kind}: default ${microsPerRecord['default client'].median} µs/record, before ${microsPerRecord['before issue 13'].median}, minimal ${microsPerRecord['minimal client'].median}; default/minimal ${defaultOverMinimal.median} (${defaultOverMinimal.p25}–${defaultOverMinimal.p75}), before/minimal ${beforeOverMinimal.median}`,
    );
    return {
      destination: kind,
      records,
      requests: Math.ceil(records / MAX_ENTRIES[kind]),
      microsPerRecord,
      defaultOverMinimal,
      beforeOverMinimal,
      met: defaultOverMinimal.median <= WHOLE_PATH.goalRatio,
    };
  } finally {
    for (const contender of all) contender.close();
  }
}

/** Runs P6 for one destination alone (`npm run bench -- p6 sqs`), for profiling a change. */
export async function measureWholePathOf(
  kind: keyof typeof CONVERT,
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<WholePathFigures> {
  await service.configure({}, {});
  return measureDestination(kind, service, progress);
}

/** Runs P6 for the three destinations. */
export async function measureWholePath(
  service: ServiceProcess,
  progress: (line: string) => void,
): Promise<WholePathResult> {
  // Item 4 leaves a token bucket in the Kinesis stub: without this, P6 measured throttled retries.
  await service.configure({}, {});
  const kinesis = await measureDestination('kinesis', service, progress);
  const firehose = await measureDestination('firehose', service, progress);
  const sqs = await measureDestination('sqs', service, progress);
  return {
    parameters: {
      ...WHOLE_PATH,
      bodyBytes: SMALL_RECORDS,
      contenders: {
        'default client':
          'the destination with the client it creates (requestBody built, no SDK logger middleware)',
        'before issue 13':
          'the destination given a client of the same configuration, so with the SDK logger middleware and the SDK serializer, as before issue 13',
        'minimal client':
          'JSON.stringify body with Buffer#toString(base64), @smithy/signature-v4, keep-alive node:http agent, JSON.parse; the same sink, limits and response mapping (SQS: checks the MD5 of each body, as the SDK does)',
      },
      destinations:
        'Kinesis: bench/kinesis-stub.ts; Firehose and SQS: bench/batch-stub.ts; both answer at once, in the destination process; client CPU only (process.cpuUsage of the benchmark process)',
    },
    kinesis,
    firehose,
    sqs,
    goalRatio: WHOLE_PATH.goalRatio,
    met: kinesis.met && firehose.met && sqs.met,
  };
}
