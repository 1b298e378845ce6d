/**
 * Amazon CloudWatch metrics as a destination: one `PutMetricData` call per batch. The call
 * answers for the whole request only, so a request refused for one bad datum is bisected by
 * the core until that datum stands alone.
 */
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig } from './default-client.js';
import { stringOption } from './option-checks.js';
import { utf8Length } from './utf8.js';
import { classifyWholeRequestError } from './whole-request-errors.js';

/** One metric datum, in the SDK's own shape (`MetricName`, `Value` or `Values`/`Counts`, `Dimensions`, ...). */
export type CloudWatchEntry = MetricDatum;

/** Options of {@link cloudWatchDestination}. */
export interface CloudWatchDestinationOptions extends DefaultClientOptions {
  /** The metrics' namespace, e.g. `MyApp/Orders`; not starting with `AWS/`. */
  readonly namespace: string;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: CloudWatchClient;
}

/** A CloudWatch destination, with the client it sends through. */
export interface CloudWatchDestination extends Destination<CloudWatchEntry> {
  readonly client: CloudWatchClient;
}

/** `PutMetricData` limits from the CloudWatch API reference (see README.md). */
export const CLOUDWATCH_LIMITS = {
  maxEntriesPerRequest: 1_000,
  /** 1 MB per HTTP POST; the request's JSON around the data (namespace, brackets) is kept out of it. */
  maxBytesPerRequest: 1_000_000 - 1_024,
  maxDimensions: 30,
  maxNameCharacters: 255,
  maxDimensionValueCharacters: 1_024,
  maxValues: 150,
  /** Values must lie within ±2^360. */
  maxMagnitude: 2 ** 360,
} as const;

/** Whole-request errors that mean "a datum in here is invalid": PutMetricData's Errors, HTTP 400. */
const BISECT_CODES: ReadonlySet<string> = new Set([
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'MissingRequiredParameterException',
]);
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['InternalServiceError', 'InternalServiceFault']);
const UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);
const NAMESPACE = /^(?!AWS\/)[^:].{0,254}$/su;

/** The datum's size on the wire: its JSON as the SDK's JSON protocol writes it, in UTF-8, plus a comma. */
export function cloudWatchEntrySize(entry: CloudWatchEntry): number {
  const { Timestamp, ...rest } = entry;
  const wire = Timestamp === undefined ? rest : { ...rest, Timestamp: Timestamp.getTime() / 1000 };
  return utf8Length(JSON.stringify(wire)) + 1;
}

function badValue(value: unknown): boolean {
  return (
    typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > CLOUDWATCH_LIMITS.maxMagnitude
  );
}

function dimensionsReason(entry: CloudWatchEntry): string | undefined {
  const dimensions = entry.Dimensions ?? [];
  if (dimensions.length > CLOUDWATCH_LIMITS.maxDimensions) {
    return `a datum has at most ${CLOUDWATCH_LIMITS.maxDimensions} dimensions; it has ${dimensions.length}`;
  }
  for (const { Name, Value } of dimensions) {
    if (typeof Name !== 'string' || Name.length < 1 || Name.length > CLOUDWATCH_LIMITS.maxNameCharacters) {
      return `dimension names have 1 to ${CLOUDWATCH_LIMITS.maxNameCharacters} characters`;
    }
    if (
      typeof Value !== 'string' ||
      Value.length < 1 ||
      Value.length > CLOUDWATCH_LIMITS.maxDimensionValueCharacters
    ) {
      return `dimension ${Name} must have a value of 1 to ${CLOUDWATCH_LIMITS.maxDimensionValueCharacters} characters`;
    }
  }
  return undefined;
}

function valuesReason(entry: CloudWatchEntry): string | undefined {
  const given = [entry.Value !== undefined, entry.Values !== undefined, entry.StatisticValues !== undefined];
  if (given.filter(Boolean).length !== 1)
    return 'a datum has exactly one of Value, Values or StatisticValues';
  if (entry.Value !== undefined && badValue(entry.Value))
    return 'Value must be a finite number within ±2^360';
  if (entry.Values !== undefined) {
    if (entry.Values.length > CLOUDWATCH_LIMITS.maxValues)
      return `Values holds at most ${CLOUDWATCH_LIMITS.maxValues} numbers`;
    if (entry.Values.some(badValue)) return 'every one of Values must be a finite number within ±2^360';
    if (entry.Counts !== undefined && entry.Counts.length !== entry.Values.length) {
      return 'Counts must have as many numbers as Values';
    }
  }
  const stats = entry.StatisticValues;
  if (stats !== undefined && [stats.SampleCount, stats.Sum, stats.Minimum, stats.Maximum].some(badValue)) {
    return 'StatisticValues needs SampleCount, Sum, Minimum and Maximum, each a finite number within ±2^360';
  }
  return undefined;
}

/** Why CloudWatch would never accept this datum, or `undefined`. */
export function cloudWatchInvalidReason(entry: CloudWatchEntry, measured?: number): string | undefined {
  const name = entry.MetricName;
  if (typeof name !== 'string' || name.length < 1 || name.length > CLOUDWATCH_LIMITS.maxNameCharacters) {
    return `MetricName must have 1 to ${CLOUDWATCH_LIMITS.maxNameCharacters} characters`;
  }
  if (entry.Unit !== undefined && !UNITS.has(entry.Unit))
    return `Unit ${String(entry.Unit)} is not a CloudWatch unit`;
  if (
    entry.StorageResolution !== undefined &&
    entry.StorageResolution !== 1 &&
    entry.StorageResolution !== 60
  ) {
    return 'StorageResolution must be 1 (high resolution) or 60';
  }
  if (
    entry.Timestamp !== undefined &&
    !(entry.Timestamp instanceof Date && Number.isFinite(entry.Timestamp.getTime()))
  ) {
    return 'Timestamp must be a valid Date';
  }
  const size = measured ?? cloudWatchEntrySize(entry);
  if (size > CLOUDWATCH_LIMITS.maxBytesPerRequest) {
    return `datum is ${size} bytes of JSON, over the request limit of ${CLOUDWATCH_LIMITS.maxBytesPerRequest} bytes`;
  }
  return dimensionsReason(entry) ?? valuesReason(entry);
}

const ACCEPTED: EntryResult = { status: 'accepted' };

/** A CloudWatch metrics destination (`PutMetricData`); checks its options at creation. */
export function cloudWatchDestination(options: CloudWatchDestinationOptions): CloudWatchDestination {
  const namespace = stringOption(
    'namespace',
    options.namespace,
    NAMESPACE,
    'a namespace of 1 to 255 characters, not starting with AWS/ or a colon',
  );
  const client = options.client ?? new CloudWatchClient(defaultClientConfig('CLOUDWATCH', options));

  return {
    name: `cloudwatch:${namespace}`,
    client,
    limits: {
      maxEntriesPerRequest: CLOUDWATCH_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: CLOUDWATCH_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: CLOUDWATCH_LIMITS.maxBytesPerRequest,
    },
    sizeOf: cloudWatchEntrySize,
    invalidReason: cloudWatchInvalidReason,
    async send(entries, signal) {
      await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [...entries] }), {
        abortSignal: signal,
      });
      // No per-datum results: a 200 means every datum was taken.
      return entries.map(() => ACCEPTED);
    },
    classifyError: (error) =>
      classifyWholeRequestError(error, { bisect: BISECT_CODES, retryable: RETRYABLE_CODES }),
  };
}
