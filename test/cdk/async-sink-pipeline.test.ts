import { Duration, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { DeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AsyncSinkPipeline, type AsyncSinkPipelineProps } from '../../cdk/async-sink-pipeline.js';
import {
  ALARM_DEFAULTS,
  FUNCTION_DEFAULTS,
  QUEUE_DEFAULTS,
  QUEUE_SOURCE_DEFAULTS,
  STREAM_SOURCE_DEFAULTS,
} from '../../cdk/defaults.js';
import { PipelineConfigurationError } from '../../cdk/pipeline-configuration-error.js';
import {
  allPolicyStatements,
  arnOf,
  type FlatStatement,
  literalParts,
  onlyLogicalId,
  stackWithoutBundling,
  statementsOfRole,
} from './cdk-test-support.js';

const FIREHOSE_ARN = 'arn:aws:firehose:us-east-1:111122223333:deliverystream/records';
const CUSTOM_ENTRY = new URL('./fixtures/custom-handler.ts', import.meta.url).pathname;
/** Long enough for the default function timeout: six times it. */
const SAFE_VISIBILITY = Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds * 6);

type SourceChoice = 'sqs' | 'kinesis';
type DestinationChoice = 'kinesis' | 'firehose' | 'sqs';

interface Built {
  readonly stack: Stack;
  readonly pipeline: AsyncSinkPipeline;
  readonly template: Template;
}

function sourceOf(stack: Stack, kind: SourceChoice): Queue | Stream {
  return kind === 'sqs'
    ? new Queue(stack, 'Source', { visibilityTimeout: SAFE_VISIBILITY })
    : new Stream(stack, 'Source', { encryption: StreamEncryption.MANAGED });
}

function destinationOf(stack: Stack, kind: DestinationChoice): AsyncSinkPipelineProps['destination'] {
  if (kind === 'kinesis') return new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED });
  if (kind === 'sqs') return new Queue(stack, 'Destination');
  return DeliveryStream.fromDeliveryStreamArn(stack, 'Destination', FIREHOSE_ARN);
}

function build(
  source: SourceChoice,
  destination: DestinationChoice,
  props: Partial<AsyncSinkPipelineProps> = {},
  stack = stackWithoutBundling(),
): Built {
  const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
    source: sourceOf(stack, source),
    destination: destinationOf(stack, destination),
    ...props,
  });
  return { stack, pipeline, template: Template.fromStack(stack) };
}

function functionEnvironment(template: Template): Record<string, unknown> {
  const functionId = onlyLogicalId(template, 'AWS::Lambda::Function');
  return template.toJSON().Resources[functionId].Properties.Environment.Variables;
}

function mappingProperties(template: Template): Record<string, unknown> {
  const mappingId = onlyLogicalId(template, 'AWS::Lambda::EventSourceMapping');
  return template.toJSON().Resources[mappingId].Properties;
}

function roleStatements(built: Built): FlatStatement[] {
  return statementsOfRole(
    built.template,
    built.stack.getLogicalId(built.pipeline.role.node.defaultChild as never),
  );
}

function logicalIdOf(built: Built, construct: { node: { defaultChild?: unknown } }): string {
  return built.stack.getLogicalId(construct.node.defaultChild as never);
}

/** What Lambda's event source mapping calls, as AWS documents it, written out so a widened grant fails. */
const SOURCE_READ = {
  sqs: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
  kinesis: [
    'kinesis:DescribeStream',
    'kinesis:DescribeStreamSummary',
    'kinesis:GetRecords',
    'kinesis:GetShardIterator',
    'kinesis:ListShards',
  ],
} as const;

const PAIRS = [
  {
    name: 'sqs-to-kinesis',
    source: 'sqs',
    destination: 'kinesis',
    variable: 'STREAM_NAME',
    write: ['kinesis:PutRecords'],
  },
  {
    name: 'sqs-to-firehose',
    source: 'sqs',
    destination: 'firehose',
    variable: 'DELIVERY_STREAM_NAME',
    write: ['firehose:PutRecordBatch'],
  },
  {
    name: 'kinesis-to-sqs',
    source: 'kinesis',
    destination: 'sqs',
    variable: 'QUEUE_URL',
    write: ['sqs:SendMessage'],
  },
  {
    name: 'kinesis-to-firehose',
    source: 'kinesis',
    destination: 'firehose',
    variable: 'DELIVERY_STREAM_NAME',
    write: ['firehose:PutRecordBatch'],
  },
] as const;

