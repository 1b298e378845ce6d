/**
 * Every parameter the benchmarks run with, as data, so that each printed figure can name
 * them and anyone can reproduce it. Runs are kept short: the whole bench must finish in
 * well under ten minutes on two cores.
 */

/** Region, credentials and stream name every local client uses. */
export const LOCAL = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  streamName: 'bench-stream',
} as const;

/** Record bodies of the latency, throttling and overhead runs: uniformly 200 to 1,000 bytes. */
export const SMALL_RECORDS = { minBytes: 200, maxBytes: 1_000 } as const;

/** Item 1: the sink's own cost per entry against the SDK's serialization of the same requests. */
export const CORE_OVERHEAD = {
  records: 10_000,
  warmupRepetitions: 10,
  repetitions: 80,
  /** Goal: the sink's µs per entry under this share of the SDK's serialization µs per entry. */
  goalShare: 0.1,
} as const;

/** Item 2: 10,000 records of mixed sizes, some near Kinesis' 1 MiB per-entry limit. */
export const REQUEST_COUNT = {
  records: 10_000,
  /** Shares of the mix, by size class; the rest are small (SMALL_RECORDS). */
  mediumShare: 0.07,
  mediumBytes: { min: 10 * 1024, max: 100 * 1024 },
  nearLimitShare: 0.03,
  /** Near-limit entries are 1 MiB minus the partition key minus up to this many bytes. */
  nearLimitSlackBytes: 2_048,
  seed: 2,
  /** Goal: requests at most the minimum plus this. */
  goalExtraRequests: 1,
} as const;

/** Item 3: wall time under latency, against the ideal and two baselines. */
export const LATENCY = {
  records: 10_000,
  latencyMs: 20,
  maxInFlightRequests: 10,
  entryFailureRate: 0.1,
  /** Sink runs per point; the median counts. */
  sinkRepetitions: 9,
  /** Records of the warm-up run of each contender (sockets open, code compiled). */
  warmupRecords: 1_000,
  /** Records of the sequential Powertools run, whose time per record is extrapolated to `records`. */
  sequentialSampleRecords: 200,
  seed: 3,
  /** Goal: the sink's wall time at most this multiple of ceil(requests / maxInFlightRequests) × latency. */
  goalRatio: 1.15,
} as const;

/** The chart: throughput against added latency, and against the in-flight limit at LATENCY.latencyMs. */
export const CHART = {
  latenciesMs: [0, 10, 20, 50],
  inFlightLimits: [1, 2, 5, 10, 20],
} as const;

/** Item 4: a destination that accepts at most `entriesPerSecond` (a token bucket). */
export const THROTTLING = {
  entriesPerSecond: 5_000,
  /** Tokens the bucket holds when full: 0.1 s worth. */
  bucketCapacity: 500,
  latencyMs: 20,
  /** Invocations run one after another, each of `recordsPerInvocation` records: about 10 s of load. */
  invocations: 5,
  recordsPerInvocation: 10_000,
  /** The fixed-delay baseline: every chunk of 500 in parallel, failed entries resent after this delay. */
  fixedDelayMs: 100,
  /** Attempts per entry of the fixed-delay baseline, the same as the sink's default maxAttempts. */
  fixedDelayMaxAttempts: 8,
  seed: 4,
  /** Goal: delivered entries per second at least this fraction of `entriesPerSecond`. */
  goalFraction: 0.9,
} as const;

/** Item 5: bundle size and import time of each ready-made function. */
export const COLD_START = {
  /** Fresh processes per bundle, interleaved across bundles; the median counts. */
  imports: 15,
  esbuildTarget: 'node22',
  /** As cdk/defaults.ts bundles them: bundled CommonJS dependencies call `require`. */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

/**
 * P6 (issue 13): the whole path's client CPU per record, SQS event to destination over
 * loopback (stubs that answer at once, in the destination process), for the destination
 * with its default client, the same as it was before issue 13 (SDK serializer, SDK logger
 * middleware), and a minimal client; runs interleaved, the order rotating each round.
 */
export const WHOLE_PATH = {
  records: { kinesis: 10_000, firehose: 10_000, sqs: 2_000 },
  maxInFlightRequests: 10,
  warmupRounds: 3,
  rounds: 21,
  seed: 6,
  deliveryStreamName: 'bench-delivery',
  queueUrl: 'http://sqs.us-east-1.localhost/000000000000/bench-queue',
  /** Goal: the default client's CPU per record at most this multiple of the minimal client's. */
  goalRatio: 1.25,
} as const;

/** P7 (issue 13): wall time at +LATENCY.latencyMs against max(client CPU, ideal); first request on the wire. */
export const WALL_TIME = {
  goalRatio: 1.2,
} as const;

/**
 * P9 (issue 13): Lambda's price model. CPU share in proportion to memory, 1,769 MB = one
 * vCPU (AWS Lambda Developer Guide, "Configure Lambda function memory"); on-demand prices
 * of US East (N. Virginia), first tier (aws.amazon.com/lambda/pricing).
 */
export const LAMBDA_COST = {
  memoryMb: [128, 512, 1_769],
  oneVcpuMb: 1_769,
  pricePerGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  pricePerMillionRequests: 0.2,
} as const;
