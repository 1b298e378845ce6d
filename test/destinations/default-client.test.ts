import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { firehoseDestination, kinesisDestination, sqsDestination } from '../../lib/destinations/index.js';

const REGION = { region: 'us-east-1', endpoint: 'http://127.0.0.1:1' } as const;
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/orders';

const cases = [
  {
    name: 'kinesis',
    own: () => kinesisDestination({ streamName: 's', ...REGION }).client,
    given: () => {
      const client = new KinesisClient(REGION);
      return kinesisDestination({ streamName: 's', client }).client;
    },
  },
  {
    name: 'firehose',
    own: () => firehoseDestination({ deliveryStreamName: 'f', ...REGION }).client,
    given: () => {
      const client = new FirehoseClient(REGION);
      return firehoseDestination({ deliveryStreamName: 'f', client }).client;
    },
  },
  {
    name: 'sqs',
    own: () => sqsDestination({ queueUrl: QUEUE_URL, ...REGION }).client,
    given: () => {
      const client = new SQSClient(REGION);
      return sqsDestination({ queueUrl: QUEUE_URL, client }).client;
    },
  },
];

describe.each(cases)('$name destination: the SDK logger middleware', ({ own, given }) => {
  it('is removed from the client the destination creates', () => {
    // Arrange, act
    const client = own();

    // Assert
    const names = client.middlewareStack.identify().join('\n');
    expect(names).not.toContain('loggerMiddleware');
    expect(names).toContain('serializerMiddleware');
    client.destroy();
  });

  it("stays on the user's own client", () => {
    // Arrange, act
    const client = given();

    // Assert
    expect(client.middlewareStack.identify().join('\n')).toContain('loggerMiddleware');
    client.destroy();
  });
});