describe.each(PAIRS)('AsyncSinkPipeline defaults, $name', (pair) => {
  let built: Built;
  let sourceId: string;
  let destinationArn: unknown;
  let destinationAddress: unknown;

  beforeAll(() => {
    built = build(pair.source, pair.destination);
    sourceId = built.stack.getLogicalId(built.stack.node.findChild('Source').node.defaultChild as never);
    if (pair.destination === 'firehose') {
      destinationArn = FIREHOSE_ARN;
      destinationAddress = 'records';
    } else {
      const id = built.stack.getLogicalId(
        built.stack.node.findChild('Destination').node.defaultChild as never,
      );
      destinationArn = arnOf(id);
      destinationAddress = { Ref: id };
    }
  });

  it('picks the ready-made function of the pair, on Node.js 24, arm64, with the default timeout and memory', () => {
    // Arrange: built in beforeAll. Act + assert:
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: FUNCTION_DEFAULTS.timeoutSeconds,
      MemorySize: FUNCTION_DEFAULTS.memorySizeMb,
    });
    expect(built.pipeline.sourceKind).toBe(pair.source);
    expect(built.pipeline.destinationKind).toBe(pair.destination);
  });

  it('logs into its own log group, kept for the default retention', () => {
    const logGroupId = logicalIdOf(built, built.pipeline.logGroup);
    built.template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: FUNCTION_DEFAULTS.logRetentionDays,
    });
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
  });

  it('names the destination, the poison policy and the Powertools settings in the environment', () => {
    expect(functionEnvironment(built.template)).toEqual({
      [pair.variable]: destinationAddress,
      POISON_POLICY: 'retry',
      POWERTOOLS_SERVICE_NAME: pair.name,
      POWERTOOLS_METRICS_NAMESPACE: FUNCTION_DEFAULTS.metricsNamespace,
      NODE_OPTIONS: FUNCTION_DEFAULTS.nodeOptions,
    });
  });

  it('maps the source with ReportBatchItemFailures', () => {
    expect(mappingProperties(built.template)).toMatchObject({
      EventSourceArn: arnOf(sourceId),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants exactly: its logs, reading the source, the one write call on the destination, and its dead-letter sends', () => {
    const logGroupId = logicalIdOf(built, built.pipeline.logGroup);
    const expected: FlatStatement[] = [
      {
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [arnOf(logGroupId)],
      },
      { effect: 'Allow', actions: [...SOURCE_READ[pair.source]], resources: [arnOf(sourceId)] },
      { effect: 'Allow', actions: [...pair.write], resources: [destinationArn] },
    ];
    if (pair.source === 'kinesis') {
      const onFailureId = logicalIdOf(built, built.pipeline.deadLetterQueue as Queue);
      expected.push({ effect: 'Allow', actions: ['sqs:SendMessage'], resources: [arnOf(onFailureId)] });
    }

    const statements = roleStatements(built);

    expect(statements).toHaveLength(expected.length);
    expect(statements).toEqual(expect.arrayContaining(expected));
  });

  it('uses no AWS managed policy, no wildcard action and no wildcard resource', () => {
    built.template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    for (const statement of allPolicyStatements(built.template)) {
      expect(statement.actions.filter((action) => action.includes('*'))).toEqual([]);
      expect(statement.resources.flatMap(literalParts).filter((part) => part.includes('*'))).toEqual([]);
    }
  });

  it('creates its queues encrypted at rest and refusing requests without TLS', () => {
    const created = built.pipeline.deadLetterQueue as Queue;
    const queueId = logicalIdOf(built, created);
    expect(built.template.toJSON().Resources[queueId].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: Duration.days(QUEUE_DEFAULTS.retentionPeriodDays).toSeconds(),
    });
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('raises alarms on function errors, throttles and dead-letter depth, treating missing data as fine', () => {
    const alarms = built.template.findResources('AWS::CloudWatch::Alarm');
    const byMetric = Object.fromEntries(
      Object.values(alarms).map((alarm) => [alarm.Properties.MetricName, alarm.Properties]),
    );
    expect(byMetric.Errors).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Threshold: ALARM_DEFAULTS.functionErrors.threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(byMetric.Throttles).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 0 });
    expect(byMetric.ApproximateNumberOfMessagesVisible).toMatchObject({
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(built, built.pipeline.deadLetterQueue as Queue), 'QueueName'] },
        },
      ],
    });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
    expect(Object.keys(alarms)).toHaveLength(pair.source === 'kinesis' ? 4 : 3);
  });
});

