import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

let sequence = 18_849_496_460_467_696_128n;

/** Options of {@link sqsRecord}. */
export interface SqsRecordOptions {
  readonly body?: string;
  readonly messageId?: string;
  /** Makes it a FIFO record with this `MessageGroupId`. */
  readonly groupId?: string;
  readonly queueName?: string;
  readonly receiveCount?: number;
  readonly messageAttributes?: SQSRecord['messageAttributes'];
}

/** An SQS record as Lambda delivers it; FIFO when `groupId` is given. */
export function sqsRecord(options: SqsRecordOptions = {}): SQSRecord {
  const body = options.body ?? JSON.stringify({ hello: 'world' });
  const fifo = options.groupId !== undefined;
  const queueName = options.queueName ?? (fifo ? 'source-queue.fifo' : 'source-queue');
  const now = Date.now();
  const messageId = options.messageId ?? randomUUID();
  sequence += 1n;
  return {
    messageId,
    receiptHandle: `AQEB${Buffer.from(`${messageId}:${now}`).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(now - 5),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(now),
      ...(fifo
        ? {
            SequenceNumber: sequence.toString(),
            MessageGroupId: options.groupId,
            MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
          }
        : {}),
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queueName}`,
    awsRegion: 'us-east-1',
  };
}

/** Standard-queue records with these bodies. */
export function sqsRecords(bodies: readonly string[]): SQSRecord[] {
  return bodies.map((body) => sqsRecord({ body }));
}

/** FIFO records, one per `[groupId, body]`, in that order. */
export function fifoSqsRecords(messages: readonly (readonly [groupId: string, body: string])[]): SQSRecord[] {
  return messages.map(([groupId, body]) => sqsRecord({ groupId, body }));
}

/** An SQS event holding these records. */
export function sqsEvent(records: readonly SQSRecord[]): SQSEvent {
  return { Records: [...records] };
}
