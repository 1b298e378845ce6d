import type {
  DlqDestinationConfig,
  IEventSourceDlq,
  IEventSourceMapping,
  IFunction,
} from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { grantSendToQueue } from './least-privilege.js';

/**
 * A stream event source mapping's on-failure destination: an SQS queue. Unlike CDK's
 * `SqsDlq`, it grants only sqs:SendMessage (and the key actions of an SQS producer),
 * and the grant is in place before the mapping is created, which Lambda checks.
 */
export class QueueFailureDestination implements IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  /** Grants the function's role the send and names the queue as the destination. */
  bind(target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    grantSendToQueue(targetHandler, this.queue).applyBefore(target);
    return { destination: this.queue.queueArn };
  }
}
