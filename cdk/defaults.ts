import { HANDLER_DEFAULTS } from '../lib/handler/handler-options.js';

/**
 * The defaults the constructs set, as data, kept apart from the code that builds
 * resources. User props override these; values the construct must own win last.
 */

/** The Lambda function that forwards the records. */
export const FUNCTION_DEFAULTS = {
  /** Lambda runtime name; the bundle's esbuild target follows it. */
  runtime: 'nodejs24.x',
  architecture: 'arm64',
  timeoutSeconds: 30,
  /** More memory buys more CPU and network for the concurrent batch calls. */
  memorySizeMb: 512,
  logRetentionDays: 30,
  metricsNamespace: HANDLER_DEFAULTS.metricsNamespace,
  /** Stack traces through the bundle's source map; a user's NODE_OPTIONS replaces it. */
  nodeOptions: '--enable-source-maps',
} as const;

/** The Lambda runtimes the bundle is built for (Node.js 22 and 24, as AWS names them). */
export const SUPPORTED_RUNTIMES = {
  'nodejs22.x': { esbuildTarget: 'node22' },
  'nodejs24.x': { esbuildTarget: 'node24' },
} as const;

/** How the local esbuild bundles a function (never Docker). */
export const BUNDLING_DEFAULTS = {
  format: 'esm',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  /** Bundled CommonJS dependencies call `require`, which an ES module lacks. */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  /** Bundle the AWS SDK too, so the function runs the versions it was tested with. */
  bundleAwsSdk: true,
} as const;

/** The event source mapping of an SQS source. */
export const QUEUE_SOURCE_DEFAULTS = {
  batchSize: 10,
  /** AWS: set the source queue's visibility timeout to at least six times the function timeout. */
  visibilityTimeoutFactor: 6,
  /** SQS's own default visibility timeout, when the queue does not set one. */
  sqsDefaultVisibilityTimeoutSeconds: 30,
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceiveCount: 5,
  /** Above this batch size AWS requires a batching window of at least one second. */
  largestBatchWithoutWindow: 10,
} as const;

/** The event source mapping of a Kinesis source. */
export const STREAM_SOURCE_DEFAULTS = {
  batchSize: 100,
  /** Start at the oldest record kept, so nothing already in the stream is skipped. */
  startingPosition: 'TRIM_HORIZON',
  bisectBatchOnError: true,
  retryAttempts: 10,
  maxRecordAgeSeconds: 86_400,
  parallelizationFactor: 1,
} as const;

/** Every queue the constructs create (dead-letter queues, example queues). */
export const QUEUE_DEFAULTS = {
  /** SQS-managed server-side encryption: encrypted at rest with no KMS grants to manage. */
  encryption: 'SQS_MANAGED',
  enforceSsl: true,
  /** The longest SQS allows, to leave time to inspect and redrive failures. */
  retentionPeriodDays: 14,
} as const;

/** The CloudWatch alarms; every alarm treats missing data as not breaching. */
export const ALARM_DEFAULTS = {
  functionErrors: { periodMinutes: 5, evaluationPeriods: 1, threshold: 0 },
  functionThrottles: { periodMinutes: 5, evaluationPeriods: 1, threshold: 0 },
  deadLetterDepth: { periodMinutes: 1, evaluationPeriods: 1, threshold: 0 },
  /** Lambda's IteratorAge of a stream source, in milliseconds, sustained over the periods. */
  iteratorAge: { periodMinutes: 1, evaluationPeriods: 5, thresholdMs: 60_000 },
} as const;
