import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { MetricType, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it, vi } from 'vitest';
import { AsyncSinkPipeline, type AsyncSinkPipelineProps } from '../../cdk/async-sink-pipeline.js';
import { FUNCTION_DEFAULTS, STREAM_SOURCE_DEFAULTS } from '../../cdk/defaults.js';
import { PipelineConfigurationError } from '../../cdk/pipeline-configuration-error.js';
import { arnOf, onlyLogicalId, stackWithoutBundling, statementsOfRole } from './cdk-test-support.js';

// Synthesizing a table is slow on a shared machine under the full suite.
vi.setConfig({ testTimeout: 180_000 });

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2026-11-26T00:00:00.000';
const SAFE_VISIBILITY = Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds * 6);

type SourceChoice = 'sqs' | 'kinesis' | 'dynamodb';

function sourceOf(stack: Stack, kind: SourceChoice): AsyncSinkPipelineProps['source'] {
  if (kind === 'sqs') return new Queue(stack, 'Source', { visibilityTimeout: SAFE_VISIBILITY });
  if (kind === 'kinesis') return new Stream(stack, 'Source', { encryption: StreamEncryption.MANAGED });
  return new Table(stack, 'Source', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    stream: StreamViewType.NEW_AND_OLD_IMAGES,
  });
}

/** A destination a ready-made function writes to from that source: a queue behind Kinesis, else a stream. */
function destinationFor(
  stack: Stack,
  source: AsyncSinkPipelineProps['source'],
): AsyncSinkPipelineProps['destination'] {
  return source instanceof Stream
    ? new Queue(stack, 'Destination')
    : new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED });
}

function buildWith(
  make: (stack: Stack) => AsyncSinkPipelineProps['source'],
  props: Partial<AsyncSinkPipelineProps> = {},
) {
  const stack = stackWithoutBundling();
  const source = make(stack);
  const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
    source,
    destination: destinationFor(stack, source),
    ...props,
  });
  return { stack, pipeline, template: Template.fromStack(stack) };
}

/** A pipeline from a new source of that kind, or from a stream ARN. */
function build(source: SourceChoice | `arn:${string}`, props: Partial<AsyncSinkPipelineProps> = {}) {
  return buildWith(
    (stack) => (source.startsWith('arn:') ? source : sourceOf(stack, source as SourceChoice)),
    props,
  );
}

function roleStatements(template: Template) {
  return statementsOfRole(template, onlyLogicalId(template, 'AWS::IAM::Role'));
}

describe('a DynamoDB stream source', () => {
  it('maps the table stream with the stream defaults, bisecting, bounded, with an on-failure queue', () => {
    const { template, pipeline } = build('dynamodb');

    const table = onlyLogicalId(template, 'AWS::DynamoDB::Table');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      StartingPosition: STREAM_SOURCE_DEFAULTS.startingPosition,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: STREAM_SOURCE_DEFAULTS.retryAttempts,
      MaximumRecordAgeInSeconds: STREAM_SOURCE_DEFAULTS.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    expect(pipeline.sourceKind).toBe('dynamodb');
    expect(pipeline.deadLetterQueue).toBeDefined();
    expect(pipeline.alarms.iteratorAge).toBeDefined();
  });

  it('uses the ready-made dynamodb-to-kinesis function', () => {
    const { template } = build('dynamodb');

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'dynamodb-to-kinesis' }) },
    });
  });

  it('grants reading the one stream and nothing else of DynamoDB', () => {
    const { template } = build('dynamodb');

    const table = onlyLogicalId(template, 'AWS::DynamoDB::Table');
    const statements = roleStatements(template);
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ],
      resources: [{ 'Fn::GetAtt': [table, 'StreamArn'] }],
    });
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('dynamodb:'))).toHaveLength(4);
  });

  it('grants kms:Decrypt on the table key of a customer-managed table', () => {
    const { template } = buildWith(
      (stack) =>
        new Table(stack, 'Source', {
          partitionKey: { name: 'pk', type: AttributeType.STRING },
          stream: StreamViewType.NEW_IMAGE,
          encryption: TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: new Key(stack, 'TableKey'),
        }),
    );

    const key = onlyLogicalId(template, 'AWS::KMS::Key');
    expect(roleStatements(template)).toContainEqual({
      effect: 'Allow',
      actions: ['kms:Decrypt'],
      resources: [arnOf(key)],
    });
  });

  it('accepts a stream ARN, and an imported table with its stream ARN', () => {
    const byArn = build(STREAM_ARN);
    const imported = buildWith((stack) =>
      Table.fromTableAttributes(stack, 'Imported', { tableName: 'orders', tableStreamArn: STREAM_ARN }),
    );

    for (const { template } of [byArn, imported]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: STREAM_ARN });
    }
  });

  it('refuses a table without a stream, and an ARN that is no DynamoDB stream, saying what to do', () => {
    const noStream = () =>
      buildWith(
        (stack) => new Table(stack, 'Source', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
      );

    expect(noStream).toThrow(PipelineConfigurationError);
    expect(noStream).toThrow(/no stream: create it with `stream: StreamViewType.NEW_AND_OLD_IMAGES`/);
    expect(() => build('arn:aws:sqs:us-east-1:111122223333:queue')).toThrow(/not a DynamoDB stream ARN/);
  });

  it.each([
    [
      'startingPositionTimestamp',
      { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: 1 },
    ],
    ['maxConcurrency', { maxConcurrency: 5 }],
    ['provisionedPollers', { provisionedPollers: { minimumPollers: 2 } }],
  ] as const)('refuses %s, which a DynamoDB stream does not take', (prop, props) => {
    expect(() => build('dynamodb', props as Partial<AsyncSinkPipelineProps>)).toThrow(
      new RegExp(`${prop} applies only to a .* source, not to dynamodb`),
    );
  });
});

