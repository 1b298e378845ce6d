import { Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DestinationKind } from '../functions/contract.js';
import { SourceKind } from '../lib/sources/source-event.js';

/**
 * What a pipeline reads from: an SQS queue, a Kinesis data stream, a DynamoDB table with
 * a stream (new or imported with its `tableStreamArn`), or a DynamoDB stream's ARN.
 */
export type PipelineSource = IQueue | IStream | ITable | string;

/** A CloudWatch metrics namespace as a destination: see {@link cloudWatchNamespace}. */
export interface CloudWatchNamespace {
  /** The namespace the metrics go to, e.g. `MyApp/Orders`. */
  readonly metricNamespace: string;
}

/** A CloudWatch metrics namespace to use as a pipeline's destination. */
export function cloudWatchNamespace(metricNamespace: string): CloudWatchNamespace {
  return { metricNamespace };
}

/**
 * Where a pipeline writes to: a Kinesis data stream, a Firehose delivery stream, an SQS
 * queue, a DynamoDB table, an EventBridge event bus, an SNS topic or a CloudWatch namespace.
 */
export type PipelineDestination =
  | IStream
  | IDeliveryStream
  | IQueue
  | ITable
  | IEventBus
  | ITopic
  | CloudWatchNamespace;

export { DestinationKind, SourceKind };

/** A source, told apart by kind. */
export type ResolvedSource =
  | { readonly kind: typeof SourceKind.Sqs; readonly queue: IQueue }
  | { readonly kind: typeof SourceKind.Kinesis; readonly stream: IStream }
  | {
      readonly kind: typeof SourceKind.DynamoDB;
      /** `undefined` for a table without a stream: the construct says what to set. */
      readonly streamArn: string | undefined;
      /** The table's customer managed key, which the stream is encrypted with too. */
      readonly encryptionKey?: IKey;
    };

// arn:<partition>:dynamodb:<region>:<account>:table/<table>/stream/<label>
const DYNAMODB_STREAM_ARN = /^arn:[\w-]+:dynamodb:[\w-]+:\d{12}:table\/[\w.-]+\/stream\/.+$/;

/** A destination, told apart by kind, with what the function and its grants need of it. */
export interface ResolvedDestination {
  readonly kind: DestinationKind;
  /** The ARN the write call is granted on. */
  readonly arn: string;
  /** The value of the function's destination variable (a name or a queue URL). */
  readonly address: string;
  /** The customer managed key the destination is encrypted with, if the construct can see it. */
  readonly encryptionKey?: IKey;
  /** IAM condition keys the write is granted under (CloudWatch: the namespace). */
  readonly conditions?: Record<string, Record<string, string>>;
  /** A DynamoDB table's key attributes, when the construct can see its schema. */
  readonly tableKeys?: { readonly partitionKey: TableKey; readonly sortKey?: TableKey };
}

function isQueue(resource: PipelineSource | PipelineDestination): resource is IQueue {
  return typeof resource === 'object' && 'queueArn' in resource;
}

function isTable(resource: PipelineSource): resource is ITable {
  return typeof resource === 'object' && 'tableArn' in resource && 'tableName' in resource;
}

function isDeliveryStream(resource: PipelineDestination): resource is IDeliveryStream {
  return 'deliveryStreamArn' in resource;
}

/** Tells the source's kind: a queue, a Kinesis stream, or a DynamoDB table or stream ARN. Throws on an ARN of anything else. */
export function resolveSource(source: PipelineSource): ResolvedSource {
  if (typeof source === 'string') {
    if (!Token.isUnresolved(source) && !DYNAMODB_STREAM_ARN.test(source)) {
      throw new Error(
        `source ${JSON.stringify(source)} is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); pass a queue, a stream or a table as an object`,
      );
    }
    return { kind: SourceKind.DynamoDB, streamArn: source };
  }
  if (isQueue(source)) return { kind: SourceKind.Sqs, queue: source };
  if (isTable(source)) {
    return {
      kind: SourceKind.DynamoDB,
      streamArn: source.tableStreamArn,
      encryptionKey: source.encryptionKey,
    };
  }
  return { kind: SourceKind.Kinesis, stream: source };
}

