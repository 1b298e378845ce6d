/**
 * A destination's own client sends a built body without request options, so that the SDK
 * can reuse its resolved middleware; the abort signal then travels with the body to the
 * HTTP handler. This checks that the sink's abort still cancels a request on the wire.
 */
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firehoseDestination } from '../../lib/destinations/firehose.js';
import { kinesisDestination } from '../../lib/destinations/kinesis.js';
import { sqsDestination } from '../../lib/destinations/sqs.js';
import { listenOnLoopback } from '../../local/services/listen-on-loopback.js';

const servers: http.Server[] = [];

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server that takes each request and never answers; it reports each request and each closed connection. */
async function silentServer() {
  const server = http.createServer();
  servers.push(server);
  const received = new Promise<void>((resolve) => server.once('request', () => resolve()));
  const closed = new Promise<void>((resolve) =>
    server.once('connection', (socket) => socket.once('close', () => resolve())),
  );
  return { endpoint: await listenOnLoopback(server), received, closed };
}

const cases = [
  {
    name: 'SQS',
    make: (endpoint: string) =>
      sqsDestination({
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
        endpoint,
        region: 'us-east-1',
      }),
    entry: { body: 'hello' },
  },
  {
    name: 'Kinesis',
    make: (endpoint: string) => kinesisDestination({ streamName: 's', endpoint, region: 'us-east-1' }),
    entry: { data: Buffer.from('hello'), partitionKey: 'k' },
  },
  {
    name: 'Firehose',
    make: (endpoint: string) =>
      firehoseDestination({ deliveryStreamName: 'd', endpoint, region: 'us-east-1' }),
    entry: { data: Buffer.from('hello') },
  },
] as const;

describe('a built body sent through the destination’s own client', () => {
  it.each(cases)('$name: aborting the signal cancels the request in flight', async ({ make, entry }) => {
    // Arrange
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const server = await silentServer();
    const destination = make(server.endpoint);
    const controller = new AbortController();
    const sending = (destination.send as (entries: unknown[], signal: AbortSignal) => Promise<unknown>)(
      [entry],
      controller.signal,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    await server.received;

    // Act
    controller.abort();
    const error = await sending;

    // Assert
    await server.closed;
    expect(destination.classifyError(error)).toMatchObject({ kind: 'retryable', code: 'AbortError' });
    destination.client.destroy();
  });
});