describe.each(PAIRS.filter((pair) => pair.source === 'kinesis'))('stream source defaults, $name', (pair) => {
  let built: Built;

  beforeAll(() => {
    built = build(pair.source, pair.destination);
  });

  it('bisects on error, bounds retries and record age, and sends failures to an on-failure queue', () => {
    const onFailureId = logicalIdOf(built, built.pipeline.deadLetterQueue as Queue);
    expect(mappingProperties(built.template)).toMatchObject({
      BatchSize: STREAM_SOURCE_DEFAULTS.batchSize,
      StartingPosition: STREAM_SOURCE_DEFAULTS.startingPosition,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: STREAM_SOURCE_DEFAULTS.retryAttempts,
      MaximumRecordAgeInSeconds: STREAM_SOURCE_DEFAULTS.maxRecordAgeSeconds,
      ParallelizationFactor: STREAM_SOURCE_DEFAULTS.parallelizationFactor,
      DestinationConfig: { OnFailure: { Destination: arnOf(onFailureId) } },
    });
  });

  it('alarms on the iterator age', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Threshold: ALARM_DEFAULTS.iteratorAge.thresholdMs,
      EvaluationPeriods: ALARM_DEFAULTS.iteratorAge.evaluationPeriods,
      TreatMissingData: 'notBreaching',
    });
  });

  it('creates the mapping only after the role holds its grants', () => {
    const mappingId = onlyLogicalId(built.template, 'AWS::Lambda::EventSourceMapping');
    const policyId = onlyLogicalId(built.template, 'AWS::IAM::Policy');
    expect(built.template.toJSON().Resources[mappingId].DependsOn).toContain(policyId);
  });
});

describe.each(PAIRS.filter((pair) => pair.source === 'sqs'))('queue source defaults, $name', (pair) => {
  let built: Built;

  beforeAll(() => {
    built = build(pair.source, pair.destination);
  });

  it('attaches a redrive policy to a new dead-letter queue and sets only queue options on the mapping', () => {
    const sourceId = built.stack.getLogicalId(
      built.stack.node.findChild('Source').node.defaultChild as never,
    );
    const deadLetterId = logicalIdOf(built, built.pipeline.deadLetterQueue as Queue);
    expect(built.template.toJSON().Resources[sourceId].Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(deadLetterId),
      maxReceiveCount: QUEUE_SOURCE_DEFAULTS.maxReceiveCount,
    });
    const mapping = mappingProperties(built.template);
    expect(mapping.BatchSize).toBe(QUEUE_SOURCE_DEFAULTS.batchSize);
    for (const streamOnly of [
      'StartingPosition',
      'BisectBatchOnFunctionError',
      'MaximumRetryAttempts',
      'MaximumRecordAgeInSeconds',
      'ParallelizationFactor',
      'DestinationConfig',
    ]) {
      expect(mapping).not.toHaveProperty(streamOnly);
    }
  });
});

