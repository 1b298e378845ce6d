/**
 * The construct with the newer destination kinds: a DynamoDB table, an EventBridge bus, an
 * SNS topic and a CloudWatch namespace. Each gets its ready-made function, its variable, and
 * a grant of the one write call on that one resource (CloudWatch: under its namespace).
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it, vi } from 'vitest';
import { AsyncSinkPipeline, type AsyncSinkPipelineProps } from '../../cdk/async-sink-pipeline.js';
import { FUNCTION_DEFAULTS } from '../../cdk/defaults.js';
import { cloudWatchNamespace } from '../../cdk/endpoints.js';
import { PipelineConfigurationError } from '../../cdk/pipeline-configuration-error.js';
import { stackWithoutBundling, statementsOfRole } from './cdk-test-support.js';

const SAFE_VISIBILITY = Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds * 6);

function build(
  destination: (stack: Stack) => AsyncSinkPipelineProps['destination'],
  props: Partial<AsyncSinkPipelineProps> = {},
) {
  const stack = stackWithoutBundling();
  const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
    source: new Queue(stack, 'Source', { visibilityTimeout: SAFE_VISIBILITY }),
    destination: destination(stack),
    ...props,
  });
  const template = Template.fromStack(stack);
  const statements = statementsOfRole(template, stack.getLogicalId(pipeline.role.node.defaultChild as never));
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return {
    stack,
    pipeline,
    template,
    statements,
    environment: fn.Properties.Environment.Variables as Record<string, unknown>,
  };
}

const KINDS = [
  {
    kind: 'dynamodb',
    create: (stack: Stack) =>
      new Table(stack, 'Destination', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    variable: 'TABLE_NAME',
    write: ['dynamodb:BatchWriteItem'],
    resource: (stack: Stack) => ({
      'Fn::GetAtt': [
        stack.getLogicalId(stack.node.findChild('Destination').node.defaultChild as never),
        'Arn',
      ],
    }),
  },
  {
    kind: 'eventbridge',
    create: (stack: Stack) => new EventBus(stack, 'Destination'),
    variable: 'EVENT_BUS_NAME',
    // CDK sorts a statement's actions.
    write: ['events:DescribeEventBus', 'events:PutEvents'],
    resource: (stack: Stack) => ({
      'Fn::GetAtt': [
        stack.getLogicalId(stack.node.findChild('Destination').node.defaultChild as never),
        'Arn',
      ],
    }),
  },
  {
    kind: 'sns',
    create: (stack: Stack) => new Topic(stack, 'Destination'),
    variable: 'TOPIC_ARN',
    write: ['sns:Publish'],
    resource: (stack: Stack) => ({
      Ref: stack.getLogicalId(stack.node.findChild('Destination').node.defaultChild as never),
    }),
  },
  {
    kind: 'cloudwatch',
    create: () => cloudWatchNamespace('MyApp/Orders'),
    variable: 'METRIC_NAMESPACE',
    write: ['cloudwatch:PutMetricData'],
    resource: () => '*',
  },
] as const;

describe.each(KINDS)('a $kind destination', ({ kind, create, variable, write, resource }) => {
  it('is told by kind and gets its ready-made function and its variable', () => {
    const { pipeline, environment } = build(create);

    expect(pipeline.destinationKind).toBe(kind);
    expect(environment[variable]).toBeDefined();
    expect(environment.POWERTOOLS_SERVICE_NAME).toBe(`sqs-to-${kind}`);
  });

  it('grants the one write call on that one resource only', () => {
    const { stack, statements } = build(create);

    const writes = statements.filter((s) => s.actions.some((a) => write.includes(a as never)));
    expect(writes.map((s) => [s.actions, s.resources])).toEqual([[[...write], [resource(stack)]]]);
  });
});

describe('least privilege for the newer kinds', () => {
  it('grants cloudwatch:PutMetricData only under the pipeline’s namespace', () => {
    const { template } = build(() => cloudWatchNamespace('MyApp/Orders'));

    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statement = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((s: { Action: unknown }) => s.Action === 'cloudwatch:PutMetricData');
    expect(statement).toEqual({
      Action: 'cloudwatch:PutMetricData',
      Effect: 'Allow',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'MyApp/Orders' } },
    });
  });

  it('names a new table’s keys and their types to the function, and refuses an imported table without them', () => {
    // Table.schema() is deprecated (a warning at synth): schemaV2() is read instead.
    const deprecatedSchema = vi.spyOn(Table.prototype, 'schema');
    const { environment } = build(
      (stack) =>
        new Table(stack, 'Destination', {
          partitionKey: { name: 'pk', type: AttributeType.STRING },
          sortKey: { name: 'sk', type: AttributeType.NUMBER },
        }),
    );
    expect(environment).toMatchObject({
      TABLE_PARTITION_KEY: 'pk',
      TABLE_PARTITION_KEY_TYPE: 'S',
      TABLE_SORT_KEY: 'sk',
      TABLE_SORT_KEY_TYPE: 'N',
    });
    expect(deprecatedSchema).not.toHaveBeenCalled();
    deprecatedSchema.mockRestore();

    const imported = (stack: Stack) => Table.fromTableName(stack, 'Destination', 'orders');
    expect(() => build(imported)).toThrow(PipelineConfigurationError);
    expect(() => build(imported)).toThrow(/tuning.tablePartitionKey/);
    expect(
      build(imported, { tuning: { tablePartitionKey: 'id', tablePartitionKeyType: 'N' } }).environment,
    ).toMatchObject({
      TABLE_NAME: 'orders',
      TABLE_PARTITION_KEY: 'id',
      TABLE_PARTITION_KEY_TYPE: 'N',
    });
  });

  it('grants what a writer needs on the customer managed key of a table and of a topic', () => {
    for (const create of [
      (stack: Stack) =>
        new Table(stack, 'Destination', {
          partitionKey: { name: 'pk', type: AttributeType.STRING },
          encryption: TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: new Key(stack, 'Key'),
        }),
      (stack: Stack) => new Topic(stack, 'Destination', { masterKey: new Key(stack, 'Key') }),
    ]) {
      const { statements } = build(create);
      const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));
      expect(kms.flatMap((s) => s.actions)).toEqual(
        expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']),
      );
    }
  });

  it('refuses a tuning option of another destination kind', () => {
    expect(() => build(() => cloudWatchNamespace('MyApp/Orders'), { tuning: { eventSource: 'x' } })).toThrow(
      /tuning.eventSource applies only to a eventbridge destination/,
    );
  });
});
