import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccessDeniedException,
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
// A global endpoint is signed with SigV4a: the SDK needs this package loaded, as a user's function does.
import '@aws-sdk/signature-v4a';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncSink } from '../../lib/core/index.js';
import { putEventsInput, putEventsResults } from '../../lib/destinations/eventbridge.js';
import {
  DestinationConfigurationError,
  EVENTBRIDGE_LIMITS,
  type EventBridgeEntry,
  eventBridgeDestination,
} from '../../lib/destinations/index.js';
import { type EventBridgeServer, LOCAL_AWS, startEventBridgeServer } from '../../local/index.js';
import { LOCAL_ENV } from './destination-cases.js';

const local = { region: 'us-east-1' };
const event = (detail = '{"a":1}'): EventBridgeEntry => ({
  source: 'com.example',
  detailType: 'Happened',
  detail,
});

describe('eventBridgeDestination', () => {
  const destination = eventBridgeDestination({ eventBusName: 'orders', ...local });

  it('takes 10 entries and less than 256 KB, as PutEvents allows', () => {
    expect(destination.limits).toEqual({
      maxEntriesPerRequest: 10,
      maxBytesPerRequest: 262_143,
      maxBytesPerEntry: 262_143,
    });
  });

  it("measures an entry by EventBridge's formula: Time 14 bytes plus UTF-8 of Source, DetailType, Detail, Resources", () => {
    const entry: EventBridgeEntry = { ...event('{"é":1}'), resources: ['arn:x', 'ü'], time: new Date(0) };
    expect(destination.sizeOf(entry)).toBe(14 + 11 + 8 + 8 + 5 + 2);
    expect(destination.sizeOf(event())).toBe(11 + 8 + 7);
  });

  it.each<[string, EventBridgeEntry, RegExp]>([
    ['an empty source', { ...event(), source: '' }, /source must be a non-empty string/],
    ['a detail that is not a JSON object', event('[1]'), /detail must be a JSON object/],
    ['a detail that is not JSON', event('{'), /MalformedDetail/],
    ['an invalid time', { ...event(), time: new Date(Number.NaN) }, /time must be a valid Date/],
  ])('refuses %s before any request', (_, entry, reason) => {
    expect(destination.invalidReason(entry, destination.sizeOf(entry))).toMatch(reason);
  });

  it('refuses an entry of 256 KB and takes one a byte under', () => {
    const fill = (bytes: number) => event(`{"x":"${'x'.repeat(bytes)}"}`);
    const overhead = destination.sizeOf(fill(0));
    const atLimit = fill(EVENTBRIDGE_LIMITS.maxBytesPerEntry - overhead);
    const over = fill(EVENTBRIDGE_LIMITS.maxBytesPerEntry - overhead + 1);
    expect(destination.invalidReason(atLimit, destination.sizeOf(atLimit))).toBeUndefined();
    expect(destination.invalidReason(over, destination.sizeOf(over))).toMatch(
      /262144 bytes .*limit of 262143/,
    );
  });

  it('checks its options at creation', () => {
    expect(() => eventBridgeDestination({ eventBusName: 'bad bus', ...local })).toThrow(
      DestinationConfigurationError,
    );
    expect(() => eventBridgeDestination({ endpointId: 'nodot', ...local })).toThrow(/endpointId/);
  });

  it('puts the bus on every entry and the endpoint id on the request', () => {
    const input = putEventsInput({ eventBusName: 'orders', endpointId: 'abcde.veo' }, [event()]);
    expect(input).toEqual({
      EndpointId: 'abcde.veo',
      Entries: [{ Source: 'com.example', DetailType: 'Happened', Detail: '{"a":1}', EventBusName: 'orders' }],
    });
  });

  it('maps per-entry ErrorCodes by position: throttling retried, content poison, permissions never poison', () => {
    const results = putEventsResults(
      {
        $metadata: {},
        FailedEntryCount: 4,
        Entries: [
          { EventId: 'e1' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' },
          { ErrorCode: 'NotAuthorizedForSourceException' },
          { ErrorCode: 'InternalFailure' },
          {},
        ],
      },
      6,
    );
    expect(results.map((r) => [r.status, 'code' in r ? r.code : ''])).toEqual([
      ['accepted', ''],
      ['retryable', 'ThrottlingException'],
      ['fatal', 'MalformedDetail'],
      ['retryable', 'NotAuthorizedForSourceException'],
      ['retryable', 'InternalFailure'],
      ['retryable', 'MalformedResponse'],
    ]);
    expect(results[1]).toMatchObject({ throttled: true });
  });

  it('refuses a response with the wrong number of entries', () => {
    expect(() => putEventsResults({ $metadata: {}, Entries: [] }, 1)).toThrow(/0 entries for 1 sent/);
  });
});

describe('eventBridgeDestination against the local EventBridge', () => {
  let dir: string;
  let server: EventBridgeServer;
  let direct: EventBridgeClient;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(LOCAL_ENV)) vi.stubEnv(name, value);
    dir = await mkdtemp(path.join(tmpdir(), 'eventbridge-endpoint-id-'));
    server = await startEventBridgeServer({ dir });
    direct = new EventBridgeClient({
      ...LOCAL_AWS,
      credentials: { ...LOCAL_AWS.credentials },
      endpoint: server.endpoint,
    });
    await direct.send(new CreateEventBusCommand({ Name: 'global' }));
  });
  afterAll(async () => {
    direct?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('answers PutEvents to a bus that does not exist as AWS does: an EventId per entry, and the events dropped', async () => {
    // Arrange
    const droppedBefore = server.droppedEvents();

    // Act
    const output = await direct.send(
      new PutEventsCommand({
        Entries: [1, 2].map((i) => ({
          Source: 'com.example',
          DetailType: 'Happened',
          Detail: JSON.stringify({ i }),
          EventBusName: 'no-such-bus',
        })),
      }),
    );

    // Assert
    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.map((entry) => [typeof entry.EventId, entry.ErrorCode])).toEqual([
      ['string', undefined],
      ['string', undefined],
    ]);
    expect(server.droppedEvents() - droppedBefore).toBe(2);
    expect(await server.readDelivered('no-such-bus')).toEqual([]);
  });

  it('never reports an event done for a bus that does not exist: it asks DescribeEventBus first and stops sending', async () => {
    // Arrange
    const destination = eventBridgeDestination({
      eventBusName: 'created-later',
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    const records = Array.from({ length: 3 }, (_, i) => ({ id: `m${i}`, entries: [event(`{"i":${i}}`)] }));
    const droppedBefore = server.droppedEvents();

    // Act: once while the bus is missing, then again after it was created.
    const missing = await new AsyncSink(destination).run(records);
    await direct.send(new CreateEventBusCommand({ Name: 'created-later' }));
    const created = await new AsyncSink(destination).run(records);

    // Assert: failed, not poison (SendingStopped), and no PutEvents went out to be dropped.
    expect(missing.outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'failed', 'failed']);
    for (const outcome of missing.outcomes) {
      expect(outcome).toMatchObject({
        status: 'failed',
        code: 'SendingStopped',
        reason: expect.stringMatching(/ResourceNotFoundException: Event bus created-later does not exist/),
      });
    }
    expect(server.droppedEvents()).toBe(droppedBefore);
    // A failed check is not kept: the bus created meanwhile is found and the events arrive.
    expect(created.outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
    expect((await server.readDelivered('created-later')).map((e) => JSON.parse(e.detail).i)).toEqual([
      0, 1, 2,
    ]);
    destination.client.destroy();
  });

  it("sends unchecked, with one warning, when the role may not describe the bus (another account's bus)", async () => {
    // Arrange: a real client to the local EventBridge, whose DescribeEventBus is refused as IAM refuses it.
    const client = new EventBridgeClient({
      ...LOCAL_AWS,
      credentials: { ...LOCAL_AWS.credentials },
      endpoint: server.endpoint,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'DescribeEventBusCommand') return next(args);
        throw new AccessDeniedException({
          message: 'not authorized to perform: events:DescribeEventBus',
          $metadata: { httpStatusCode: 400 },
        });
      },
      { step: 'initialize' },
    );
    await direct.send(new CreateEventBusCommand({ Name: 'elsewhere' }));
    const destination = eventBridgeDestination({ eventBusName: 'elsewhere', client });
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const records = Array.from({ length: 2 }, (_, i) => ({
      id: `d${i}`,
      entries: [event('{"denied":true}')],
    }));

    // Act
    const first = await new AsyncSink(destination).run(records);
    const second = await new AsyncSink(destination).run(records);

    // Assert
    expect([...first.outcomes, ...second.outcomes].every((outcome) => outcome.status === 'done')).toBe(true);
    expect(await server.readDelivered('elsewhere')).toHaveLength(4);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0][0])).toMatch(
      /event bus elsewhere could not be checked \(AccessDeniedException: .*\).*Grant events:DescribeEventBus/,
    );
    warnings.mockRestore();
    client.destroy();
  });

  it('checks verifyEventBus at creation', () => {
    expect(() => eventBridgeDestination({ verifyEventBus: 'yes' as never, ...local })).toThrow(
      /verifyEventBus/,
    );
  });

  it('puts EndpointId on every request (signed with SigV4a) within the same entry and size limits', async () => {
    // Arrange: 12 events of about 100 KB, so a request holds two of them (under 256 KB).
    const destination = eventBridgeDestination({
      eventBusName: 'global',
      endpointId: 'abcde.veo',
      region: LOCAL_AWS.region,
      endpoint: server.endpoint,
    });
    const sent: number[] = [];
    const counting = {
      ...destination,
      send: (entries: readonly EventBridgeEntry[], signal: AbortSignal) => {
        sent.push(entries.length);
        return destination.send(entries, signal);
      },
    };
    const records = Array.from({ length: 12 }, (_, i) => ({
      id: `g${i}`,
      entries: [event(JSON.stringify({ i, pad: 'p'.repeat(100_000) }))],
    }));

    // Act
    const result = await new AsyncSink(counting).run(records);

    // Assert
    expect(result.outcomes.every((outcome) => outcome.status === 'done')).toBe(true);
    expect(sent).toEqual([2, 2, 2, 2, 2, 2]);
    const delivered = await server.readDelivered('global');
    expect(delivered.map((e) => e.endpointId)).toEqual(records.map(() => 'abcde.veo'));
    expect(delivered.map((e) => JSON.parse(e.detail).i).sort((a, b) => a - b)).toEqual(
      records.map((_, i) => i),
    );
    destination.client.destroy();
  });
});