describe('the visibility-timeout check of a queue source', () => {
  const cases = [
    {
      name: 'SQS default (30 s) with the default timeout',
      visibility: undefined,
      timeout: undefined,
      fails: true,
    },
    { name: 'exactly six times the timeout', visibility: 180, timeout: 30, fails: false },
    { name: 'one second short of six times', visibility: 359, timeout: 60, fails: true },
    { name: 'well above six times', visibility: 900, timeout: 60, fails: false },
  ];

  it.each(cases)('$name: fails synth = $fails', ({ visibility, timeout, fails }) => {
    // Arrange
    const stack = stackWithoutBundling();
    const source = new Queue(stack, 'Source', {
      visibilityTimeout: visibility === undefined ? undefined : Duration.seconds(visibility),
    });
    new AsyncSinkPipeline(stack, 'Pipeline', {
      source,
      destination: new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED }),
      timeout: timeout === undefined ? undefined : Duration.seconds(timeout),
    });

    // Act
    const synth = () => Template.fromStack(stack);

    // Assert
    if (fails) expect(synth).toThrow(/visibility timeout .* less than 6 times the function timeout/);
    else expect(synth).not.toThrow();
  });

  it('is checked at synth time, so a visibility timeout fixed after the construct counts', () => {
    const stack = stackWithoutBundling();
    const source = new Queue(stack, 'Source');
    new AsyncSinkPipeline(stack, 'Pipeline', {
      source,
      destination: new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED }),
    });

    (source.node.defaultChild as { visibilityTimeout?: number }).visibilityTimeout = 180;

    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  it('cannot see an imported queue: no error, and a warning that no redrive policy was attached', () => {
    const stack = stackWithoutBundling();
    new AsyncSinkPipeline(stack, 'Pipeline', {
      source: Queue.fromQueueArn(stack, 'Source', 'arn:aws:sqs:us-east-1:111122223333:imported'),
      destination: new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED }),
    });

    const template = Template.fromStack(stack);

    Annotations.fromStack(stack).hasWarning('/Test/Pipeline', Match.stringLikeRegexp('no redrive policy'));
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:us-east-1:111122223333:imported',
    });
  });
});

describe('pass-through props', () => {
  it('sets batch size, batching window, maximum concurrency and filters on a queue mapping', () => {
    const { template } = build('sqs', 'kinesis', {
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 7,
      enabled: false,
      filters: [FilterCriteria.filter({ body: { type: FilterRule.isEqual('order') } })],
    });

    expect(mappingProperties(template)).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 7 },
      Enabled: false,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { type: ['order'] } }) }] },
    });
  });

  it('sets every stream option on a stream mapping', () => {
    const { template } = build('kinesis', 'firehose', {
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(2),
      parallelizationFactor: 4,
      startingPosition: StartingPosition.LATEST,
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      bisectBatchOnError: false,
      filters: [FilterCriteria.filter({ data: { kind: FilterRule.isEqual('a') } })],
    });

    expect(mappingProperties(template)).toMatchObject({
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 2,
      ParallelizationFactor: 4,
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: false,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sets the function timeout, memory and runtime', () => {
    const { template } = build('kinesis', 'sqs', {
      timeout: Duration.seconds(90),
      memorySize: 1024,
      runtime: Runtime.NODEJS_22_X,
    });

    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 90,
      MemorySize: 1024,
      Runtime: 'nodejs22.x',
    });
  });

  it('passes the tuning and extra environment through, the construct-owned variables winning', () => {
    const { template } = build('sqs', 'kinesis', {
      tuning: {
        maxInFlightRequests: 4,
        maxAttempts: 3,
        requestTimeout: Duration.seconds(2),
        throwOnFullBatchFailure: false,
        ordered: true,
        logPayloads: true,
        partitionKeyField: 'customerId',
      },
      environment: { EXTRA: 'x', NODE_OPTIONS: '--max-old-space-size=400' },
      serviceName: 'orders',
      metricsNamespace: 'Shop',
    });

    expect(functionEnvironment(template)).toMatchObject({
      MAX_IN_FLIGHT_REQUESTS: '4',
      MAX_ATTEMPTS: '3',
      REQUEST_TIMEOUT_MS: '2000',
      THROW_ON_FULL_BATCH_FAILURE: 'false',
      ORDERED: 'true',
      LOG_PAYLOADS: 'true',
      PARTITION_KEY_FIELD: 'customerId',
      EXTRA: 'x',
      NODE_OPTIONS: '--max-old-space-size=400',
      POWERTOOLS_SERVICE_NAME: 'orders',
      POWERTOOLS_METRICS_NAMESPACE: 'Shop',
    });
  });

  it('passes APPEND_NEWLINE to a Firehose function', () => {
    const { template } = build('kinesis', 'firehose', { tuning: { appendNewline: false } });

    expect(functionEnvironment(template)).toMatchObject({ APPEND_NEWLINE: 'false' });
  });
});

