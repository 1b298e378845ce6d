/**
 * A local Amazon EventBridge endpoint in the real protocol (AWS JSON 1.1, `X-Amz-Target:
 * AWSEvents.<Operation>`): `CreateEventBus`, `DescribeEventBus` and `PutEvents`, with the
 * service's limits and per-entry errors. Accepted events are delivered to one JSON-lines file
 * per bus, as the local Firehose delivers to files. No emulator of EventBridge is kept on npm.
 *
 * An event for a bus that does not exist is answered as AWS answers it: accepted, with an
 * `EventId` and no `ErrorCode`, and then dropped. The EventBridge user guide ("Sending events
 * with PutEvents") says so: "If you use PutEvents to publish an event to an event bus that does
 * not exist, EventBridge event matching will not find a corresponding rule and will drop the
 * event"; users have reported the 200 with an `EventId` since 2022 (aws/aws-sdk#186,
 * aws/aws-cli#9186, aws/aws-sdk-java-v2#3155). Only `DescribeEventBus` tells a missing bus apart.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type JsonOperations,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  ServiceError,
  startJsonService,
} from './json-service.js';

/** Options of {@link startEventBridgeServer}. */
export interface EventBridgeServerOptions {
  /** Directory the events are delivered to: `<dir>/<bus>.jsonl`. */
  readonly dir: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
}

/** One event as delivered to its file: the entry as sent, byte for byte, and its id. */
export interface DeliveredEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: string;
  readonly resources: readonly string[];
  readonly time?: number;
  /** The global endpoint's id the request named (`EndpointId`), if any. */
  readonly endpointId?: string;
}

/** A running local EventBridge endpoint. */
export interface EventBridgeServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** The events delivered to a bus, in the order accepted. */
  readDelivered(bus: string): Promise<DeliveredEvent[]>;
  /** Events accepted for buses that do not exist and dropped, as AWS drops them. */
  droppedEvents(): number;
  close(): Promise<void>;
}

/** The limits the real PutEvents enforces (EventBridge API reference and user guide). */
export const LOCAL_EVENTBRIDGE_LIMITS = { maxEntries: 10, maxEntryBytes: 256 * 1024 - 1 } as const;

type Json = Record<string, unknown>;

/** PutEvents' EndpointId: 1 to 50 characters, `[A-Za-z0-9-]+[.][A-Za-z0-9-]+` (API reference). */
const ENDPOINT_ID = /^(?=.{1,50}$)[A-Za-z0-9-]+\.[A-Za-z0-9-]+$/;

const BUS_NAME = /^[\w/.-]{1,256}$/;

function utf8(text: unknown): number {
  return typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0;
}

/** The entry's size by EventBridge's formula: Time 14 bytes, plus UTF-8 bytes of Source, DetailType, Detail, Resources. */
function entrySize(entry: Json): number {
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    resources.reduce((sum: number, resource) => sum + utf8(resource), 0)
  );
}

function busNameOf(value: unknown): string {
  if (value === undefined) return 'default';
  const text = String(value);
  return text.startsWith('arn:') ? text.slice(text.lastIndexOf('/') + 1) : text;
}

/** Why EventBridge refuses one entry, as a per-entry error, or undefined. */
function entryError(entry: Json): Json | undefined {
  for (const field of ['Source', 'DetailType', 'Detail']) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid.` };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(String(entry.Detail));
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** Checks a PutEvents request as a whole, then each entry: the answer per entry, the events to deliver by bus, and how many were dropped. */
function acceptEvents(
  input: Json,
  buses: ReadonlySet<string>,
): { results: Json[]; lines: Map<string, string[]>; dropped: number } {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Json[]) : [];
  if (entries.length < 1 || entries.length > LOCAL_EVENTBRIDGE_LIMITS.maxEntries) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${LOCAL_EVENTBRIDGE_LIMITS.maxEntries}`,
    );
  }
  const endpointId = input.EndpointId;
  if (endpointId !== undefined && !(typeof endpointId === 'string' && ENDPOINT_ID.test(endpointId))) {
    throw new ServiceError('ValidationException', `Value at 'endpointId' failed to satisfy constraint.`);
  }
  const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > LOCAL_EVENTBRIDGE_LIMITS.maxEntryBytes) {
    throw new ServiceError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  const results: Json[] = [];
  const lines = new Map<string, string[]>();
  let dropped = 0;
  for (const entry of entries) {
    const error = entryError(entry);
    if (error !== undefined) {
      results.push(error);
      continue;
    }
    const id = randomUUID();
    const bus = busNameOf(entry.EventBusName);
    results.push({ EventId: id });
    // As on AWS: no rule of a missing bus matches, so the event is accepted and goes nowhere.
    if (!buses.has(bus)) {
      dropped++;
      continue;
    }
    const event: DeliveredEvent = {
      id,
      source: String(entry.Source),
      detailType: String(entry.DetailType),
      detail: String(entry.Detail),
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      ...(typeof entry.Time === 'number' ? { time: entry.Time } : {}),
      ...(endpointId === undefined ? {} : { endpointId }),
    };
    lines.set(bus, [...(lines.get(bus) ?? []), `${JSON.stringify(event)}\n`]);
  }
  return { results, lines, dropped };
}

/** Starts the local EventBridge on 127.0.0.1; the `default` bus exists from the start. */
export async function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  const buses = new Set(['default']);
  let dropped = 0;
  let chain = Promise.resolve();
  await mkdir(options.dir, { recursive: true });
  const fileOf = (bus: string) => path.join(options.dir, `${bus}.jsonl`);

  const operations: JsonOperations = {
    CreateEventBus(input) {
      const name = String(input.Name ?? '');
      if (!BUS_NAME.test(name))
        throw new ServiceError('ValidationException', `Event bus name ${name} is not valid.`);
      if (buses.has(name))
        throw new ServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      buses.add(name);
      return { EventBusArn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}` };
    },
    DescribeEventBus(input) {
      const name = busNameOf(input.Name);
      if (!buses.has(name))
        throw new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
      return { Name: name, Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}` };
    },
    async PutEvents(input) {
      const accepted = acceptEvents(input, buses);
      const { results, lines } = accepted;
      dropped += accepted.dropped;
      // Delivered before the answer, in order: an event reported accepted is already in its file.
      const writes = chain.then(async () => {
        for (const [bus, text] of lines) await appendFile(fileOf(bus), text.join(''));
      });
      chain = writes.catch(() => {});
      await writes;
      return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
    },
  };

  const service = await startJsonService({
    targetPrefix: 'AWSEvents',
    contentType: 'application/x-amz-json-1.1',
    operations,
    port: options.port,
  });
  return {
    endpoint: service.endpoint,
    async readDelivered(bus) {
      await chain;
      let text: string;
      try {
        text = await readFile(fileOf(bus), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DeliveredEvent);
    },
    droppedEvents: () => dropped,
    async close() {
      await chain;
      await service.close();
    },
  };
}
