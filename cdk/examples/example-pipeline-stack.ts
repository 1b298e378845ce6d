import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AsyncSinkPipeline } from '../async-sink-pipeline.js';
import { FUNCTION_DEFAULTS, QUEUE_DEFAULTS, QUEUE_SOURCE_DEFAULTS } from '../defaults.js';
import { cloudWatchNamespace, type PipelineDestination, type PipelineSource } from '../endpoints.js';
import { READY_MADE_FUNCTIONS, type ReadyMadeFunctionName } from '../ready-made-functions.js';
import { createSecureQueue } from '../secure-queue.js';
import { S3DeliveryStream } from './s3-delivery-stream.js';

/** The example pipelines, one per ready-made function; `-c pipeline=<name>` picks one. */
export const EXAMPLE_PIPELINES = READY_MADE_FUNCTIONS;
export type ExamplePipelineName = ReadyMadeFunctionName;

/** The example resources' settings, as data. */
export const EXAMPLE_DEFAULTS = {
  stackNamePrefix: 'lambda-async-sink-',
  streamShardCount: 1,
  streamRetentionHours: 24,
} as const;

/** The stack name of an example pipeline, e.g. `lambda-async-sink-sqs-to-kinesis`. */
export function exampleStackName(pipeline: ExamplePipelineName): string {
  return `${EXAMPLE_DEFAULTS.stackNamePrefix}${pipeline}`;
}

/** The example pipeline of that name, or an error that lists the names there are. */
export function parseExamplePipeline(name: unknown): ExamplePipelineName {
  const found = EXAMPLE_PIPELINES.find((candidate) => candidate === name);
  if (!found) {
    throw new Error(
      `Unknown pipeline ${JSON.stringify(name)}: use -c pipeline=<${EXAMPLE_PIPELINES.join('|')}>`,
    );
  }
  return found;
}

/** Props of {@link ExamplePipelineStack}. */
export interface ExamplePipelineStackProps extends StackProps {
  /** Which pipeline to build. */
  readonly pipeline: ExamplePipelineName;
}

/**
 * A whole example deployment: a new source, a new destination (a Firehose one delivers
 * into a new S3 bucket) and the {@link AsyncSinkPipeline} between them. The streams and
 * queues are deleted with the stack; the buckets are kept, with what was delivered.
 */
export class ExamplePipelineStack extends Stack {
  /** The pipeline construct. */
  readonly pipeline: AsyncSinkPipeline;

  constructor(scope: Construct, id: string, props: ExamplePipelineStackProps) {
    super(scope, id, props);
    const [sourceKind, destinationKind] = props.pipeline.split('-to-');
    const source = this.createSource(sourceKind);
    const destination = this.createDestination(destinationKind);
    this.pipeline = new AsyncSinkPipeline(this, 'Pipeline', { source, destination });

    new CfnOutput(this, 'SourceName', { value: nameOf(source) });
    new CfnOutput(this, 'DestinationName', { value: nameOf(destination) });
    new CfnOutput(this, 'FunctionName', { value: this.pipeline.lambdaFunction.functionName });
  }

  private createSource(kind: string | undefined): Exclude<PipelineSource, string> {
    if (kind === 'sqs') return this.createSourceQueue();
    if (kind === 'dynamodb') return this.createSourceTable();
    return this.createStream('SourceStream');
  }

  private createSourceTable(): Table {
    return new Table(this, 'SourceTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Both images: the function writes the new image, or the keys and old image on REMOVE.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  private createSourceQueue(): Exclude<PipelineSource, string> {
    // Six times the function timeout, as AWS asks; the pipeline attaches the dead-letter queue.
    const visibility = FUNCTION_DEFAULTS.timeoutSeconds * QUEUE_SOURCE_DEFAULTS.visibilityTimeoutFactor;
    return createSecureQueue(this, 'SourceQueue', { visibilityTimeout: Duration.seconds(visibility) });
  }

  private createStream(id: string): Stream {
    return new Stream(this, id, {
      shardCount: EXAMPLE_DEFAULTS.streamShardCount,
      retentionPeriod: Duration.hours(EXAMPLE_DEFAULTS.streamRetentionHours),
      // Encrypted with the AWS managed key aws/kinesis: at rest, with no key policy to manage.
      encryption: StreamEncryption.MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  private createDestination(kind: string | undefined): PipelineDestination {
    switch (kind) {
      case 'kinesis':
        return this.createStream('DestinationStream');
      case 'firehose':
        return new S3DeliveryStream(this, 'Delivery').deliveryStream;
      case 'sqs':
        return createSecureQueue(this, 'DestinationQueue', {
          deadLetterQueue: {
            queue: createSecureQueue(this, 'DestinationDeadLetterQueue'),
            maxReceiveCount: QUEUE_SOURCE_DEFAULTS.maxReceiveCount,
          },
          retentionPeriod: Duration.days(QUEUE_DEFAULTS.retentionPeriodDays),
        });
      case 'dynamodb':
        return new Table(this, 'DestinationTable', {
          partitionKey: { name: 'id', type: AttributeType.STRING },
          billingMode: BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          removalPolicy: RemovalPolicy.DESTROY,
        });
      case 'eventbridge':
        return new EventBus(this, 'DestinationBus');
      case 'sns':
        // Encrypted with the AWS managed key aws/sns: at rest, with no key policy to manage.
        return new Topic(this, 'DestinationTopic', {
          enforceSSL: true,
          masterKey: Alias.fromAliasName(this, 'DestinationTopicKey', 'alias/aws/sns'),
        });
      case 'cloudwatch':
        return cloudWatchNamespace(`LambdaAsyncSink/${this.stackName}`);
      default:
        throw new Error(`No example destination of kind ${kind}`);
    }
  }
}

function nameOf(resource: Exclude<PipelineSource, string> | PipelineDestination): string {
  if ('tableName' in resource) return resource.tableName;
  if ('queueName' in resource) return resource.queueName;
  if ('deliveryStreamName' in resource) return resource.deliveryStreamName;
  if ('eventBusName' in resource) return resource.eventBusName;
  if ('topicName' in resource) return resource.topicName;
  if ('metricNamespace' in resource) return resource.metricNamespace;
  return resource.streamName;
}