/** A key attribute of a table's key schema: its name and type (`S`, `N` or `B`). */
export interface TableKey {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** What a new `Table` tells of its key schema: `schemaV2()` (aws-cdk-lib 2.2xx+), else the deprecated `schema()`. */
interface SchemaReader {
  schemaV2?: () => { partitionKeys: readonly TableKey[]; sortKeys: readonly TableKey[] };
  schema?: () => { partitionKey: TableKey; sortKey?: TableKey };
}

/**
 * A new `Table` can tell its key schema; an imported one cannot. Told by kind, not class.
 * `schemaV2()` when the user's aws-cdk-lib has it, so that synth prints no deprecation warning.
 */
function tableKeysOf(table: ITable): ResolvedDestination['tableKeys'] {
  const reader = table as ITable & SchemaReader;
  const key = ({ name, type }: TableKey): TableKey => ({ name, type });
  if (typeof reader.schemaV2 === 'function') {
    const { partitionKeys, sortKeys } = reader.schemaV2();
    // Multi-attribute keys have no one name a ready-made function could take: the user sets them.
    if (partitionKeys.length !== 1 || sortKeys.length > 1) return undefined;
    return {
      partitionKey: key(partitionKeys[0]),
      ...(sortKeys.length === 0 ? {} : { sortKey: key(sortKeys[0]) }),
    };
  }
  if (typeof reader.schema !== 'function') return undefined;
  const { partitionKey, sortKey } = reader.schema();
  return { partitionKey: key(partitionKey), ...(sortKey === undefined ? {} : { sortKey: key(sortKey) }) };
}

/** The newer destination kinds, told apart by the property only each has. */
function resolveNewerDestination(destination: PipelineDestination): ResolvedDestination | undefined {
  if ('tableArn' in destination) {
    return {
      kind: DestinationKind.DynamoDb,
      arn: destination.tableArn,
      address: destination.tableName,
      encryptionKey: destination.encryptionKey,
      tableKeys: tableKeysOf(destination),
    };
  }
  if ('eventBusArn' in destination) {
    return {
      kind: DestinationKind.EventBridge,
      arn: destination.eventBusArn,
      address: destination.eventBusName,
    };
  }
  if ('topicArn' in destination) {
    return {
      kind: DestinationKind.Sns,
      arn: destination.topicArn,
      address: destination.topicArn,
      encryptionKey: destination.masterKey,
    };
  }
  if ('metricNamespace' in destination) {
    // PutMetricData has no resource-level permission: the grant is on "*", under the namespace.
    return {
      kind: DestinationKind.CloudWatch,
      arn: '*',
      address: destination.metricNamespace,
      conditions: { StringEquals: { 'cloudwatch:namespace': destination.metricNamespace } },
    };
  }
  return undefined;
}

/** Tells the destination's kind, and what the function and its grants need of it. */
export function resolveDestination(destination: PipelineDestination): ResolvedDestination {
  const newer = resolveNewerDestination(destination);
  if (newer !== undefined) return newer;
  if (isQueue(destination)) {
    return {
      kind: DestinationKind.Sqs,
      arn: destination.queueArn,
      address: destination.queueUrl,
      encryptionKey: destination.encryptionMasterKey,
    };
  }
  if (isDeliveryStream(destination)) {
    // Firehose encrypts with its own grant on the key: a producer needs no KMS permission.
    return {
      kind: DestinationKind.Firehose,
      arn: destination.deliveryStreamArn,
      address: destination.deliveryStreamName,
    };
  }
  const stream = destination as IStream;
  return {
    kind: DestinationKind.Kinesis,
    arn: stream.streamArn,
    address: stream.streamName,
    encryptionKey: stream.encryptionKey,
  };
}
