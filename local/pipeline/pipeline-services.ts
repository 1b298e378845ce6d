/**
 * The local services a pipeline needs, on 127.0.0.1: fauxqs always (an SQS source and its
 * dead-letter queue, or a stream source's on-failure queue), kinesalite for a Kinesis source
 * or destination (and for a DynamoDB source's stream records), dynalite behind the stream
 * capture for a DynamoDB source, and our Firehose endpoint for a Firehose destination.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createKinesisClient, createSqsClient } from '../services/clients.js';
import { type FirehoseServer, startFirehoseServer } from '../services/firehose-server.js';
import { type LocalServer, startKinesisServer } from '../services/kinesis-server.js';
import { startSqsServer } from '../services/sqs-server.js';
import type { Closers } from './closers.js';
import { type DynamoDbSourceServices, startDynamoDbSourceServices } from './dynamodb-source.js';
import { destinationOf, type PipelineName, sourceOf } from './pipeline-settings.js';

/** The running services of one pipeline, and a client of each. */
export interface PipelineServices {
  readonly sqsServer: LocalServer;
  readonly sqs: SQSClient;
  /** A Kinesis source or destination. */
  readonly kinesisServer?: LocalServer;
  readonly kinesis?: KinesisClient;
  /** A Firehose destination. */
  readonly firehoseServer?: FirehoseServer;
  /** A DynamoDB source: its table's services. */
  readonly dynamoDbSource?: DynamoDbSourceServices;
}

/** Starts the services `pipeline` needs; `closers` stops them. */
export async function startPipelineServices(
  pipeline: PipelineName,
  closers: Closers,
): Promise<PipelineServices> {
  const sqsServer = closers.started(await startSqsServer(), (server) => server.close());
  const sqs = closers.started(createSqsClient(sqsServer.endpoint), (client) => client.destroy());
  const source = sourceOf(pipeline);
  const needsKinesis = source !== 'sqs' || destinationOf(pipeline) === 'kinesis';
  const kinesisServer = needsKinesis
    ? closers.started(await startKinesisServer(), (server) => server.close())
    : undefined;
  const kinesis =
    kinesisServer &&
    closers.started(createKinesisClient(kinesisServer.endpoint), (client) => client.destroy());
  const firehoseServer =
    destinationOf(pipeline) === 'firehose'
      ? closers.started(
          await startFirehoseServer({ dir: await closers.temporaryDirectory('firehose') }),
          (server) => server.close(),
        )
      : undefined;
  const dynamoDbSource =
    source === 'dynamodb' && kinesis ? await startDynamoDbSourceServices(kinesis, closers) : undefined;
  return { sqsServer, sqs, kinesisServer, kinesis, firehoseServer, dynamoDbSource };
}