describe('dead-letter poison policy', () => {
  let built: Built;

  beforeAll(() => {
    built = build('sqs', 'firehose', { poisonPolicy: 'dead-letter' });
  });

  it('creates a secure poison queue, names it to the function and lets the function send to it', () => {
    const poison = built.pipeline.poisonDeadLetterQueue as Queue;
    const poisonId = logicalIdOf(built, poison);

    expect(functionEnvironment(built.template)).toMatchObject({
      POISON_POLICY: 'dead-letter',
      DEAD_LETTER_QUEUE_URL: { Ref: poisonId },
    });
    expect(built.template.toJSON().Resources[poisonId].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
    });
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', { Queues: [{ Ref: poisonId }] });
    expect(roleStatements(built)).toContainEqual({
      effect: 'Allow',
      actions: ['sqs:SendMessage'],
      resources: [arnOf(poisonId)],
    });
  });

  it('alarms on the poison queue depth', () => {
    const poisonId = logicalIdOf(built, built.pipeline.poisonDeadLetterQueue as Queue);
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [poisonId, 'QueueName'] } }],
    });
    expect(built.pipeline.alarms.poisonDeadLetterDepth).toBeDefined();
  });

  it('uses a given poison queue instead of creating one', () => {
    const stack = stackWithoutBundling();
    const given = new Queue(stack, 'Poison', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });

    const { pipeline } = build(
      'sqs',
      'kinesis',
      { poisonPolicy: 'dead-letter', poisonDeadLetterQueue: given },
      stack,
    );

    expect(pipeline.poisonDeadLetterQueue).toBe(given);
  });

  it('refuses a poison queue without the dead-letter policy', () => {
    const stack = stackWithoutBundling();
    const given = new Queue(stack, 'Poison');

    expect(() =>
      build('sqs', 'kinesis', { poisonPolicy: 'drop', poisonDeadLetterQueue: given }, stack),
    ).toThrow(PipelineConfigurationError);
  });
});

describe('KMS grants follow the keys the construct can see', () => {
  it('grants kms:GenerateDataKey on a Kinesis destination key and kms:Decrypt on a Kinesis source key', () => {
    const stack = stackWithoutBundling();
    const sourceKey = new Key(stack, 'SourceKey', { enableKeyRotation: true });
    const destinationKey = new Key(stack, 'DestinationKey', { enableKeyRotation: true });
    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source: new Stream(stack, 'Source', { encryptionKey: sourceKey }),
      destination: new Stream(stack, 'Destination', { encryptionKey: destinationKey }),
      entry: CUSTOM_ENTRY,
    });
    const built = { stack, pipeline, template: Template.fromStack(stack) };

    const statements = roleStatements(built);

    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['kms:GenerateDataKey'],
      resources: [arnOf(logicalIdOf(built, destinationKey))],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['kms:Decrypt'],
      resources: [arnOf(logicalIdOf(built, sourceKey))],
    });
    expect(
      statements.filter((statement) => statement.actions.some((a) => a.startsWith('kms:'))),
    ).toHaveLength(2);
  });

  it('grants kms:GenerateDataKey and kms:Decrypt on an SQS destination key, kms:Decrypt on an SQS source key', () => {
    const stack = stackWithoutBundling();
    const sourceKey = new Key(stack, 'SourceKey', { enableKeyRotation: true });
    const destinationKey = new Key(stack, 'DestinationKey', { enableKeyRotation: true });
    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source: new Queue(stack, 'Source', {
        encryptionMasterKey: sourceKey,
        visibilityTimeout: SAFE_VISIBILITY,
      }),
      destination: new Queue(stack, 'Destination', { encryptionMasterKey: destinationKey }),
      entry: CUSTOM_ENTRY,
    });
    const built = { stack, pipeline, template: Template.fromStack(stack) };

    const statements = roleStatements(built);

    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [arnOf(logicalIdOf(built, destinationKey))],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['kms:Decrypt'],
      resources: [arnOf(logicalIdOf(built, sourceKey))],
    });
  });
});

