import type { KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { FakeDestination } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

// `npm run build` type-checks this file (tsconfig.check.json): each `@ts-expect-error` below
// fails the build if the line after it ever compiles.

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

describe('a convert typed for one source', () => {
  it('does not compile with the other source, and the event from the other source is refused', async () => {
    const wrongSource = () =>
      // @ts-expect-error: a convert that takes an SQSRecord cannot serve Kinesis events (no overload matches).
      createSinkHandler({
        destination: new FakeDestination(),
        convert: (record: SQSRecord) => ({ value: record.body }),
        source: 'kinesis',
      });
    const handler = wrongSource();

    const invocation = handler(sqsEvent([sqsRecord()]) as never, lambdaContext());

    await expect(invocation).rejects.toThrow(MalformedEventError);
  });

  it('compiles with its own source, and for either source when it takes both', () => {
    const kinesisOnly = createSinkHandler({
      destination: new FakeDestination(),
      convert: (record: KinesisStreamRecord) => ({ value: record.kinesis.data }),
      source: 'kinesis',
    });
    const either = createSinkHandler({
      destination: new FakeDestination(),
      convert: () => ({ value: 'v' }),
      source: 'sqs',
    });
    createSinkHandler<SQSRecord, { value: string }>({
      destination: new FakeDestination(),
      convert: () => undefined,
      // @ts-expect-error: nor through the type arguments.
      source: 'kinesis',
    });

    expect(typeof kinesisOnly).toBe('function');
    expect(typeof either).toBe('function');
  });
});
