/**
 * Payloads never reach the logs unless asked for. Records carrying a unique marker run
 * through real handlers against the local services: delivered, failing `convert`, failing
 * validation, dead-lettered, refused by a destination that does not exist. Everything
 * printed (stdout, stderr, every console method) is searched for the marker, as text and
 * as base64 (Kinesis data is base64). With LOG_PAYLOADS on, the marker must appear, so
 * that the search is shown to find what it looks for.
 */
import { randomUUID } from 'node:crypto';
import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { SqsEntry } from '../../lib/destinations/sqs.js';
import { sqsDestination } from '../../lib/destinations/sqs.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { lambdaContext } from '../factories/context.js';
import { kinesisEvent, kinesisRecord } from '../factories/kinesis.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { importFunction } from '../functions/function-harness.js';
import { freshTarget, useLocalPipelineServices } from './local-pipelines.js';

const MiB = 1024 * 1024;

const local = useLocalPipelineServices();

/**
 * The ways the marker can show: as text, and inside any base64 text at each of the three
 * alignments (the characters that depend on its neighbours are left off).
 */
function needles(marker: string): string[] {
  const encoded = [0, 1, 2].map((offset) => {
    const text = Buffer.from(`${'x'.repeat(offset)}${marker}`).toString('base64');
    return text.slice(Math.ceil((offset * 4) / 3), -4);
  });
  return [marker, ...encoded];
}

type Invocation = { response?: unknown; error?: unknown };
type Handler = (event: never, context: never) => Promise<unknown>;

async function invoke(handler: Handler, event: unknown): Promise<Invocation> {
  try {
    return {
      response: await (handler as (event: unknown, context: unknown) => Promise<unknown>)(
        event,
        lambdaContext(20_000),
      ),
    };
  } catch (error) {
    return { error };
  }
}

/** One way records reach a handler; it resolves with what the handler answered. */
interface Scenario {
  readonly name: string;
  /** Runs the handler over records that carry `marker`, with payload logging as given. */
  run(marker: string, logPayloads: boolean): Promise<Invocation>;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'sqs-to-kinesis: delivered, key over 256 characters, record over 1 MiB, dead-lettered',
    async run(marker, logPayloads) {
      const target = await freshTarget(local.services, 'kinesis');
      const deadLetters = await local.services.sqs.createQueue(`payload-dead-letters-${randomUUID()}`);
      const handler = await importFunction('sqs-to-kinesis', {
        ...target.env,
        PARTITION_KEY_FIELD: 'key',
        POISON_POLICY: 'dead-letter',
        DEAD_LETTER_QUEUE_URL: deadLetters,
        AWS_ENDPOINT_URL_SQS: local.services.sqs.endpoint,
        LOG_PAYLOADS: String(logPayloads),
      });
      const records = [
        sqsRecord({ body: JSON.stringify({ key: 'ok', text: marker }) }),
        sqsRecord({ body: JSON.stringify({ key: `${marker}${'k'.repeat(257)}` }) }),
        sqsRecord({ body: JSON.stringify({ key: 'big', text: `${marker}${'b'.repeat(MiB)}` }) }),
      ];
      const invocation = await invoke(handler, sqsEvent(records));
      // The dead letters hold payloads (that is their purpose); the record over 1 MiB is too large to be one.
      expect(await local.services.sqs.drain(deadLetters)).toHaveLength(1);
      expect(invocation.response).toEqual({ batchItemFailures: [{ itemIdentifier: records[2].messageId }] });
      return invocation;
    },
  },
  {
    name: 'kinesis-to-sqs: delivered, not UTF-8, record over 1 MiB (retry policy: reported)',
    async run(marker, logPayloads) {
      const target = await freshTarget(local.services, 'sqs');
      const handler = await importFunction('kinesis-to-sqs', {
        ...target.env,
        LOG_PAYLOADS: String(logPayloads),
      });
      const records: KinesisStreamRecord[] = [
        kinesisRecord({ data: `text ${marker}` }),
        kinesisRecord({ data: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(marker)]) }),
        kinesisRecord({ data: `${marker}${'s'.repeat(MiB)}` }),
      ];
      const invocation = await invoke(handler, kinesisEvent(records));
      expect(invocation.response).toEqual({
        batchItemFailures: [{ itemIdentifier: records[2].kinesis.sequenceNumber }],
      });
      return invocation;
    },
  },
  {
    name: 'createSinkHandler: convert throws quoting the payload, JSON.parse fails, invalid message group id',
    async run(marker, logPayloads) {
      const target = await freshTarget(local.services, 'sqs');
      const deadLetters = await local.services.sqs.createQueue(`payload-dead-letters-${randomUUID()}`);
      const handler = createSinkHandler<SQSRecord, SqsEntry>({
        destination: sqsDestination({
          queueUrl: target.address,
          endpoint: local.services.sqs.endpoint,
          region: 'us-east-1',
        }),
        convert: (record) => {
          const [kind, rest] = [
            record.body.slice(0, record.body.indexOf(':')),
            record.body.slice(record.body.indexOf(':') + 1),
          ];
          if (kind === 'throw') throw new Error(`cannot read "${rest}"`);
          if (kind === 'json') return { body: JSON.stringify(JSON.parse(rest)) };
          if (kind === 'group') return { body: rest, messageGroupId: `group ${rest}` };
          return { body: rest };
        },
        poisonPolicy: 'dead-letter',
        deadLetterDestination: sqsDestination({
          queueUrl: deadLetters,
          endpoint: local.services.sqs.endpoint,
          region: 'us-east-1',
        }),
        logPayloads,
      });
      const records = ['ok', 'throw', 'json', 'group'].map((kind) =>
        sqsRecord({ body: `${kind}:not json ${marker}` }),
      );
      const invocation = await invoke(handler, sqsEvent(records));
      expect(invocation.response).toEqual({ batchItemFailures: [] });
      expect(await local.services.sqs.drain(deadLetters)).toHaveLength(3);
      return invocation;
    },
  },
  {
    name: 'kinesis-to-firehose: the delivery stream does not exist, every record reported',
    async run(marker, logPayloads) {
      const target = await freshTarget(local.services, 'firehose', true);
      const handler = await importFunction('kinesis-to-firehose', {
        ...target.env,
        LOG_PAYLOADS: String(logPayloads),
      });
      const records = [kinesisRecord({ data: marker }), kinesisRecord({ data: `{"secret":"${marker}"}` })];
      const invocation = await invoke(handler, kinesisEvent(records));
      expect((invocation.error as Error | undefined)?.name).toBe('WholeBatchFailedError');
      return invocation;
    },
  },
];

describe.each([
  { logPayloads: false, shows: 'never shows the payload' },
  { logPayloads: true, shows: 'shows the payload of failed records' },
])('LOG_PAYLOADS=$logPayloads $shows', ({ logPayloads }) => {
  it.each(SCENARIOS)('$name', async (scenario) => {
    // Arrange
    const marker = `MARKER-${randomUUID()}`;

    // Act
    const invocation = await scenario.run(marker, logPayloads);

    // Assert: something was logged, and the marker is in it exactly when payload logging is on.
    const text = local.output.all();
    expect(local.output.summaries()).toHaveLength(1);
    const found = needles(marker).filter((needle) => text.includes(needle));
    if (logPayloads) {
      expect(found.length).toBeGreaterThan(0);
    } else {
      expect(found).toEqual([]);
      // Lambda logs a thrown error too.
      expect(needles(marker).some((needle) => String(invocation.error ?? '').includes(needle))).toBe(false);
    }
  });
});
