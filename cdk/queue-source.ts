import { type Duration, Stack, Token } from 'aws-cdk-lib';
import { CfnQueue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { QUEUE_SOURCE_DEFAULTS } from './defaults.js';

/**
 * The queue's own CloudFormation resource, when it is defined in the given stack, so
 * the construct may read its settings and attach a redrive policy; `undefined` for an
 * imported queue or one in another stack (changing it would tie the stacks in a cycle).
 */
export function ownQueueResource(queue: IQueue, scope: IConstruct): CfnQueue | undefined {
  const resource = queue.node.defaultChild;
  // By kind, not `instanceof`: a user's app brings its own copy of aws-cdk-lib, whose
  // CfnQueue is another class than ours; `isCfnQueue` checks the CloudFormation type.
  if (!CfnQueue.isCfnQueue(resource) || Stack.of(resource) !== Stack.of(scope)) return undefined;
  return resource;
}

/** The part of an L2 `Queue` that tells its dead-letter queue, read by shape (see {@link ownQueueResource}). */
interface QueueWithDeadLetter {
  readonly deadLetterQueue?: { readonly queue?: IQueue };
}

/** The dead-letter queue an L2 queue was created with, if any. */
export function declaredDeadLetterQueue(queue: IQueue): IQueue | undefined {
  return (queue as IQueue & QueueWithDeadLetter).deadLetterQueue?.queue;
}

/** Whether the queue resource already has a redrive policy. */
export function hasRedrivePolicy(resource: CfnQueue): boolean {
  return resource.redrivePolicy !== undefined;
}

/** Sends what the queue fails to deliver `maxReceiveCount` times to the dead-letter queue. */
export function attachRedrivePolicy(
  resource: CfnQueue,
  deadLetterQueue: IQueue,
  maxReceiveCount: number,
): void {
  resource.redrivePolicy = { deadLetterTargetArn: deadLetterQueue.queueArn, maxReceiveCount };
}

/**
 * Why the queue's visibility timeout is too short for the function, or `undefined` when
 * it is long enough or cannot be known at synth time. AWS: at least six times the
 * function timeout, so Lambda can retry a batch when the function is throttled.
 */
export function visibilityTimeoutProblem(resource: CfnQueue, functionTimeout: Duration): string | undefined {
  const visibility = resource.visibilityTimeout ?? QUEUE_SOURCE_DEFAULTS.sqsDefaultVisibilityTimeoutSeconds;
  const timeout = functionTimeout.toSeconds();
  if (Token.isUnresolved(visibility) || Token.isUnresolved(timeout)) return undefined;
  const factor = QUEUE_SOURCE_DEFAULTS.visibilityTimeoutFactor;
  if (visibility >= factor * timeout) return undefined;
  return (
    `The source queue's visibility timeout (${visibility} s) is less than ${factor} times the function ` +
    `timeout (${factor} × ${timeout} s = ${factor * timeout} s). Set the queue's visibilityTimeout to at ` +
    `least ${factor * timeout} seconds, or lower the function's timeout.`
  );
}
