// The user's own test of their handler, run with lambda-async-sink/testing: kinesalite on
// 127.0.0.1, an SQS event from the factories, the bundled handler imported in this process.
// Prints what it saw as JSON for the consumer test.
import {
  createKinesisClient,
  createKinesisStream,
  lambdaContext,
  readStream,
  sqsEvent,
  sqsRecord,
  startKinesisServer,
  startSqsServer,
} from 'lambda-async-sink/testing';

interface BundledHandler {
  handler(event: unknown, context: unknown): Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
}

const kinesis = await startKinesisServer();
const client = createKinesisClient(kinesis.endpoint);
await createKinesisStream(client, 'orders', 1);
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
  STREAM_NAME: 'orders',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/poison',
});

const bundle = process.argv[2] ?? './out/orders-to-kinesis.mjs';
const { handler } = (await import(new URL(bundle, `file://${process.cwd()}/`).href)) as BundledHandler;
const orders = ['o-1', 'o-2', 'o-3', 'o-test'].map((orderId) => ({
  orderId,
  customerId: `c-${orderId}`,
  status: orderId === 'o-test' ? 'test' : 'new',
  total: 10,
}));
const response = await handler(
  sqsEvent(orders.map((order) => sqsRecord({ body: JSON.stringify(order) }))),
  lambdaContext(),
);
const stored = await readStream(client, 'orders');

let missingPeer = '';
try {
  await startSqsServer(); // fauxqs is not installed in this app
} catch (error) {
  missingPeer = `${(error as Error).name}: ${(error as Error).message}`;
}
client.destroy();
await kinesis.close();
console.log(JSON.stringify({ response, stored, missingPeer }));
