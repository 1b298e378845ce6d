import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSinkHandler } from '../../lib/handler/create-sink-handler.js';
import type { SinkHandlerOptions } from '../../lib/handler/handler-options.js';
import { MalformedEventError } from '../../lib/sources/malformed-event-error.js';
import { lambdaContext } from '../factories/context.js';
import { sqsEvent, sqsRecord } from '../factories/sqs.js';
import { FakeDestination, type FakeEntry } from './fake-destination.js';
import { OutputCapture } from './output-capture.js';

/**
 * One invocation of the handler, end to end in-process: what it checks of the event, what
 * it logs, what it leaves behind.
 */

let output: OutputCapture;
beforeEach(() => {
  output = new OutputCapture();
});
afterEach(() => {
  output.restore();
});

function handler(options: Partial<SinkHandlerOptions<SQSRecord, FakeEntry>> = {}) {
  return createSinkHandler<SQSRecord, FakeEntry>({
    destination: new FakeDestination(),
    convert: (record) => ({ value: record.body }),
    ...options,
  });
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('an invocation', () => {
  it('takes an empty event when the handler is for one source', async () => {
    // Act
    const response = await handler({ source: 'sqs' })({ Records: [] } as never, lambdaContext());

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('logs a malformed event as an error that says what is wrong, then throws', async () => {
    // Act
    const invocation = handler()({ Records: 'none' } as never, lambdaContext());

    // Assert
    await expect(invocation).rejects.toThrow(MalformedEventError);
    const line = output.json().find((entry) => entry.message === 'malformed event');
    expect(line).toMatchObject({ level: 'ERROR' });
    expect(String(line?.error)).toMatch(/^MalformedEventError: /);
  });

  it('answers when called without a Lambda context, as a unit test of a user may call it, and logs no Lambda fields', async () => {
    // Arrange: middy's early timeout off, since it reads the context's remaining time.
    const destination = new FakeDestination();
    const sink = handler({ destination, timeoutEarlyInMillis: 0 });

    // Act
    const response = await sink(sqsEvent([sqsRecord({ body: 'a' })]), undefined as never);

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(destination.acceptedValues()).toEqual(['a']);
    const summaryLine = output.json().find((entry) => entry.message === 'sink invocation summary');
    expect(summaryLine).toMatchObject({ level: 'INFO' });
    expect(summaryLine).not.toHaveProperty('cold_start');
  });

  it('sends in order to a FIFO destination, from a standard queue too', async () => {
    // Arrange
    const destination = Object.assign(new FakeDestination(), { fifo: true });

    // Act
    await handler({ destination })(sqsEvent([sqsRecord({ body: 'a' })]), lambdaContext());

    // Assert
    expect(output.summaries()[0]).toMatchObject({ ordered: true, fifo: false });
  });

  it('takes ordered: null as not set, like its other options, so the FIFO destination decides', async () => {
    // Arrange
    const destination = Object.assign(new FakeDestination(), { fifo: true });

    // Act
    await handler({ destination, ordered: null as never })(
      sqsEvent([sqsRecord({ body: 'a' })]),
      lambdaContext(),
    );

    // Assert
    expect(output.summaries()[0]).toMatchObject({ ordered: true });
  });

  it('leaves no timer behind once it answered', async () => {
    // Arrange
    const sink = handler();
    const before = timeouts();

    // Act
    await sink(sqsEvent([sqsRecord({ body: 'a' })]), lambdaContext(60_000));

    // Assert
    expect(timeouts()).toBe(before);
  });
});
