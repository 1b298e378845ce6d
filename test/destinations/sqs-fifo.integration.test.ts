/**
 * SQS specifics through the core, over HTTP to fauxqs behind the fault proxy: a FIFO
 * queue keeps each message group in order in ordered mode, and a failure with
 * `SenderFault: true` is not retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncSink, type SinkRecord } from '../../lib/core/index.js';
import {
  deduplicationIdFor,
  type SqsDestination,
  type SqsEntry,
  sqsDestination,
} from '../../lib/destinations/index.js';
import { type FaultProxy, LOCAL_AWS, seededRandom, startFaultProxy } from '../../local/index.js';
import { LOCAL_ENV } from './destination-cases.js';
import { type LocalSqs, startLocalSqs } from './local-destinations.js';

const GROUPS = 5;

describe('SQS destination through the sink', () => {
  let sqs: LocalSqs;
  let proxy: FaultProxy | undefined;
  let destination: SqsDestination | undefined;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(LOCAL_ENV)) vi.stubEnv(name, value);
    sqs = await startLocalSqs();
  });
  afterAll(async () => {
    await sqs.close();
    vi.unstubAllEnvs();
  });
  afterEach(async () => {
    destination?.client.destroy();
    destination = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it('keeps each message group of a FIFO queue in order under faults, without duplicates', async () => {
    // Arrange
    const queueUrl = await sqs.createQueue('ordered.fifo');
    proxy = await startFaultProxy({
      upstream: sqs.endpoint,
      seed: 11,
      faults: {
        entryFailureRate: 0.15,
        internalErrorRate: 0.05,
        throttleRate: 0.05,
        dropBeforeRate: 0.03,
        // Stored, then the answer is lost: the resend carries the same deduplication id.
        dropAfterRate: 0.05,
        latencyJitterMs: 3,
      },
    });
    destination = sqsDestination({ queueUrl, region: LOCAL_AWS.region, endpoint: proxy.endpoint });
    const records: SinkRecord<SqsEntry>[] = Array.from({ length: 200 }, (_, i) => {
      const id = `msg-${i}`;
      const group = `g${i % GROUPS}`;
      return {
        id,
        entries: [
          {
            body: `${group}:${Math.floor(i / GROUPS)}`,
            messageGroupId: group,
            messageDeduplicationId: deduplicationIdFor(id, 0),
          },
        ],
      };
    });
    const sink = new AsyncSink(destination, {
      ordered: true,
      maxInFlightRequests: 4,
      maxAttempts: 6,
      initialBackoffMs: 2,
      maxBackoffMs: 20,
      random: seededRandom(3),
    });

    // Act
    const result = await sink.run(records);

    // Assert: per group, what arrived is the group's records from the first on, in order, once each.
    const received = await sqs.drain(queueUrl);
    for (let g = 0; g < GROUPS; g++) {
      const group = `g${g}`;
      const sequence = received.filter((m) => m.Attributes?.MessageGroupId === group).map((m) => m.Body);
      const expected = records
        .filter((r) => r.entries[0].messageGroupId === group)
        .map((r) => r.entries[0].body);
      expect(sequence).toEqual(expected.slice(0, sequence.length));
      const done = records.filter(
        (r, i) => r.entries[0].messageGroupId === group && result.outcomes[i].status === 'done',
      ).length;
      expect(sequence.length).toBeGreaterThanOrEqual(done);
    }
    expect(proxy.stats().dropAfter).toBeGreaterThan(0);
    expect(result.stats.entriesRetried).toBeGreaterThan(0);
    expect(result.stats.recordsDone).toBeGreaterThan(records.length * 0.5);
  });

  it('does not retry an entry that failed with SenderFault, and reports its record failed with the code', async () => {
    // Arrange
    const queueUrl = await sqs.createQueue('sender-fault');
    proxy = await startFaultProxy({
      upstream: sqs.endpoint,
      seed: 5,
      faults: { entryFailureRate: 0.2, senderFaultShare: 1 },
    });
    destination = sqsDestination({ queueUrl, region: LOCAL_AWS.region, endpoint: proxy.endpoint });
    const records: SinkRecord<SqsEntry>[] = Array.from({ length: 100 }, (_, i) => ({
      id: `m${i}`,
      entries: [{ body: `body-${i}` }],
    }));
    const sink = new AsyncSink(destination, { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 5 });

    // Act
    const result = await sink.run(records);

    // Assert
    const faults = proxy.stats();
    const failed = result.outcomes.filter((o) => o.status === 'failed');
    expect(faults.entrySenderFault).toBeGreaterThan(0);
    expect(failed).toHaveLength(faults.entrySenderFault);
    for (const outcome of failed) expect(outcome).toMatchObject({ code: 'InvalidParameterValue' });
    expect(faults.entries).toBe(records.length);
    expect(result.stats.entriesRetried).toBe(0);
    const bodies = new Set((await sqs.drain(queueUrl)).map((m) => m.Body));
    records.forEach((record, i) => {
      expect(bodies.has(record.entries[0].body)).toBe(result.outcomes[i].status === 'done');
    });
  });
});
