/** Amazon EventBridge as a destination: one `PutEvents` call per batch. */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import type { Destination, EntryResult } from '../core/types.js';
import { type DefaultClientOptions, defaultClientConfig } from './default-client.js';
import { failedEntryResult } from './error-classifier.js';
import { EventBusCheck } from './event-bus-check.js';
import { booleanOption, stringOption } from './option-checks.js';
import { positionMatchedResults } from './position-matched-results.js';
import { utf8Length } from './utf8.js';
import { classifyWholeRequestError } from './whole-request-errors.js';

/** One event. */
export interface EventBridgeEntry {
  /** Who sent the event, e.g. `com.example.orders`. */
  readonly source: string;
  /** What happened, e.g. `OrderPlaced`. */
  readonly detailType: string;
  /** The event itself: a JSON object, as a string. */
  readonly detail: string;
  /** ARNs of the AWS resources the event concerns. */
  readonly resources?: readonly string[];
  /** When it happened; EventBridge uses the call's time when omitted. */
  readonly time?: Date;
  /** An X-Ray trace header, to trace the event. */
  readonly traceHeader?: string;
}

/** Options of {@link eventBridgeDestination}. */
export interface EventBridgeDestinationOptions extends DefaultClientOptions {
  /** The event bus's name or ARN. Default: the account's `default` bus. */
  readonly eventBusName?: string;
  /**
   * A global endpoint's id (`abcde.veo`). The client then signs with SigV4a: install
   * `@aws-sdk/signature-v4a` (or the CRT) in your function, as the SDK requires.
   */
  readonly endpointId?: string;
  /** Your own client; when omitted the destination creates one (see {@link DefaultClientOptions}). */
  readonly client?: EventBridgeClient;
  /**
   * Check with `DescribeEventBus` that the bus exists before the first `PutEvents` of the
   * execution environment (needs `events:DescribeEventBus` on the bus). Default true: for a
   * missing bus `PutEvents` answers success and drops the events. A bus the role may not
   * describe (another account's) is sent to unchecked, with one process warning.
   */
  readonly verifyEventBus?: boolean;
}

/** An EventBridge destination, with the client it sends through. */
export interface EventBridgeDestination extends Destination<EventBridgeEntry> {
  readonly client: EventBridgeClient;
}

/** `PutEvents` limits from the EventBridge API reference and user guide (see README.md). */
export const EVENTBRIDGE_LIMITS = {
  maxEntriesPerRequest: 10,
  /** "Less than 256 KB", counted with EventBridge's entry-size formula, for an entry and for the request. */
  maxBytesPerRequest: 256 * 1024 - 1,
  maxBytesPerEntry: 256 * 1024 - 1,
  /** `Time`, when given, counts as 14 bytes. */
  timeBytes: 14,
} as const;

/** Per-entry codes that are about permissions, not content: never poison, so retried and then reported. */
const PERMISSION_CODES: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);
/** Per-entry codes that say the event itself is at fault (PutEventsResultEntry, non-retryable): poison. */
const CONTENT_CODES: ReadonlySet<string> = new Set([
  'InvalidArgument',
  'MalformedDetail',
  'InvalidAccountIdException',
  'RedactionFailure',
]);
/** Whole-request codes the EventBridge reference lists as server faults. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['InternalException']);
const NO_BISECT: ReadonlySet<string> = new Set();

const BUS = /^([\w/.-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[\w/.-]{1,256})$/;
const ENDPOINT_ID = /^[A-Za-z0-9-]+[.][A-Za-z0-9-]+$/;

/** The entry's size as EventBridge counts it: Time 14 bytes, plus the UTF-8 bytes of Source, DetailType, Detail and Resources. */
export function eventBridgeEntrySize(entry: EventBridgeEntry): number {
  let size = entry.time === undefined ? 0 : EVENTBRIDGE_LIMITS.timeBytes;
  size += utf8Length(entry.source) + utf8Length(entry.detailType) + utf8Length(entry.detail);
  for (const resource of entry.resources ?? []) size += utf8Length(resource);
  return size;
}

