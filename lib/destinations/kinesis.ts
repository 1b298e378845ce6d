/** Kinesis Data Streams as a destination: one `PutRecords` call per batch. */
import {
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsInput,
  type PutRecordsOutput,
} from '@aws-sdk/client-kinesis';
import type { Destination, EntryResult } from '../core/types.js';
import { KPL_FRAMING_BYTES } from '../kpl/index.js';
import { type DefaultClientOptions, defaultClientConfig, withoutSdkLogger } from './default-client.js';
import { DestinationConfigurationError } from './destination-configuration-error.js';
import { classifyAwsError } from './error-classifier.js';
import { AGGREGATION_OVERHEAD_PER_RECORD, KinesisAggregator } from './kinesis-aggregation.js';
import { KinesisShardMap } from './kinesis-shard-map.js';
import { ShardRateLimiter, type ShardRateLimitOptions } from './kinesis-shard-rate-limit.js';
import { integerOption, requestBodyOption } from './option-checks.js';
import { positionMatchedResults } from './position-matched-results.js';
import {
  type BatchRequest,
  base64Of,
  bodyBytes,
  jsonStringOf,
  type RequestBodyMode,
  sendOptions,
  withBuiltBodies,
} from './prebuilt-body.js';
import { utf8Length } from './utf8.js';

/** One Kinesis record. */
export interface KinesisEntry {
  readonly data: Uint8Array;
  /** Picks the shard (by MD5); 1 to 256 Unicode characters. Entries with one key stay in order in ordered mode. */
  readonly partitionKey: string;
  /** Overrides the partition key's hash: a decimal integer from 0 to 2^128 - 1. */
  readonly explicitHashKey?: string;
}

/** Options of {@link kinesisDestination}. Give `streamName`, `streamArn` or both. */
export interface KinesisDestinationOptions extends DefaultClientOptions {
  /** The stream's name. */
  readonly streamName?: string;
  /** The stream's ARN; AWS recommends it over the name. */
  readonly streamArn?: string;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: KinesisClient;
  /**
   * The stream's maximum record size in bytes (data plus partition key): 1 MiB unless
   * raised with `UpdateMaxRecordSize`, up to 10 MiB.
   */
  readonly maxRecordBytes?: number;
  /**
   * Pace each shard on its own rather than the whole stream (see `kinesis-shard-rate-limit.ts`):
   * a hot shard's throttling then does not slow the others. Off by default.
   */
  readonly shardRateLimit?: boolean | ShardRateLimitOptions;
  /**
   * Pack the records bound for one shard into KPL aggregated records (see
   * `kinesis-aggregation.ts`): many small records per Kinesis record, past the 1,000 records/s
   * a shard takes. Consumers must de-aggregate (KCL, `aws-kinesis-agg`, this toolkit's source).
   * Off by default.
   */
  readonly aggregation?: boolean;
  /**
   * Who writes the `PutRecords` body: `'built'` (the destination, byte for byte as the
   * SDK would, at a fraction of the CPU) or `'sdk'` (the SDK's serializer). Default
   * `'built'` for the client the destination creates, `'sdk'` for your own client, whose
   * middleware may expect the records in the command's input.
   */
  readonly requestBody?: RequestBodyMode;
}

/** A Kinesis destination, with the client it sends through. */
export interface KinesisDestination extends Destination<KinesisEntry> {
  readonly client: KinesisClient;
}

const MiB = 1024 * 1024;

/** `PutRecords` limits from the Kinesis API reference (see README.md). */
export const KINESIS_LIMITS = {
  maxEntriesPerRequest: 500,
  maxBytesPerRequest: 10 * MiB,
  defaultMaxRecordBytes: 1 * MiB,
  largestMaxRecordBytes: 10 * MiB,
  maxPartitionKeyCharacters: 256,
  /** User records per request when aggregating (ours, not AWS's: it bounds the per-record overhead reserved). */
  aggregatedEntriesPerRequest: 5_000,
} as const;

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;
const HASH_KEY = /^(0|[1-9]\d{0,38})$/;
const MAX_HASH_KEY = 2n ** 128n - 1n;

/** The record's size as Kinesis counts it against the record and request limits: data plus partition key. */
export function kinesisEntrySize(entry: KinesisEntry): number {
  return entry.data.byteLength + utf8Length(entry.partitionKey);
}

