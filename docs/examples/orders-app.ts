// src/orders-app.ts: a CDK app with two pipelines, one ready-made and one with your own handler.
// `npx cdk synth --app 'node build/src/orders-app.js'` from your app's directory.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AsyncSinkPipeline, PoisonPolicy } from 'lambda-async-sink/cdk';

const app = new App();
const stack = new Stack(app, 'Orders');
// AWS: a source queue's visibility timeout is at least six times the function timeout (30 s).
const visibilityTimeout = Duration.minutes(3);
const events = new Stream(stack, 'Events', { encryption: StreamEncryption.MANAGED });

// 1. Ready-made: every message body goes to the stream as it is.
new AsyncSinkPipeline(stack, 'Clicks', {
  source: new Queue(stack, 'ClickQueue', { visibilityTimeout, enforceSSL: true }),
  destination: events,
  tuning: { partitionKeyField: 'userId' },
});

// 2. Your own handler, bundled from your project (the lock file's directory is its root).
new AsyncSinkPipeline(stack, 'OrdersToEvents', {
  source: new Queue(stack, 'OrderQueue', { visibilityTimeout, enforceSSL: true }),
  destination: events,
  entry: 'src/orders-to-kinesis.ts', // relative to the directory cdk runs in
  poisonPolicy: PoisonPolicy.DeadLetter, // sets DEAD_LETTER_QUEUE_URL, as the handler reads
});

app.synth();
