/**
 * The source of a local pipeline: an SQS queue with its dead-letter queue, or a Kinesis
 * stream or a DynamoDB table's stream (dynamodb-source.ts) with its on-failure queue; when everything produced is settled there; and what it
 * gave up, read back as a user would.
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { CapturedTable } from '../dynamodb-streams/stream-capture.js';
import type { KinesisFailureRecord, KinesisPoller } from '../pollers/kinesis-poller.js';
import type { SqsPoller } from '../pollers/sqs-poller.js';
import { createKinesisStream } from '../services/kinesis-server.js';
import { drainQueue, queueDepth, readShard } from '../services/read-back.js';
import { createDynamoDbSource, readDynamoDbDeadLettered } from './dynamodb-source.js';
import type { PipelineServices } from './pipeline-services.js';
import type { LocalSource } from './pipeline-settings.js';

/** The names of a pipeline's resources (each pipeline runs its own services, so they never clash). */
export const PIPELINE_RESOURCES = {
  source: 'local-source',
  deadLetter: 'local-source-dlq',
  onFailure: 'local-source-on-failure',
  destination: 'local-destination',
} as const;

/** How the source is made. */
export interface SourceShape {
  /** Shards of a Kinesis source. */
  readonly shards: number;
  /** The SQS source queue's visibility timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** The SQS source queue's redrive policy: receives before the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/** The source's queues (SQS: the queue and its dead-letter queue; Kinesis: the on-failure queue). */
export interface PipelineSource {
  readonly kind: LocalSource;
  /** The Kinesis source stream's name. */
  readonly streamName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly onFailureQueueUrl: string;
  /** A DynamoDB source's table and stream. */
  readonly table?: CapturedTable;
}

/** Creates the source and its failure queue. */
export async function createSource(
  services: PipelineServices,
  kind: LocalSource,
  shape: SourceShape,
): Promise<PipelineSource> {
  const { sqs } = services;
  const streamName = PIPELINE_RESOURCES.source;
  if (kind !== 'sqs') {
    const table =
      kind === 'dynamodb'
        ? await createDynamoDbSource(services.dynamoDbSource!, streamName, shape.shards)
        : undefined;
    if (kind === 'kinesis') await createKinesisStream(services.kinesis!, streamName, shape.shards);
    const onFailure = await sqs.send(new CreateQueueCommand({ QueueName: PIPELINE_RESOURCES.onFailure }));
    return {
      kind,
      streamName,
      queueUrl: '',
      deadLetterQueueUrl: '',
      onFailureQueueUrl: onFailure.QueueUrl ?? '',
      table,
    };
  }
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: PIPELINE_RESOURCES.deadLetter }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const source = await sqs.send(
    new CreateQueueCommand({
      QueueName: PIPELINE_RESOURCES.source,
      Attributes: {
        VisibilityTimeout: String(shape.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: shape.maxReceiveCount,
        }),
      },
    }),
  );
  const queueUrl = source.QueueUrl ?? '';
  return { kind, streamName, queueUrl, deadLetterQueueUrl: dlq.QueueUrl ?? '', onFailureQueueUrl: '' };
}

/**
 * Every record produced is settled at the source: deleted or dead-lettered (SQS), or
 * checkpointed past (Kinesis: `lastSequenceByShard` is the producer's last write to each shard).
 */
export async function sourceSettled(
  services: PipelineServices,
  source: PipelineSource,
  poller: SqsPoller | KinesisPoller,
  lastSequenceByShard: ReadonlyMap<string, bigint>,
): Promise<boolean> {
  if (source.kind === 'sqs') {
    const depth = await queueDepth(services.sqs, source.queueUrl);
    return depth.visible + depth.inFlight + depth.delayed === 0;
  }
  const checkpoints = (poller as KinesisPoller).checkpoints();
  return [...lastSequenceByShard].every(([shardId, last]) => {
    const checkpoint = checkpoints[shardId];
    return checkpoint !== undefined && BigInt(checkpoint) >= last;
  });
}

/** The payloads the source gave up: the dead-letter queue's, or the records the on-failure queue describes. */
export async function readDeadLettered(
  services: PipelineServices,
  source: PipelineSource,
): Promise<string[]> {
  if (source.kind === 'sqs') return drainQueue(services.sqs, source.deadLetterQueueUrl);
  if (source.table !== undefined) {
    return readDynamoDbDeadLettered(services.sqs, services.kinesis!, source.onFailureQueueUrl, source.table);
  }
  const payloads: string[] = [];
  for (const body of await drainQueue(services.sqs, source.onFailureQueueUrl)) {
    // As a user would: the on-failure record says which range of which shard to read again.
    const info = (JSON.parse(body) as KinesisFailureRecord).KinesisBatchInfo;
    const records = await readShard(services.kinesis!, source.streamName, info.shardId, {
      from: info.startSequenceNumber,
      to: info.endSequenceNumber,
    });
    for (const record of records)
      payloads.push(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
  }
  return payloads;
}

/** Records in the dead-letter queue so far (SQS; a Kinesis poller counts what it discards itself). */
export async function deadLetterDepth(services: PipelineServices, source: PipelineSource): Promise<number> {
  return source.kind === 'sqs' ? (await queueDepth(services.sqs, source.deadLetterQueueUrl)).visible : 0;
}
