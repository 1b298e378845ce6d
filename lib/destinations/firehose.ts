/** Amazon Data Firehose as a destination: one `PutRecordBatch` call per batch. */
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchInput,
  type PutRecordBatchOutput,
} from '@aws-sdk/client-firehose';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig, withoutSdkLogger } from './default-client.js';
import { classifyAwsError } from './error-classifier.js';
import { requestBodyOption, stringOption } from './option-checks.js';
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

/** One Firehose record. Firehose concatenates records: add your own delimiter (e.g. `\n`) if readers need one. */
export interface FirehoseEntry {
  readonly data: Uint8Array;
}

/** Options of {@link firehoseDestination}. */
export interface FirehoseDestinationOptions extends DefaultClientOptions {
  /** The Firehose stream's name. */
  readonly deliveryStreamName: string;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: FirehoseClient;
  /**
   * Who writes the `PutRecordBatch` body: `'built'` (the destination, byte for byte as the
   * SDK would, at a fraction of the CPU) or `'sdk'` (the SDK's serializer). Default
   * `'built'` for the client the destination creates, `'sdk'` for your own client, whose
   * middleware may expect the records in the command's input.
   */
  readonly requestBody?: RequestBodyMode;
}

/** A Firehose destination, with the client it sends through. */
export interface FirehoseDestination extends Destination<FirehoseEntry> {
  readonly client: FirehoseClient;
}

/** `PutRecordBatch` limits from the Firehose API reference and quotas (see README.md); AWS says they cannot be changed. */
export const FIREHOSE_LIMITS = {
  maxEntriesPerRequest: 500,
  maxBytesPerRequest: 4 * 1024 * 1024,
  maxBytesPerEntry: 1_000 * 1024,
} as const;

const DELIVERY_STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/** The record's size as Firehose counts it: the data before base64. */
export function firehoseEntrySize(entry: FirehoseEntry): number {
  return entry.data.byteLength;
}

/** Why Firehose would never accept this entry, or `undefined`. */
export function firehoseInvalidReason(entry: FirehoseEntry, measured?: number): string | undefined {
  if (!(entry.data instanceof Uint8Array)) return 'data must be a Uint8Array';
  const size = measured ?? firehoseEntrySize(entry);
  if (size > FIREHOSE_LIMITS.maxBytesPerEntry) {
    return `record is ${size} bytes, over the Firehose maximum record size of ${FIREHOSE_LIMITS.maxBytesPerEntry} bytes (1,000 KiB)`;
  }
  return undefined;
}

/** The `PutRecordBatch` input for a batch. */
export function putRecordBatchInput(
  deliveryStreamName: string,
  entries: readonly FirehoseEntry[],
): PutRecordBatchInput {
  return { DeliveryStreamName: deliveryStreamName, Records: entries.map((entry) => ({ Data: entry.data })) };
}

/**
 * The `PutRecordBatch` body for a batch, byte for byte what the SDK serializes from
 * {@link putRecordBatchInput}, as test/destinations/request-body.conformance.test.ts checks.
 */
export function putRecordBatchBody(deliveryStreamName: string, entries: readonly FirehoseEntry[]): Buffer {
  let json = `{"DeliveryStreamName":${jsonStringOf(deliveryStreamName)},"Records":[`;
  for (let i = 0; i < entries.length; i++) {
    json += i === 0 ? '{"Data":"' : ',{"Data":"';
    json += base64Of(entries[i].data);
    json += '"}';
  }
  return bodyBytes(`${json}]}`);
}

/** The `PutRecordBatch` call for a batch, its body built by the destination or left to the SDK. */
export function putRecordBatchRequest(
  deliveryStreamName: string,
  entries: readonly FirehoseEntry[],
  requestBody: RequestBodyMode,
): BatchRequest<PutRecordBatchCommand> {
  if (requestBody === 'sdk') {
    return {
      command: new PutRecordBatchCommand(putRecordBatchInput(deliveryStreamName, entries)),
      body: undefined,
    };
  }
  return {
    command: new PutRecordBatchCommand(putRecordBatchInput(deliveryStreamName, [])),
    body: putRecordBatchBody(deliveryStreamName, entries),
  };
}

/**
 * One result per entry, matched by position as `PutRecordBatch` answers. A record counts
 * as accepted only with a record id and no error code.
 */
export function putRecordBatchResults(output: PutRecordBatchOutput, entryCount: number): EntryResult[] {
  return positionMatchedResults({
    operation: 'PutRecordBatch',
    noun: ['record', 'records'],
    items: output.RequestResponses,
    entryCount,
    idField: 'RecordId',
  });
}

/** An Amazon Data Firehose destination (`PutRecordBatch`); checks its options at creation. */
export function firehoseDestination(options: FirehoseDestinationOptions): FirehoseDestination {
  const deliveryStreamName = stringOption(
    'deliveryStreamName',
    options.deliveryStreamName,
    DELIVERY_STREAM_NAME,
    'the Firehose stream name, 1 to 64 of [a-zA-Z0-9_.-]',
  );
  const ownClient = options.client === undefined;
  const client =
    options.client ??
    withBuiltBodies(
      withoutSdkLogger(
        new FirehoseClient({ ...defaultClientConfig('FIREHOSE', options), cacheMiddleware: true }),
      ),
    );
  const requestBody = requestBodyOption(options.requestBody, ownClient);

  return {
    name: `firehose:${deliveryStreamName}`,
    client,
    limits: {
      maxEntriesPerRequest: FIREHOSE_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: FIREHOSE_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: FIREHOSE_LIMITS.maxBytesPerEntry,
    },
    sizeOf: firehoseEntrySize,
    invalidReason: firehoseInvalidReason,
    async send(entries, signal) {
      const request = putRecordBatchRequest(deliveryStreamName, entries, requestBody);
      const output = await client.send(request.command, sendOptions(request, signal, ownClient));
      return putRecordBatchResults(output, entries.length);
    },
    classifyError: (error) => classifyAwsError(error),
    // Firehose has no ordering key: it delivers in its own buffered batches.
    orderingKeyOf: () => undefined,
  };
}
