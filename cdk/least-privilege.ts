import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { DestinationKind, SourceKind } from './endpoints.js';

/**
 * The IAM actions the constructs grant, as data. Each list is what the caller really
 * calls, nothing more: CDK's `grantWrite`/`grantConsumeMessages` helpers add actions
 * the function never uses, so they are not used here.
 */
export const IAM_ACTIONS = {
  /** What Lambda's event source mapping calls on the source, with the function's role. */
  sourceRead: {
    sqs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    kinesis: [
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
    ],
    // ListStreams too: Lambda's guide lists it among what a DynamoDB stream's mapping needs, and
    // AWS's own example policy grants it on the table's streams, so it stays on the one stream.
    dynamodb: [
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ],
  },
  /** An S3 bucket as a stream source's on-failure destination: Lambda writes the whole invocation record. */
  failureBucket: ['s3:PutObject', 's3:ListBucket'],
  /** What writing to a bucket encrypted with a customer managed key needs. */
  failureBucketKey: ['kms:GenerateDataKey'],
  /** The one write call the function makes (SendMessageBatch is authorized by sqs:SendMessage), and what it must read to make it safely. */
  destinationWrite: {
    kinesis: ['kinesis:PutRecords'],
    firehose: ['firehose:PutRecordBatch'],
    sqs: ['sqs:SendMessage'],
    dynamodb: ['dynamodb:BatchWriteItem'],
    // DescribeEventBus before the first PutEvents: for a missing bus PutEvents answers success
    // and drops the events, so the destination checks the bus exists (lib/destinations/event-bus-check.ts).
    eventbridge: ['events:PutEvents', 'events:DescribeEventBus'],
    // PublishBatch is authorized by sns:Publish.
    sns: ['sns:Publish'],
    cloudwatch: ['cloudwatch:PutMetricData'],
  },
  /** A Kinesis destination with per-shard pacing or aggregation reads the stream's shard map. */
  destinationShardMap: ['kinesis:ListShards'],
  /** What the event source mapping needs on the source's customer managed key. */
  sourceKey: ['kms:Decrypt'],
  /** What a producer to each destination needs on the destination's customer managed key. */
  destinationKey: {
    kinesis: ['kms:GenerateDataKey'],
    // Firehose encrypts with its own grant on the key: a producer needs no KMS permission.
    firehose: [],
    sqs: ['kms:GenerateDataKey', 'kms:Decrypt'],
    // A write to a table under a customer managed key encrypts and decrypts with it.
    dynamodb: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
    eventbridge: [],
    sns: ['kms:GenerateDataKey', 'kms:Decrypt'],
    cloudwatch: [],
  },
  /** Lambda writing the function's own logs into its log group. */
  logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
} as const satisfies {
  sourceRead: Record<SourceKind, readonly string[]>;
  failureBucket: readonly string[];
  failureBucketKey: readonly string[];
  destinationWrite: Record<DestinationKind, readonly string[]>;
  destinationShardMap: readonly string[];
  sourceKey: readonly string[];
  destinationKey: Record<DestinationKind, readonly string[]>;
  logs: readonly string[];
};

/** Grants exactly these actions on exactly these resources, in the grantee's own policy, under these conditions. */
export function grantExactly(
  grantee: IGrantable,
  actions: readonly string[],
  resourceArns: string[],
  conditions?: Record<string, Record<string, string>>,
): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: [...actions],
    resourceArns,
    ...(conditions ? { conditions } : {}),
  });
}

/** Grants these actions on the key, when there is a customer managed key to grant on. */
export function grantOnKey(grantee: IGrantable, key: IKey | undefined, actions: readonly string[]): void {
  key?.grant(grantee, ...actions);
}

/** Grants sending to a queue: sqs:SendMessage and, for a customer managed key, what an SQS producer needs. */
export function grantSendToQueue(
  grantee: IGrantable,
  queue: { readonly queueArn: string; readonly encryptionMasterKey?: IKey },
): Grant {
  grantOnKey(grantee, queue.encryptionMasterKey, IAM_ACTIONS.destinationKey.sqs);
  return grantExactly(grantee, IAM_ACTIONS.destinationWrite.sqs, [queue.queueArn]);
}
