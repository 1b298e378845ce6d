/**
 * Reading everything a local stream or queue holds, to check what a run delivered.
 * These read the services directly, never through the fault proxy.
 */
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

/** Shard ids of a stream. */
export async function listShardIds(client: KinesisClient, streamName: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(
      nextToken === undefined
        ? new ListShardsCommand({ StreamName: streamName })
        : new ListShardsCommand({ NextToken: nextToken }),
    );
    for (const shard of out.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
    nextToken = out.NextToken;
  } while (nextToken);
  return ids;
}

/** Every record of one shard from `from` (a sequence number, inclusive) or the trim horizon, up to `to` (inclusive). */
export async function readShard(
  client: KinesisClient,
  streamName: string,
  shardId: string,
  range: { readonly from?: string; readonly to?: string } = {},
): Promise<_Record[]> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ...(range.from === undefined
        ? { ShardIteratorType: 'TRIM_HORIZON' }
        : { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: range.from }),
    }),
  );
  const last = range.to === undefined ? undefined : BigInt(range.to);
  const records: _Record[] = [];
  let iterator = ShardIterator;
  while (iterator) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    const batch = out.Records ?? [];
    for (const record of batch) {
      if (last !== undefined && BigInt(record.SequenceNumber ?? '0') > last) return records;
      records.push(record);
    }
    if (batch.length === 0) return records;
    iterator = out.NextShardIterator;
  }
  return records;
}

/** The data of every record of every shard of a stream, as UTF-8 text. */
export async function readStream(client: KinesisClient, streamName: string): Promise<string[]> {
  const shards = await listShardIds(client, streamName);
  const perShard = await Promise.all(shards.map((shardId) => readShard(client, streamName, shardId)));
  return perShard.flat().map((record) => Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
}

async function visibleMessages(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * The bodies of every message a queue holds, received with a long visibility timeout so
 * that none comes back while reading. The messages stay in the queue until that timeout ends.
 */
export async function drainQueue(client: SQSClient, queueUrl: string, receivers = 8): Promise<string[]> {
  const bodies: string[] = [];
  const receiveUntilEmpty = async () => {
    for (;;) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 900,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return;
      for (const message of messages) bodies.push(message.Body ?? '');
    }
  };
  // An empty receive can be a sampling miss on SQS; the queue's own count says when it is done.
  do {
    await Promise.all(Array.from({ length: receivers }, receiveUntilEmpty));
  } while ((await visibleMessages(client, queueUrl)) > 0);
  return bodies;
}

/** Messages in a queue by state, from its approximate counts. */
export async function queueDepth(
  client: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