describe('imported resources', () => {
  it('grants on the ARNs it was given', () => {
    const stack = stackWithoutBundling();
    const sourceArn = 'arn:aws:kinesis:us-east-1:111122223333:stream/in';
    const destinationArn = 'arn:aws:sqs:us-east-1:111122223333:out';
    const onFailure = Queue.fromQueueArn(stack, 'OnFailure', 'arn:aws:sqs:us-east-1:111122223333:failed');
    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source: Stream.fromStreamArn(stack, 'Source', sourceArn),
      destination: Queue.fromQueueArn(stack, 'Destination', destinationArn),
      deadLetterQueue: onFailure,
    });
    const built = { stack, pipeline, template: Template.fromStack(stack) };

    const statements = roleStatements(built);

    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: [...SOURCE_READ.kinesis],
      resources: [sourceArn],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['sqs:SendMessage'],
      resources: [destinationArn],
    });
    expect(statements).toContainEqual({
      effect: 'Allow',
      actions: ['sqs:SendMessage'],
      resources: ['arn:aws:sqs:us-east-1:111122223333:failed'],
    });
    built.template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(functionEnvironment(built.template).QUEUE_URL).toEqual({
      'Fn::Join': ['', ['https://sqs.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/111122223333/out']],
    });
  });
});

describe('queue sources with their own dead-letter queue', () => {
  it('uses the dead-letter queue the source was declared with', () => {
    const stack = stackWithoutBundling();
    const declared = new Queue(stack, 'Declared');
    const source = new Queue(stack, 'Source', {
      visibilityTimeout: SAFE_VISIBILITY,
      deadLetterQueue: { queue: declared, maxReceiveCount: 3 },
    });

    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source,
      destination: DeliveryStream.fromDeliveryStreamArn(stack, 'Destination', FIREHOSE_ARN),
    });
    const template = Template.fromStack(stack);

    expect(pipeline.deadLetterQueue).toBe(declared);
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  it('gives a FIFO source a FIFO dead-letter queue', () => {
    const stack = stackWithoutBundling();
    const source = new Queue(stack, 'Source', { fifo: true, visibilityTimeout: SAFE_VISIBILITY });

    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source,
      destination: new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED }),
    });
    const template = Template.fromStack(stack);

    const deadLetterId = stack.getLogicalId((pipeline.deadLetterQueue as Queue).node.defaultChild as never);
    expect(template.toJSON().Resources[deadLetterId].Properties).toMatchObject({ FifoQueue: true });
  });
});

describe('alarm actions', () => {
  it('adds the given actions, and later ones, to every alarm', () => {
    const stack = stackWithoutBundling();
    const early = new Topic(stack, 'Early');
    const late = new Topic(stack, 'Late');
    const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
      source: sourceOf(stack, 'kinesis'),
      destination: destinationOf(stack, 'sqs'),
      alarmActions: [new SnsAction(early)],
    });

    pipeline.addAlarmAction(new SnsAction(late));
    const template = Template.fromStack(stack);

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(pipeline.allAlarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: stack.getLogicalId(early.node.defaultChild as never) },
        { Ref: stack.getLogicalId(late.node.defaultChild as never) },
      ]);
    }
  });
});

