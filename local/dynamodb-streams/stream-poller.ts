/**
 * Lambda's event source mapping on a local DynamoDB stream: the Kinesis poller's semantics
 * (one invocation at a time per shard, checkpoint at the lowest failed sequence number,
 * bisect on error, retries, the on-failure destination), since Lambda reads a DynamoDB
 * stream's shards exactly as a Kinesis stream's. The function is given `aws:dynamodb`
 * events, and a discarded batch is described with `DDBStreamBatchInfo`, as Lambda does.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { HandlerSource } from '../pollers/handler-source.js';
import {
  type KinesisFailureRecord,
  type KinesisPoller,
  type KinesisPollerSettings,
  type OnFailureQueue,
  startKinesisPoller,
} from '../pollers/kinesis-poller.js';
import type { BatchHandler } from '../pollers/types.js';
import type { CapturedTable } from './stream-capture.js';
import { storedEventRecord } from './stream-record.js';

/** Options of {@link startDynamoDbStreamPoller}: the Kinesis poller's settings, for the captured table's stream. */
export type DynamoDbStreamPollerOptions = Omit<KinesisPollerSettings, 'streamName'> & {
  /** The table whose stream is read, as `capture.enableStream` returned it. */
  readonly table: CapturedTable;
} & HandlerSource<DynamoDBStreamEvent>;

/** A running DynamoDB stream poller; `streamArn` is the DynamoDB stream's. */
export type DynamoDbStreamPoller = KinesisPoller;

/** The `aws:dynamodb` event a batch of the stream's shard records makes. */
export function dynamoDbStreamEvent(event: KinesisStreamEvent): DynamoDBStreamEvent {
  return { Records: event.Records.map(streamRecordOf) };
}

function streamRecordOf(record: KinesisStreamRecord): DynamoDBStreamEvent['Records'][number] {
  return storedEventRecord(Buffer.from(record.kinesis.data, 'base64'), record.kinesis.sequenceNumber);
}

/** Starts polling every shard of the table's stream with Lambda's semantics. */
export async function startDynamoDbStreamPoller(
  options: DynamoDbStreamPollerOptions,
): Promise<DynamoDbStreamPoller> {
  const { table, handler, createHandler, onFailure, ...settings } = options;
  const translated = (inner: BatchHandler<DynamoDBStreamEvent>): BatchHandler<KinesisStreamEvent> => {
    // The response's itemIdentifiers are the sequence numbers, the same in both events.
    return (event, context) => inner(dynamoDbStreamEvent(event), context);
  };
  const source =
    createHandler !== undefined
      ? { createHandler: async (environment: number) => translated(await createHandler(environment)) }
      : { handler: translated(handler) };
  const poller = await startKinesisPoller({
    ...settings,
    ...source,
    streamName: table.shardStreamName,
    onFailure: onFailure && describedAsDynamoDb(onFailure, table),
  });
  return {
    ...poller,
    streamArn: table.streamArn,
    checkpoints: poller.checkpoints,
    stats: poller.stats,
    stop: poller.stop,
  };
}

/** The on-failure queue, given `DDBStreamBatchInfo` where the Kinesis poller writes `KinesisBatchInfo`. */
function describedAsDynamoDb(queue: OnFailureQueue, table: CapturedTable): OnFailureQueue {
  const send = (command: SendMessageCommand) => {
    const input: SendMessageCommandInput = command.input;
    const { KinesisBatchInfo, ...rest } = JSON.parse(input.MessageBody ?? '{}') as KinesisFailureRecord;
    const body = { ...rest, DDBStreamBatchInfo: { ...KinesisBatchInfo, streamArn: table.streamArn } };
    return queue.client.send(new SendMessageCommand({ ...input, MessageBody: JSON.stringify(body) }));
  };
  // The poller only ever sends a SendMessageCommand through its on-failure client.
  return { queueUrl: queue.queueUrl, client: { send } as unknown as SQSClient };
}