/** Why Kinesis would never accept this entry, or `undefined`. */
export function kinesisInvalidReason(
  entry: KinesisEntry,
  maxRecordBytes: number,
  measured?: number,
): string | undefined {
  if (!(entry.data instanceof Uint8Array)) return 'data must be a Uint8Array';
  if (typeof entry.partitionKey !== 'string') return 'partitionKey must be a string';
  // UTF-16 code units, as kinesalite and (we believe) the service's own validation count: a key
  // of astral characters that passes a code-point count would fail the whole request, not its record.
  const keyLength = entry.partitionKey.length;
  if (keyLength < 1 || keyLength > KINESIS_LIMITS.maxPartitionKeyCharacters) {
    return `partitionKey must have 1 to ${KINESIS_LIMITS.maxPartitionKeyCharacters} characters; it has ${keyLength}`;
  }
  const size = measured ?? kinesisEntrySize(entry);
  if (size > maxRecordBytes) {
    return `record is ${size} bytes (data + partition key), over the maximum record size of the stream, ${maxRecordBytes} bytes`;
  }
  const { explicitHashKey } = entry;
  if (explicitHashKey !== undefined) {
    if (
      typeof explicitHashKey !== 'string' ||
      !HASH_KEY.test(explicitHashKey) ||
      BigInt(explicitHashKey) > MAX_HASH_KEY
    ) {
      return `explicitHashKey must be a decimal integer from 0 to 2^128 - 1; got ${JSON.stringify(explicitHashKey)}`;
    }
  }
  return undefined;
}

/** The `PutRecords` input for a batch. */
export function putRecordsInput(
  stream: { readonly streamName?: string; readonly streamArn?: string },
  entries: readonly KinesisEntry[],
): PutRecordsInput {
  return {
    ...(stream.streamName === undefined ? {} : { StreamName: stream.streamName }),
    ...(stream.streamArn === undefined ? {} : { StreamARN: stream.streamArn }),
    Records: entries.map((entry) => ({
      Data: entry.data,
      PartitionKey: entry.partitionKey,
      ...(entry.explicitHashKey === undefined ? {} : { ExplicitHashKey: entry.explicitHashKey }),
    })),
  };
}

/**
 * The `PutRecords` body for a batch, byte for byte what the SDK serializes from
 * {@link putRecordsInput} (members in its schema's order; absent members left out), as
 * test/destinations/request-body.conformance.test.ts checks.
 */
export function putRecordsBody(
  stream: { readonly streamName?: string; readonly streamArn?: string },
  entries: readonly KinesisEntry[],
): Buffer {
  let json = '{"Records":[';
  for (let i = 0; i < entries.length; i++) {
    const { data, explicitHashKey, partitionKey } = entries[i];
    json += i === 0 ? '{"Data":"' : ',{"Data":"';
    json += base64Of(data);
    if (explicitHashKey != null)
      json += `","ExplicitHashKey":${jsonStringOf(explicitHashKey)},"PartitionKey":`;
    else json += '","PartitionKey":';
    json += jsonStringOf(partitionKey);
    json += '}';
  }
  json += ']';
  if (stream.streamName != null) json += `,"StreamName":${jsonStringOf(stream.streamName)}`;
  if (stream.streamArn != null) json += `,"StreamARN":${jsonStringOf(stream.streamArn)}`;
  return bodyBytes(`${json}}`);
}

/** The `PutRecords` call for a batch, its body built by the destination or left to the SDK. */
export function putRecordsRequest(
  stream: { readonly streamName?: string; readonly streamArn?: string },
  entries: readonly KinesisEntry[],
  requestBody: RequestBodyMode,
): BatchRequest<PutRecordsCommand> {
  if (requestBody === 'sdk') {
    return { command: new PutRecordsCommand(putRecordsInput(stream, entries)), body: undefined };
  }
  // The input keeps the stream name and ARN: the endpoint rules read them.
  return {
    command: new PutRecordsCommand(putRecordsInput(stream, [])),
    body: putRecordsBody(stream, entries),
  };
}

/**
 * One result per entry, matched by position as `PutRecords` answers. A record counts as
 * accepted only with a sequence number and no error code, so a record the response does
 * not vouch for is never reported done.
 */
export function putRecordsResults(output: PutRecordsOutput, entryCount: number): EntryResult[] {
  return positionMatchedResults({
    operation: 'PutRecords',
    noun: ['record', 'records'],
    items: output.Records,
    entryCount,
    idField: 'SequenceNumber',
  });
}

