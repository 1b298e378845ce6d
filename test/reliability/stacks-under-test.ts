/**
 * Every stack whose security the security test checks: each example stack of cdk/app.ts,
 * and a stack per source/destination pair and poison policy holding the construct, with
 * customer managed keys on the source and destination so that key grants are made too.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { DeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { AsyncSinkPipeline, type AsyncSinkPipelineProps } from '../../cdk/async-sink-pipeline.js';
import { FUNCTION_DEFAULTS } from '../../cdk/defaults.js';
import {
  type EXAMPLE_PIPELINES,
  ExamplePipelineStack,
  exampleStackName,
} from '../../cdk/examples/example-pipeline-stack.js';
import { S3DeliveryStream } from '../../cdk/examples/s3-delivery-stream.js';
import { createSecureQueue } from '../../cdk/secure-queue.js';

/** A synthesized stack, and which of its constructs are the project's own. */
export interface StackUnderTest {
  readonly name: string;
  readonly stack: Stack;
  readonly template: Template;
  /** Construct paths under which every resource was made by the project's code (cdk/). */
  readonly ownedPaths: readonly string[];
}

const CUSTOM_ENTRY = new URL('../cdk/fixtures/custom-handler.ts', import.meta.url).pathname;
const ENV = { account: '111122223333', region: 'us-east-1' } as const;

/** An app that skips asset bundling: the templates are the same, and esbuild is not waited for. */
function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export type SourceKind = 'sqs' | 'kinesis';
export type DestinationKind = 'kinesis' | 'firehose' | 'sqs';
export type PoisonChoice = 'retry' | 'dead-letter' | 'drop';
/** How the user's own source and destination are made: secure (encrypted with a key of theirs) or bare. */
export type UserResources = 'customer-keys' | 'bare' | 'imported';

/** Every way the user's resources are made. */
export const USER_RESOURCES: readonly UserResources[] = ['customer-keys', 'bare', 'imported'];

const ARN = {
  queue: (name: string) => `arn:aws:sqs:${ENV.region}:${ENV.account}:${name}`,
  stream: (name: string) => `arn:aws:kinesis:${ENV.region}:${ENV.account}:stream/${name}`,
  deliveryStream: (name: string) => `arn:aws:firehose:${ENV.region}:${ENV.account}:deliverystream/${name}`,
  key: (id: string) => `arn:aws:kms:${ENV.region}:${ENV.account}:key/${id}`,
} as const;

export const SOURCES: readonly SourceKind[] = ['sqs', 'kinesis'];
export const DESTINATIONS: readonly DestinationKind[] = ['kinesis', 'firehose', 'sqs'];

function source(stack: Stack, kind: SourceKind, resources: UserResources) {
  const visibilityTimeout = Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds * 6);
  if (resources === 'imported') {
    const key = Key.fromKeyArn(stack, 'SourceKey', ARN.key('11111111-1111-1111-1111-111111111111'));
    return kind === 'sqs'
      ? Queue.fromQueueAttributes(stack, 'Source', { queueArn: ARN.queue('source'), keyArn: key.keyArn })
      : Stream.fromStreamAttributes(stack, 'Source', { streamArn: ARN.stream('source'), encryptionKey: key });
  }
  if (kind === 'sqs') {
    return resources === 'bare'
      ? new Queue(stack, 'Source', { visibilityTimeout })
      : createSecureQueue(stack, 'Source', {
          visibilityTimeout,
          encryptionMasterKey: new Key(stack, 'SourceKey', { enableKeyRotation: true }),
        });
  }
  return resources === 'bare'
    ? new Stream(stack, 'Source', { encryption: StreamEncryption.UNENCRYPTED })
    : new Stream(stack, 'Source', {
        encryption: StreamEncryption.KMS,
        encryptionKey: new Key(stack, 'SourceKey', { enableKeyRotation: true }),
      });
}