/** Why EventBridge would never accept this entry, or `undefined`. */
export function eventBridgeInvalidReason(entry: EventBridgeEntry, measured?: number): string | undefined {
  for (const field of ['source', 'detailType', 'detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field].length === 0)
      return `${field} must be a non-empty string`;
  }
  if (entry.time !== undefined && !(entry.time instanceof Date && Number.isFinite(entry.time.getTime()))) {
    return 'time must be a valid Date';
  }
  const size = measured ?? eventBridgeEntrySize(entry);
  if (size > EVENTBRIDGE_LIMITS.maxBytesPerEntry) {
    return `event is ${size} bytes by EventBridge's entry-size formula, over the limit of ${EVENTBRIDGE_LIMITS.maxBytesPerEntry} bytes (less than 256 KB)`;
  }
  // EventBridge answers MalformedDetail for a detail that is not a JSON object; say so before sending.
  if (!isJsonObject(entry.detail)) return 'detail must be a JSON object (EventBridge: MalformedDetail)';
  return undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The `PutEvents` input for a batch. */
export function putEventsInput(
  bus: { readonly eventBusName?: string; readonly endpointId?: string },
  entries: readonly EventBridgeEntry[],
): PutEventsCommandInput {
  return {
    ...(bus.endpointId === undefined ? {} : { EndpointId: bus.endpointId }),
    Entries: entries.map((entry) => ({
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: entry.detail,
      ...(bus.eventBusName === undefined ? {} : { EventBusName: bus.eventBusName }),
      ...(entry.resources === undefined ? {} : { Resources: [...entry.resources] }),
      ...(entry.time === undefined ? {} : { Time: entry.time }),
      ...(entry.traceHeader === undefined ? {} : { TraceHeader: entry.traceHeader }),
    })),
  };
}

/** One result per entry, by position; accepted only with an `EventId` and no `ErrorCode`. */
export function putEventsResults(output: PutEventsCommandOutput, entryCount: number): EntryResult[] {
  return positionMatchedResults({
    operation: 'PutEvents',
    noun: ['entry', 'entries'],
    items: output.Entries,
    entryCount,
    idField: 'EventId',
    failed: (code, message): EntryResult => {
      if (CONTENT_CODES.has(code)) return { status: 'fatal', code, message };
      if (PERMISSION_CODES.has(code)) return { status: 'retryable', code, message };
      return failedEntryResult(code, message);
    },
  });
}

/** An Amazon EventBridge destination (`PutEvents`); checks its options at creation. */
export function eventBridgeDestination(options: EventBridgeDestinationOptions = {}): EventBridgeDestination {
  const eventBusName =
    options.eventBusName === undefined
      ? undefined
      : stringOption('eventBusName', options.eventBusName, BUS, "an event bus's name or ARN");
  const endpointId =
    options.endpointId === undefined
      ? undefined
      : stringOption('endpointId', options.endpointId, ENDPOINT_ID, 'a global endpoint id such as abcde.veo');
  const client = options.client ?? new EventBridgeClient(defaultClientConfig('EVENTBRIDGE', options));
  const bus = { eventBusName, endpointId };
  const verifyEventBus = booleanOption('verifyEventBus', options.verifyEventBus, true);
  const busCheck = verifyEventBus ? new EventBusCheck(client, eventBusName) : undefined;

  return {
    name: `eventbridge:${eventBusName ?? 'default'}`,
    client,
    limits: {
      maxEntriesPerRequest: EVENTBRIDGE_LIMITS.maxEntriesPerRequest,
      maxBytesPerRequest: EVENTBRIDGE_LIMITS.maxBytesPerRequest,
      maxBytesPerEntry: EVENTBRIDGE_LIMITS.maxBytesPerEntry,
    },
    sizeOf: eventBridgeEntrySize,
    invalidReason: eventBridgeInvalidReason,
    async send(entries, signal) {
      await busCheck?.exists(signal);
      const output = await client.send(new PutEventsCommand(putEventsInput(bus, entries)), {
        abortSignal: signal,
      });
      return putEventsResults(output, entries.length);
    },
    classifyError: (error) =>
      classifyWholeRequestError(error, { bisect: NO_BISECT, retryable: RETRYABLE_CODES }),
  };
}
