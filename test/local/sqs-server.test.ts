import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/index.js';
import { createSqsClient, startSqsServer } from '../../local/index.js';

describe('startSqsServer', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startSqsServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('round-trips a batch through SendMessageBatch and ReceiveMessage', async () => {
    // Arrange
    const client = createSqsClient(server.endpoint, { maxAttempts: 1 });
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'round-trip' }));
    const bodies = Array.from({ length: 10 }, (_, i) => `message-${i}`);

    // Act
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody })),
      }),
    );
    const received: string[] = [];
    for (let attempt = 0; attempt < 10 && received.length < bodies.length; attempt++) {
      const batch = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = batch.Messages ?? [];
      received.push(...messages.map((m) => m.Body ?? ''));
      if (messages.length > 0) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }

    // Assert
    expect(QueueUrl).toContain('round-trip');
    expect(sent.Failed ?? []).toEqual([]);
    expect(sent.Successful).toHaveLength(10);
    expect(received.sort()).toEqual([...bodies].sort());
    client.destroy();
  });
});