/** A Kinesis Data Streams destination (`PutRecords`); checks its options at creation. */
export function kinesisDestination(options: KinesisDestinationOptions): KinesisDestination {
  const { streamName, streamArn } = checkStreamOptions(options);
  const maxRecordBytes = integerOption(
    'maxRecordBytes',
    options.maxRecordBytes,
    KINESIS_LIMITS.defaultMaxRecordBytes,
    KINESIS_LIMITS.defaultMaxRecordBytes,
    KINESIS_LIMITS.largestMaxRecordBytes,
  );
  const ownClient = options.client === undefined;
  const client = options.client ?? createDefaultKinesisClient(options);
  const requestBody = requestBodyOption(options.requestBody, ownClient);
  const stream = { streamName, streamArn };
  const shardMap =
    options.shardRateLimit || options.aggregation ? new KinesisShardMap(client, stream) : undefined;
  const limiter =
    shardMap && options.shardRateLimit
      ? new ShardRateLimiter(shardMap, options.shardRateLimit === true ? {} : options.shardRateLimit)
      : undefined;
  const aggregator =
    shardMap && options.aggregation ? new KinesisAggregator(shardMap, maxRecordBytes) : undefined;
  const put = async (entries: readonly KinesisEntry[], signal: AbortSignal): Promise<EntryResult[]> => {
    // Aggregated records can outnumber a request's 500 (a batch over more than 500 shards).
    if (entries.length > KINESIS_LIMITS.maxEntriesPerRequest) {
      const parts: KinesisEntry[][] = [];
      for (let i = 0; i < entries.length; i += KINESIS_LIMITS.maxEntriesPerRequest) {
        parts.push(entries.slice(i, i + KINESIS_LIMITS.maxEntriesPerRequest));
      }
      return (await Promise.all(parts.map((part) => put(part, signal)))).flat();
    }
    const request = putRecordsRequest(stream, entries, requestBody);
    const output = await client.send(request.command, sendOptions(request, signal, ownClient));
    const results = putRecordsResults(output, entries.length);
    shardMap?.checkLanded(entries, output.Records?.map((record) => record.ShardId) ?? []);
    return results;
  };
  const classifyError = (error: unknown) => classifyAwsError(error);
  const paced = (entries: readonly KinesisEntry[], signal: AbortSignal) =>
    limiter
      ? limiter.send(entries, signal, { send: put, classifyError, sizeOf: kinesisEntrySize })
      : put(entries, signal);

  return {
    name: `kinesis:${streamName ?? streamArn}`,
    client,
    limits: kinesisLimits(aggregator !== undefined, maxRecordBytes),
    sizeOf: kinesisEntrySize,
    invalidReason: (entry, size) => kinesisInvalidReason(entry, maxRecordBytes, size),
    async send(entries, signal) {
      if (aggregator === undefined) return paced(entries, signal);
      const packed = await aggregator.pack(entries, signal);
      return aggregator.spread(packed, await paced(packed.records, signal), entries.length);
    },
    classifyError,
    orderingKeyOf: (entry) => entry.partitionKey,
  };
}

/** The request limits: with aggregation, room is kept for the aggregated records' own bytes. */
function kinesisLimits(aggregated: boolean, maxRecordBytes: number) {
  return aggregated
    ? {
        maxEntriesPerRequest: KINESIS_LIMITS.aggregatedEntriesPerRequest,
        // Room for the aggregation's own bytes: per user record, and per aggregated record its
        // framing and its partition key (the first user record's, stored twice).
        maxBytesPerRequest:
          KINESIS_LIMITS.maxBytesPerRequest -
          KINESIS_LIMITS.aggregatedEntriesPerRequest * AGGREGATION_OVERHEAD_PER_RECORD -
          KINESIS_LIMITS.maxEntriesPerRequest *
            (KPL_FRAMING_BYTES + 3 * KINESIS_LIMITS.maxPartitionKeyCharacters),
        maxBytesPerEntry: maxRecordBytes,
      }
    : {
        maxEntriesPerRequest: KINESIS_LIMITS.maxEntriesPerRequest,
        maxBytesPerRequest: KINESIS_LIMITS.maxBytesPerRequest,
        maxBytesPerEntry: maxRecordBytes,
      };
}

/** Checks that the stream is named, by a valid name or ARN. */
function checkStreamOptions(options: KinesisDestinationOptions): { streamName?: string; streamArn?: string } {
  const { streamName, streamArn } = options;
  if (streamName === undefined && streamArn === undefined) {
    throw new DestinationConfigurationError(
      'streamName',
      'Set streamName or streamArn of the Kinesis stream',
    );
  }
  if (streamName !== undefined && (typeof streamName !== 'string' || !STREAM_NAME.test(streamName))) {
    throw new DestinationConfigurationError(
      'streamName',
      `streamName must be 1 to 128 of [a-zA-Z0-9_.-]; got ${JSON.stringify(streamName)}`,
    );
  }
  if (streamArn !== undefined && (typeof streamArn !== 'string' || !STREAM_ARN.test(streamArn))) {
    throw new DestinationConfigurationError(
      'streamArn',
      `streamArn must look like arn:aws:kinesis:<region>:<account>:stream/<name>; got ${JSON.stringify(streamArn)}`,
    );
  }
  return { streamName, streamArn };
}

function createDefaultKinesisClient(options: KinesisDestinationOptions): KinesisClient {
  // Middleware resolved once per operation: built bodies go through the client's own middleware.
  const config = { ...defaultClientConfig('KINESIS', options), cacheMiddleware: true };
  return withBuiltBodies(withoutSdkLogger(new KinesisClient(config)));
}
