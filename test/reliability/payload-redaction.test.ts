/**
 * FAILING (kept out of the commits; see the report): with logPayloads off, a failure reason
 * that quotes a payload containing quote characters leaks part of the payload, because
 * `redactQuoted` (lib/handler/summary.ts) pairs quotes one by one. V8's JSON.parse error quotes the
 * start of the input, so `sqsJson` on a `key="value"` body logs the value.
 * Run: cp test/reliability/payload-redaction.failing.ts test/reliability/payload-redaction.test.ts
 *      && npx vitest run test/reliability/payload-redaction.test.ts
 */
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type KinesisEntry, kinesisDestination } from '../../lib/destinations/kinesis.js';
import { type SqsEntry, sqsDestination } from '../../lib/destinations/sqs.js';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { sqsJson } from '../../lib/sources/sqs.js';
import { createKinesisClient } from '../../local/services/clients.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { OutputCapture } from '../handler/output-capture.js';
import { startErrorStub } from './error-stub.js';

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture({ console: true });
});
afterEach(() => {
  output.restore();
  vi.unstubAllEnvs();
});

describe('payload redaction with logPayloads off', () => {
  // V8 quotes up to 10 characters of the input: `Unexpected token 'c', "card="4111"... is not valid JSON`.
  it.each(['card="4111111111111111" name=alice', 'x"SECRET-MARKER', 'ok"SECRET-MARKER"'])(
    'a JSON.parse failure on %s does not log the payload',
    async (body) => {
      // Arrange: convert never gets to the destination, so it is never called.
      const handler = createSinkHandler<SQSRecord, SqsEntry>({
        destination: sqsDestination({
          queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/never-called',
          region: 'us-east-1',
        }),
        convert: (record) => ({ body: JSON.stringify(sqsJson(record)) }),
        poisonPolicy: 'drop',
      });

      // Act
      const response = await handler(sqsEvent([sqsRecord({ body })]), lambdaContext());

      // Assert: the record is dropped as poison and logged, without its payload.
      expect(response).toEqual({ batchItemFailures: [] });
      const text = output.all();
      expect(text).toContain('ConvertFailed');
      expect(text).not.toMatch(/4111|SECRET-MARKER/);
    },
  );
});

describe('service error messages with logPayloads off', () => {
  it('a fatal error that echoes a payload-derived value does not log it (summary.fatalError)', async () => {
    // Arrange: the service answers ValidationException quoting the partition key, as Kinesis does.
    const stub = await startErrorStub({
      error: {
        service: 'kinesis',
        status: 400,
        type: 'ValidationException',
        message:
          "1 validation error detected: Value 'SECRET-MARKER-key' at 'records.1.member.partitionKey' failed to satisfy constraint",
      },
    });
    try {
      const handler = createSinkHandler<SQSRecord, KinesisEntry>({
        destination: kinesisDestination({
          streamName: 'records',
          client: createKinesisClient(stub.endpoint, { maxAttempts: 1 }),
        }),
        convert: (record) => ({
          data: new TextEncoder().encode(record.body),
          partitionKey: sqsJson<{ key: string }>(record).key,
        }),
      });
      const body = JSON.stringify({ key: 'SECRET-MARKER-key' });

      // Act
      const error = await handler(sqsEvent([sqsRecord({ body })]), lambdaContext()).catch((e: unknown) => e);

      // Assert
      expect((error as Error).name).toBe('WholeBatchFailedError');
      expect(output.all()).toContain('ValidationException');
      expect(output.all()).not.toContain('SECRET-MARKER');
    } finally {
      await stub.close();
    }
  });
});