describe('an S3 bucket as the on-failure destination', () => {
  it.each(['kinesis', 'dynamodb'] as const)(
    'of a %s source: no queue, PutObject on its objects, ListBucket on it',
    (kind) => {
      const stack = stackWithoutBundling();
      const bucket = new Bucket(stack, 'Failures');
      const source = sourceOf(stack, kind);

      const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
        source,
        destination: destinationFor(stack, source),
        onFailureBucket: bucket,
      });

      const template = Template.fromStack(stack);
      const bucketId = onlyLogicalId(template, 'AWS::S3::Bucket');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        DestinationConfig: { OnFailure: { Destination: arnOf(bucketId) } },
      });
      // The only queue left is a Kinesis source's destination.
      template.resourceCountIs('AWS::SQS::Queue', kind === 'kinesis' ? 1 : 0);
      expect(pipeline.deadLetterQueue).toBeUndefined();
      const statements = roleStatements(template);
      expect(statements).toContainEqual({
        effect: 'Allow',
        actions: ['s3:PutObject'],
        resources: [{ 'Fn::Join': ['', [arnOf(bucketId), '/*']] }],
      });
      expect(statements).toContainEqual({
        effect: 'Allow',
        actions: ['s3:ListBucket'],
        resources: [arnOf(bucketId)],
      });
    },
  );

  it('is refused for an SQS source, and beside a deadLetterQueue', () => {
    const bucketFor = (stack: Stack) => new Bucket(stack, 'Failures');

    expect(() => {
      const stack = stackWithoutBundling();
      new AsyncSinkPipeline(stack, 'Pipeline', {
        source: sourceOf(stack, 'sqs'),
        destination: new Stream(stack, 'Destination'),
        onFailureBucket: bucketFor(stack),
      });
    }).toThrow(/onFailureBucket applies only to a kinesis or dynamodb source, not to sqs/);
    expect(() => {
      const stack = stackWithoutBundling();
      new AsyncSinkPipeline(stack, 'Pipeline', {
        source: sourceOf(stack, 'kinesis'),
        destination: new Queue(stack, 'Destination'),
        onFailureBucket: bucketFor(stack),
        deadLetterQueue: new Queue(stack, 'Dlq'),
      });
    }).toThrow(/both on-failure destinations/);
  });
});

describe('event source mapping metrics', () => {
  it.each(['sqs', 'kinesis', 'dynamodb'] as const)('are set on a %s source', (kind) => {
    const { template } = build(kind, {
      eventSourceMappingMetrics: [MetricType.EVENT_COUNT, MetricType.ERROR_COUNT],
    });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount'] },
    });
  });

  it('are off unless asked for, and Kafka metrics are refused', () => {
    const { template } = build('kinesis');

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MetricsConfig: Match.absent() });
    expect(() => build('kinesis', { eventSourceMappingMetrics: [MetricType.KAFKA_METRICS] })).toThrow(
      /KafkaMetrics is not a metric of a kinesis source/,
    );
  });
});

describe('provisioned mode', () => {
  it.each(['sqs', 'kinesis'] as const)('sets the pollers of a %s source', (kind) => {
    const { template } = build(kind, { provisionedPollers: { minimumPollers: 2, maximumPollers: 20 } });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 20 },
    });
  });

  it.each([
    ['sqs', { minimumPollers: 1 }, /minimumPollers must be an integer from 2 to 200 for a sqs source; got 1/],
    ['kinesis', { maximumPollers: 2_001 }, /maximumPollers must be an integer from 1 to 2000/],
    [
      'sqs',
      { minimumPollers: 10, maximumPollers: 5 },
      /minimumPollers \(10\) must not exceed maximumPollers \(5\)/,
    ],
  ] as const)('refuses pollers out of range for %s: %j', (kind, pollers, message) => {
    expect(() => build(kind, { provisionedPollers: pollers })).toThrow(message);
  });
});
