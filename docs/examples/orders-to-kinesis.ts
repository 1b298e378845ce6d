// src/orders-to-kinesis.ts: SQS orders to a Kinesis stream, with your own conversion.
// Deployed by AsyncSinkPipeline's `entry` (see orders-app.ts), which sets STREAM_NAME and,
// with poisonPolicy 'dead-letter', DEAD_LETTER_QUEUE_URL.
import type { SQSRecord } from 'aws-lambda';
import {
  createSinkHandler,
  type KinesisEntry,
  kinesisDestination,
  sqsDestination,
  sqsJson,
} from 'lambda-async-sink';

/** The messages on the orders queue. */
interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: string;
  readonly total: number;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set the environment variable ${name}`); // fails at cold start
  return value;
}

const utf8 = new TextEncoder();

export const handler = createSinkHandler({
  destination: kinesisDestination({ streamName: required('STREAM_NAME') }),

  // Typing the record picks the event type: SQSRecord → SQSEvent, KinesisStreamRecord → KinesisStreamEvent.
  convert: (record: SQSRecord): KinesisEntry | undefined => {
    const order = sqsJson<Order>(record); // a body that is not JSON throws: that record alone fails
    if (order.status === 'test') return undefined; // filtered out: counts as done, nothing is sent
    return {
      data: utf8.encode(JSON.stringify({ ...order, queuedAt: Number(record.attributes.SentTimestamp) })),
      partitionKey: order.customerId, // one customer's orders land on one shard
    };
  },

  source: 'sqs', // refuse anything but an SQS event
  maxInFlightRequests: 8,
  maxAttempts: 6,
  poisonPolicy: 'dead-letter', // records no retry can fix go here, with their reason
  deadLetterDestination: sqsDestination({ queueUrl: required('DEAD_LETTER_QUEUE_URL') }),
}).use({
  // It is a middy handler: add your own middleware.
  before: (request) => {
    console.log(`batch of ${request.event.Records.length} messages`);
  },
});
