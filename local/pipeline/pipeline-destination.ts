/**
 * The destination of a local pipeline: created on its local service, with the variables that
 * point the ready-made function at it and a way to read back every payload that arrived.
 */
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { DestinationKind } from '../../functions/contract.js';
import { createFirehoseClient } from '../services/clients.js';
import { createKinesisStream } from '../services/kinesis-server.js';
import { drainQueue, readStream } from '../services/read-back.js';
import type { Closers } from './closers.js';
import { destinationVariables } from './function-module.js';
import { isNewerDestination, type NewerDestination, startNewerDestination } from './newer-destinations.js';
import type { PipelineServices } from './pipeline-services.js';
import { PIPELINE_RESOURCES } from './pipeline-source.js';

/** A running destination: where to send, the function's variables, and how to read it back. */
export type PipelineDestination = NewerDestination;

const NAME = PIPELINE_RESOURCES.destination;

async function kinesis(services: PipelineServices, shards: number): Promise<PipelineDestination> {
  const client = services.kinesis!;
  await createKinesisStream(client, NAME, shards);
  return {
    endpoint: services.kinesisServer!.endpoint,
    functionVariables: destinationVariables('kinesis', NAME),
    read: () => readStream(client, NAME),
  };
}

async function firehose(services: PipelineServices): Promise<PipelineDestination> {
  const server = services.firehoseServer!;
  const client = createFirehoseClient(server.endpoint);
  await client.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: NAME }));
  client.destroy();
  return {
    endpoint: server.endpoint,
    functionVariables: destinationVariables('firehose', NAME),
    read: async () => (await server.readDelivered(NAME)).map((bytes) => bytes.toString('utf8')),
  };
}

async function sqs(services: PipelineServices): Promise<PipelineDestination> {
  const queue = await services.sqs.send(new CreateQueueCommand({ QueueName: NAME }));
  const queueUrl = queue.QueueUrl ?? '';
  return {
    endpoint: services.sqsServer.endpoint,
    functionVariables: destinationVariables('sqs', queueUrl),
    read: () => drainQueue(services.sqs, queueUrl),
  };
}

/** Creates the destination of `kind` (a Kinesis stream gets `shards`); `closers` stops what it starts. */
export function createDestination(
  services: PipelineServices,
  kind: DestinationKind,
  shards: number,
  closers: Closers,
): Promise<PipelineDestination> {
  if (isNewerDestination(kind)) {
    return startNewerDestination(kind, closers, {
      endpoint: services.sqsServer.endpoint,
      client: services.sqs,
    });
  }
  if (kind === 'kinesis') return kinesis(services, shards);
  if (kind === 'firehose') return firehose(services);
  return sqs(services);
}
