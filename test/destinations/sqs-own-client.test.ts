/**
 * The client the SQS destination creates runs leaner SDK middleware (the one attempt, the
 * user agent computed once, the success parser): over HTTP to fauxqs it still sends what
 * the SDK sends, reads answers and errors alike, and a client the user passes in is not touched.
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationConfigurationError, sqsDestination } from '../../lib/destinations/index.js';
import { replacedSdkMiddleware } from '../../lib/destinations/sdk-middleware.js';
import { LOCAL_AWS } from '../../local/index.js';
import { type LocalSqs, startLocalSqs } from './local-destinations.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Records the headers of each signed request: the last thing before the wire. */
function recordHeaders(client: SQSClient): Record<string, string>[] {
  const seen: Record<string, string>[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testRecordHeaders' },
  );
  return seen;
}

describe('sqsDestination: the client it creates, against fauxqs', () => {
  let sqs: LocalSqs;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(async () => {
    await sqs.close();
  });

  function ownDestination(queueUrl: string, options: { responseParser?: 'built' | 'sdk' } = {}) {
    const destination = sqsDestination({
      queueUrl,
      endpoint: sqs.endpoint,
      region: LOCAL_AWS.region,
      ...options,
    });
    // The credentials come from the environment in Lambda; here they are given to the client directly.
    destination.client.config.credentials = async () => CREDENTIALS;
    return destination;
  }

  it('replaces the retry, user-agent and deserializer middleware of its own client only', () => {
    // Arrange
    const userClient = new SQSClient({ region: LOCAL_AWS.region });

    // Act
    const own = sqsDestination({
      queueUrl: 'http://sqs.us-east-1.localhost/000000000000/q',
      region: 'us-east-1',
    });
    const sdkParser = sqsDestination({
      queueUrl: 'http://sqs.us-east-1.localhost/000000000000/q',
      region: 'us-east-1',
      responseParser: 'sdk',
    });
    sqsDestination({ queueUrl: 'http://sqs.us-east-1.localhost/000000000000/q', client: userClient });

    // Assert
    expect(replacedSdkMiddleware(own.client).sort()).toEqual([
      'deserializerMiddleware',
      'getUserAgentMiddleware',
      'retryMiddleware',
    ]);
    expect(replacedSdkMiddleware(sdkParser.client).sort()).toEqual([
      'getUserAgentMiddleware',
      'retryMiddleware',
    ]);
    expect(replacedSdkMiddleware(userClient)).toEqual([]);
    own.client.destroy();
    sdkParser.client.destroy();
  });

  it('sends the SDK user agent and one attempt on every request, and reads the answers', async () => {
    // Arrange
    const queueUrl = await sqs.createQueue('own-client-headers');
    const destination = ownDestination(queueUrl);
    const seen = recordHeaders(destination.client);
    const reference = new SQSClient({
      region: LOCAL_AWS.region,
      endpoint: sqs.endpoint,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    const referenceSeen = recordHeaders(reference);
    await reference.send(new GetQueueUrlCommand({ QueueName: 'own-client-headers' }));

    // Act
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(
        await destination.send([{ body: `m${i}` }, { body: `n${i}` }], new AbortController().signal),
      );
    }

    // Assert
    expect(results.flat()).toEqual(Array.from({ length: 6 }, () => ({ status: 'accepted' })));
    expect((await sqs.drain(queueUrl)).map((m) => m.Body).sort()).toEqual([
      'm0',
      'm1',
      'm2',
      'n0',
      'n1',
      'n2',
    ]);
    expect(seen).toHaveLength(3);
    const sdkAgent = referenceSeen[0]['user-agent'];
    for (const headers of seen) {
      expect(headers['user-agent']).toMatch(/^aws-sdk-js\/\S+ ua\/2\.1 .*api\/sqs#\S+ m\/\S+/);
      // The same sections as the SDK sends; the feature list (m/…) may differ by client configuration.
      expect(headers['user-agent'].replace(/ m\/\S+/, '')).toBe(sdkAgent.replace(/ m\/\S+/, ''));
      expect(headers['x-amz-user-agent']).toBe(referenceSeen[0]['x-amz-user-agent']);
      expect(headers['amz-sdk-request']).toBe('attempt=1; max=1');
      expect(headers['amz-sdk-invocation-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(seen.map((headers) => headers['user-agent'])).size).toBe(1);
    expect(new Set(seen.map((headers) => headers['amz-sdk-invocation-id'])).size).toBe(3);
    destination.client.destroy();
    reference.destroy();
  });

  it.each(['built', 'sdk'] as const)(
    'reads an error answer through the SDK, with one attempt in its metadata (responseParser %s)',
    async (responseParser) => {
      // Arrange: a queue that does not exist answers 400 QueueDoesNotExist.
      const queueUrl = `${sqs.endpoint.replace('127.0.0.1', 'sqs.us-east-1.localhost')}/000000000000/no-such-queue`;
      const destination = ownDestination(queueUrl, { responseParser });

      // Act
      const error = await destination
        .send([{ body: 'x' }], new AbortController().signal)
        .catch((e: unknown) => e);

      // Assert
      expect(error).toMatchObject({
        name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/),
        $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 },
      });
      expect(destination.classifyError(error)).toMatchObject({ kind: 'fatal' });
      destination.client.destroy();
    },
  );

  /** Counts how often the client's endpoint rules are evaluated. */
  function countEndpointResolutions(client: SQSClient): { count: number } {
    const counter = { count: 0 };
    const config = client.config as unknown as { endpointProvider: (...args: unknown[]) => unknown };
    const provider = config.endpointProvider;
    config.endpointProvider = (...args) => {
      counter.count++;
      return provider(...args);
    };
    return counter;
  }

  it('resolves the endpoint rules once, with a configured endpoint', async () => {
    // Arrange
    const queueUrl = await sqs.createQueue('own-client-endpoint');
    const destination = ownDestination(queueUrl);
    const resolutions = countEndpointResolutions(destination.client);

    // Act
    for (let i = 0; i < 4; i++) await destination.send([{ body: `e${i}` }], new AbortController().signal);

    // Assert
    expect((await sqs.drain(queueUrl)).map((m) => m.Body).sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(resolutions.count).toBe(1);
    destination.client.destroy();
  });

  it("sends every request to the queue URL's host when no endpoint is configured (useQueueUrlAsEndpoint)", async () => {
    // Arrange: the queue URL names fauxqs by address; the rules alone name sqs.us-east-1.amazonaws.com,
    // which this machine cannot reach. fauxqs knows its queues by its own host name, so it answers
    // QueueDoesNotExist: an answer that only the queue URL's host can give.
    const queueUrl = `${sqs.endpoint}/000000000000/own-client-queue-host`;
    const destination = sqsDestination({ queueUrl, region: LOCAL_AWS.region });
    destination.client.config.credentials = async () => CREDENTIALS;
    const resolutions = countEndpointResolutions(destination.client);
    const warn = console.warn;
    console.warn = () => {};

    // Act
    const errors: unknown[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        errors.push(
          await destination.send([{ body: `h${i}` }], new AbortController().signal).catch((e: unknown) => e),
        );
      }
    } finally {
      console.warn = warn;
    }

    // Assert
    for (const error of errors) {
      expect(error).toMatchObject({ name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } });
    }
    expect(resolutions.count).toBe(1);
    destination.client.destroy();
  });

  it('refuses a response parser it cannot apply', () => {
    // Arrange
    const queueUrl = 'http://sqs.us-east-1.localhost/000000000000/q';

    // Act
    const withUserClient = () =>
      sqsDestination({ queueUrl, client: new SQSClient({ region: 'us-east-1' }), responseParser: 'built' });
    const unknownMode = () =>
      sqsDestination({ queueUrl, region: 'us-east-1', responseParser: 'fast' as 'built' });

    // Assert
    expect(withUserClient).toThrow(DestinationConfigurationError);
    expect(withUserClient).toThrow(/applies only to the client the destination creates/);
    expect(unknownMode).toThrow(/responseParser must be 'built' or 'sdk'; got "fast"/);
  });
});