function destination(stack: Stack, kind: DestinationKind, resources: UserResources) {
  if (resources === 'imported') {
    const key = Key.fromKeyArn(stack, 'DestinationKey', ARN.key('22222222-2222-2222-2222-222222222222'));
    if (kind === 'sqs') {
      return Queue.fromQueueAttributes(stack, 'Destination', {
        queueArn: ARN.queue('destination'),
        keyArn: key.keyArn,
      });
    }
    if (kind === 'kinesis') {
      return Stream.fromStreamAttributes(stack, 'Destination', {
        streamArn: ARN.stream('destination'),
        encryptionKey: key,
      });
    }
    return DeliveryStream.fromDeliveryStreamArn(stack, 'Destination', ARN.deliveryStream('destination'));
  }
  switch (kind) {
    case 'kinesis':
      return resources === 'bare'
        ? new Stream(stack, 'Destination', { encryption: StreamEncryption.UNENCRYPTED })
        : new Stream(stack, 'Destination', {
            encryption: StreamEncryption.KMS,
            encryptionKey: new Key(stack, 'DestinationKey', { enableKeyRotation: true }),
          });
    case 'sqs':
      return resources === 'bare'
        ? new Queue(stack, 'Destination', { encryption: QueueEncryption.UNENCRYPTED })
        : createSecureQueue(stack, 'Destination', {
            encryptionMasterKey: new Key(stack, 'DestinationKey', { enableKeyRotation: true }),
          });
    case 'firehose':
      return new S3DeliveryStream(stack, 'Delivery').deliveryStream;
  }
}

/** One example stack of cdk/app.ts; all of it is the project's. */
export function exampleStack(pipeline: (typeof EXAMPLE_PIPELINES)[number]): StackUnderTest {
  const stack = new ExamplePipelineStack(appWithoutBundling(), exampleStackName(pipeline), {
    pipeline,
    env: ENV,
  });
  return {
    name: exampleStackName(pipeline),
    stack,
    template: Template.fromStack(stack),
    ownedPaths: [stack.node.path],
  };
}

/** The construct between a user's own source and destination. */
export function constructStack(
  sourceKind: SourceKind,
  destinationKind: DestinationKind,
  poisonPolicy: PoisonChoice,
  resources: UserResources,
): StackUnderTest {
  const name = `${sourceKind}-to-${destinationKind}-${poisonPolicy}-${resources}`;
  const stack = new Stack(appWithoutBundling(), name, { env: ENV });
  const firehose = destinationKind === 'firehose' && resources !== 'imported';
  const props: AsyncSinkPipelineProps = {
    source: source(stack, sourceKind, resources),
    destination: destination(stack, destinationKind, resources),
    poisonPolicy,
    // No ready-made function forwards a queue to a queue or a stream to a stream.
    ...(sourceKind === destinationKind ? { entry: CUSTOM_ENTRY } : {}),
  };
  const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', props);
  const owned = [pipeline.node.path];
  // The example Firehose delivery stream is the project's own construct too.
  if (firehose) owned.push(`${stack.node.path}/Delivery`);
  return { name, stack, template: Template.fromStack(stack), ownedPaths: owned };
}

/** The construct reading a FIFO queue, for which it makes a FIFO dead-letter queue. */
export function fifoSourceStack(): StackUnderTest {
  const name = 'sqs-fifo-to-kinesis';
  const stack = new Stack(appWithoutBundling(), name, { env: ENV });
  const pipeline = new AsyncSinkPipeline(stack, 'Pipeline', {
    source: createSecureQueue(stack, 'Source', {
      fifo: true,
      visibilityTimeout: Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds * 6),
    }),
    destination: new Stream(stack, 'Destination', { encryption: StreamEncryption.MANAGED }),
    poisonPolicy: 'dead-letter',
    poisonDeadLetterQueue: createSecureQueue(stack, 'PoisonQueue', { fifo: true }),
  });
  return { name, stack, template: Template.fromStack(stack), ownedPaths: [pipeline.node.path] };
}

/** The construct path of each resource of the template, by logical id. */
export function constructPaths(stack: Stack): Map<string, string> {
  const paths = new Map<string, string>();
  for (const construct of stack.node.findAll() as IConstruct[]) {
    const element = construct as IConstruct & { logicalId?: unknown; cfnResourceType?: unknown };
    if (typeof element.cfnResourceType !== 'string') continue;
    paths.set(stack.resolve(element.logicalId) as string, construct.node.path);
  }
  return paths;
}
