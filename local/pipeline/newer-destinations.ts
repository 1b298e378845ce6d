/**
 * The destinations `npm start` runs beside Kinesis, Firehose and SQS: a DynamoDB table
 * (dynalite), an EventBridge bus and a CloudWatch namespace (our local endpoints, delivering
 * to files), and an SNS topic (fauxqs) read back through an SQS queue subscribed to it.
 */
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DESTINATION_OPTION_VARIABLES,
  DESTINATION_VARIABLES,
  type DestinationKind,
} from '../../functions/contract.js';
import { createDynamoDbClient, LOCAL_AWS } from '../services/clients.js';
import { startCloudWatchServer } from '../services/cloudwatch-server.js';
import { createDynamoDbTable, scanTable, startDynamoDbServer } from '../services/dynamodb-server.js';
import { startEventBridgeServer } from '../services/eventbridge-server.js';
import { drainQueue } from '../services/read-back.js';
import { topicWithSubscriber } from '../services/sns-subscriber.js';
import type { Closers } from './closers.js';

/** The destination kinds of this module. */
export const NEWER_DESTINATION_KINDS = ['dynamodb', 'eventbridge', 'sns', 'cloudwatch'] as const;
export type NewerDestinationKind = (typeof NEWER_DESTINATION_KINDS)[number];

/** A running newer destination: where to send, the function's variables, and how to read it back. */
export interface NewerDestination {
  readonly endpoint: string;
  readonly functionVariables: Readonly<Record<string, string>>;
  /** Every payload that arrived, as text holding the sample record's id. */
  read(): Promise<string[]>;
}

/** The fauxqs endpoint and client of the run, which the SNS destination shares. */
export interface SqsService {
  readonly endpoint: string;
  readonly client: SQSClient;
}

const NAME = 'local-destination';
const LOCAL_CLIENT = { region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials } };

/** True for the kinds this module starts. */
export function isNewerDestination(kind: DestinationKind): kind is NewerDestinationKind {
  return (NEWER_DESTINATION_KINDS as readonly string[]).includes(kind);
}

async function dynamoDb(closers: Closers): Promise<NewerDestination> {
  const server = await startDynamoDbServer();
  closers.add(() => server.close());
  const client = createDynamoDbClient(server.endpoint);
  closers.add(() => client.destroy());
  await createDynamoDbTable(client, NAME, 'id');
  return {
    endpoint: server.endpoint,
    functionVariables: {
      [DESTINATION_VARIABLES.dynamodb]: NAME,
      [DESTINATION_OPTION_VARIABLES.tablePartitionKey]: 'id',
    },
    // A put of one key twice leaves one item: the table cannot show duplicates.
    read: async () => (await scanTable(client, NAME)).map((item) => JSON.stringify(unmarshall(item))),
  };
}

async function eventBridge(closers: Closers): Promise<NewerDestination> {
  const server = await startEventBridgeServer({ dir: await closers.temporaryDirectory('eventbridge') });
  closers.add(() => server.close());
  const client = new EventBridgeClient({ ...LOCAL_CLIENT, endpoint: server.endpoint });
  await client.send(new CreateEventBusCommand({ Name: NAME }));
  client.destroy();
  return {
    endpoint: server.endpoint,
    functionVariables: { [DESTINATION_VARIABLES.eventbridge]: NAME },
    read: async () => (await server.readDelivered(NAME)).map((event) => event.detail),
  };
}

async function sns(closers: Closers, sqs: SqsService): Promise<NewerDestination> {
  const client = new SNSClient({ ...LOCAL_CLIENT, endpoint: sqs.endpoint });
  closers.add(() => client.destroy());
  const { topicArn, queueUrl } = await topicWithSubscriber(client, sqs.client, NAME);
  return {
    endpoint: sqs.endpoint,
    functionVariables: { [DESTINATION_VARIABLES.sns]: topicArn },
    read: () => drainQueue(sqs.client, queueUrl),
  };
}

async function cloudWatch(closers: Closers): Promise<NewerDestination> {
  const server = await startCloudWatchServer({ dir: await closers.temporaryDirectory('cloudwatch') });
  closers.add(() => server.close());
  return {
    endpoint: server.endpoint,
    functionVariables: { [DESTINATION_VARIABLES.cloudwatch]: NAME },
    // The sample datum names its record in its one dimension (see sampleMetricDatum).
    read: async () =>
      (await server.readDelivered(NAME)).map((datum) => {
        const [dimension] = datum.Dimensions as { Value: string }[];
        return JSON.stringify({ id: dimension.Value });
      }),
  };
}

/** Starts the destination of a newer kind and creates its resource. */
export function startNewerDestination(
  kind: NewerDestinationKind,
  closers: Closers,
  sqs: SqsService,
): Promise<NewerDestination> {
  switch (kind) {
    case 'dynamodb':
      return dynamoDb(closers);
    case 'eventbridge':
      return eventBridge(closers);
    case 'sns':
      return sns(closers, sqs);
    case 'cloudwatch':
      return cloudWatch(closers);
  }
}