describe('per-shard pacing and aggregation of a Kinesis destination', () => {
  function destinationArnOf(built: Built): unknown {
    return arnOf(
      built.stack.getLogicalId(built.stack.node.findChild('Destination').node.defaultChild as never),
    );
  }

  it('passes SHARD_RATE_LIMIT, SHARD_MAX_WAIT_MS and KPL_AGGREGATION, and grants ListShards on the one stream', () => {
    const built = build('sqs', 'kinesis', {
      tuning: { shardRateLimit: 'defer', shardMaxWait: Duration.millis(250), aggregation: true },
    });

    expect(functionEnvironment(built.template)).toMatchObject({
      SHARD_RATE_LIMIT: 'defer',
      SHARD_MAX_WAIT_MS: '250',
      KPL_AGGREGATION: 'true',
    });
    expect(roleStatements(built)).toContainEqual({
      effect: 'Allow',
      actions: ['kinesis:ListShards'],
      resources: [destinationArnOf(built)],
    });
  });

  it.each([
    { name: 'pacing', tuning: { shardRateLimit: 'retry' } },
    { name: 'aggregation', tuning: { aggregation: true } },
  ] as const)('grants ListShards for $name alone', ({ tuning }) => {
    const built = build('sqs', 'kinesis', { tuning });

    const listShards = roleStatements(built).filter(
      (statement) =>
        statement.actions.includes('kinesis:ListShards') &&
        statement.resources.length === 1 &&
        JSON.stringify(statement.resources[0]) === JSON.stringify(destinationArnOf(built)),
    );
    expect(listShards).toHaveLength(1);
  });

  it('grants no ListShards on the destination when neither is on', () => {
    const built = build('sqs', 'kinesis', { tuning: { shardRateLimit: 'off', aggregation: false } });

    const statements = roleStatements(built);
    expect(statements.filter((statement) => statement.actions.includes('kinesis:ListShards'))).toEqual([]);
    expect(functionEnvironment(built.template)).toMatchObject({
      SHARD_RATE_LIMIT: 'off',
      KPL_AGGREGATION: 'false',
    });
  });

  it.each([
    {
      name: 'defer on a stream source',
      source: 'kinesis',
      destination: 'kinesis',
      tuning: { shardRateLimit: 'defer' },
      message: /'defer' gives records back to the source.*use 'retry' for a kinesis source/,
    },
    {
      name: 'a wait without pacing',
      source: 'sqs',
      destination: 'kinesis',
      tuning: { shardMaxWait: Duration.seconds(1) },
      message: /shardMaxWait applies only with tuning.shardRateLimit/,
    },
    {
      name: 'aggregation on Firehose',
      source: 'sqs',
      destination: 'firehose',
      tuning: { aggregation: true },
      message: /tuning.aggregation applies only to a kinesis destination/,
    },
  ] as const)('refuses $name', ({ source, destination, tuning, message }) => {
    // Your own entry: no ready-made function forwards Kinesis to Kinesis, and the check is the construct's.
    expect(() => build(source, destination, { tuning, entry: CUSTOM_ENTRY })).toThrow(message);
  });
});

describe('props that do not fit', () => {
  it.each([
    { name: 'a queue-only prop on a stream source', source: 'kinesis', props: { maxConcurrency: 5 } },
    { name: 'a stream-only prop on a queue source', source: 'sqs', props: { parallelizationFactor: 2 } },
    {
      name: 'a Kinesis-only tuning on Firehose',
      source: 'sqs',
      props: { tuning: { partitionKeyField: 'id' } },
    },
    { name: 'a construct-owned variable', source: 'sqs', props: { environment: { STREAM_NAME: 'other' } } },
    { name: 'a batch above ten without a window', source: 'sqs', props: { batchSize: 50 } },
    { name: 'an unsupported runtime', source: 'sqs', props: { runtime: Runtime.NODEJS_20_X } },
  ] as const)('refuses $name', ({ source, props }) => {
    expect(() => build(source, 'firehose', props as Partial<AsyncSinkPipelineProps>)).toThrow(
      PipelineConfigurationError,
    );
  });

  it('refuses a pair with no ready-made function, and builds it with your own entry', () => {
    expect(() => build('sqs', 'sqs')).toThrow(/No ready-made function forwards sqs to sqs/);

    const { template } = build('sqs', 'sqs', { entry: CUSTOM_ENTRY });

    expect(Object.keys(functionEnvironment(template))).toContain('QUEUE_URL');
  });
});
