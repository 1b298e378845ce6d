/**
 * A user's app brings its own copy of aws-cdk-lib. This test loads a second copy of it,
 * builds the user's stack and queue with that copy and hands them to the construct
 * (built on this repository's copy), as happens when the package is linked or its
 * aws-cdk-lib is not deduplicated with the app's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { Stream as StreamClass } from 'aws-cdk-lib/aws-kinesis';
import type { Queue as QueueClass } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { AsyncSinkPipeline } from '../../cdk/async-sink-pipeline.js';
import { FUNCTION_DEFAULTS, QUEUE_SOURCE_DEFAULTS } from '../../cdk/defaults.js';

const require = createRequire(import.meta.url);

interface ForeignCdk {
  readonly core: typeof import('aws-cdk-lib');
  readonly Queue: typeof QueueClass;
  readonly Stream: typeof StreamClass;
}

/**
 * A second copy of aws-cdk-lib at another path (hard links: no disk, no time), so Node
 * loads it as other modules with other classes. `constructs` stays shared, as in an app.
 */
function loadForeignCdk(): ForeignCdk {
  const ours = dirname(require.resolve('aws-cdk-lib/package.json'));
  const copy = join(ours, '..', '.cache', 'foreign-copy-test', 'node_modules', 'aws-cdk-lib');
  if (!existsSync(copy)) {
    mkdirSync(dirname(copy), { recursive: true });
    execFileSync('cp', ['-al', ours, copy]);
  }
  const fromCopy = createRequire(join(copy, 'package.json'));
  return {
    core: fromCopy('aws-cdk-lib'),
    Queue: fromCopy('aws-cdk-lib/aws-sqs').Queue,
    Stream: fromCopy('aws-cdk-lib/aws-kinesis').Stream,
  };
}

describe('AsyncSinkPipeline with a stack and queue from another copy of aws-cdk-lib', () => {
  const foreign = loadForeignCdk();

  function foreignStack() {
    const app = new foreign.core.App({ context: { 'aws:cdk:bundling-stacks': [] } });
    return new foreign.core.Stack(app, 'User', { env: { account: '111122223333', region: 'us-east-1' } });
  }

  function pipelineOver(
    stack: InstanceType<ForeignCdk['core']['Stack']>,
    source: QueueClass,
  ): AsyncSinkPipeline {
    const destination = new foreign.Stream(stack, 'Destination');
    return new AsyncSinkPipeline(stack, 'Pipeline', { source, destination });
  }

  it('is another copy than the construct’s', () => {
    // Arrange, act
    const ours = require('aws-cdk-lib') as typeof import('aws-cdk-lib');

    // Assert
    expect(foreign.core.Stack).not.toBe(ours.Stack);
  });

  it('attaches the redrive policy and dead-letter queue to a queue of the same stack, with its alarm', () => {
    // Arrange
    const stack = foreignStack();
    const queue = new foreign.Queue(stack, 'Source', {
      visibilityTimeout: foreign.core.Duration.seconds(6 * FUNCTION_DEFAULTS.timeoutSeconds),
    });

    // Act
    const pipeline = pipelineOver(stack, queue);
    const template = Template.fromStack(stack);

    // Assert
    expect(pipeline.deadLetterQueue).toBeDefined();
    expect(pipeline.alarms.deadLetterDepth).toBeDefined();
    const sources = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: {} } });
    const [redrive] = Object.values(sources).map((resource) => resource.Properties.RedrivePolicy);
    expect(redrive).toMatchObject({ maxReceiveCount: QUEUE_SOURCE_DEFAULTS.maxReceiveCount });
    expect(warningsOf(stack)).toEqual([]);
  });

  it('finds the dead-letter queue the queue was declared with', () => {
    // Arrange
    const stack = foreignStack();
    const declared = new foreign.Queue(stack, 'Declared');
    const queue = new foreign.Queue(stack, 'Source', {
      visibilityTimeout: foreign.core.Duration.seconds(6 * FUNCTION_DEFAULTS.timeoutSeconds),
      deadLetterQueue: { queue: declared, maxReceiveCount: 3 },
    });

    // Act
    const pipeline = pipelineOver(stack, queue);

    // Assert
    expect(pipeline.deadLetterQueue).toBe(declared);
  });

  it('refuses a visibility timeout shorter than six times the function timeout', () => {
    // Arrange
    const stack = foreignStack();
    const queue = new foreign.Queue(stack, 'Source', {
      visibilityTimeout: foreign.core.Duration.seconds(30),
    });
    pipelineOver(stack, queue);

    // Act
    const synth = () => Template.fromStack(stack);

    // Assert
    expect(synth).toThrow(/visibility timeout \(30 s\) is less than 6 times the function timeout/);
  });
});

/** The warnings the construct left on the stack's constructs. */
function warningsOf(stack: {
  node: { findAll(): ReadonlyArray<{ node: { metadata: ReadonlyArray<{ type: string; data: unknown }> } }> };
}): unknown[] {
  return stack.node
    .findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === 'aws:cdk:warning')
    .map((entry) => entry.data);
}
