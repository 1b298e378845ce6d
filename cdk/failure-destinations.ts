/**
 * A stream event source mapping's on-failure destinations. Each grants the function's role
 * exactly what Lambda needs to write there, and puts the grant in place before the mapping is
 * created, which Lambda checks; then names itself as the destination.
 */
import type {
  DlqDestinationConfig,
  IEventSourceDlq,
  IEventSourceMapping,
  IFunction,
} from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { grantExactly, grantOnKey, grantSendToQueue, IAM_ACTIONS } from './least-privilege.js';

/** An on-failure destination: a grant before the mapping, and an ARN. */
abstract class GrantedFailureDestination implements IEventSourceDlq {
  /** `arn` names the destination. */
  constructor(private readonly arn: string) {}

  /** Grants the handler's role the writes, in place before `mapping` is created. */
  protected abstract grant(mapping: IEventSourceMapping, handler: IFunction): void;

  /** Grants the function's role the writes and names the destination. */
  bind(target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    this.grant(target, targetHandler);
    return { destination: this.arn };
  }
}

/**
 * An SQS queue, which receives metadata of the failed batch. Unlike CDK's `SqsDlq`, it grants
 * only sqs:SendMessage (and the key actions of an SQS producer).
 */
export class QueueFailureDestination extends GrantedFailureDestination {
  constructor(private readonly queue: IQueue) {
    super(queue.queueArn);
  }

  protected grant(mapping: IEventSourceMapping, handler: IFunction): void {
    grantSendToQueue(handler, this.queue).applyBefore(mapping);
  }
}

/**
 * An S3 bucket, which receives the whole invocation record (the records themselves), where a
 * queue receives only metadata. Grants exactly s3:PutObject on the bucket's objects and
 * s3:ListBucket on the bucket, what Lambda asks for.
 */
export class BucketFailureDestination extends GrantedFailureDestination {
  constructor(private readonly bucket: IBucket) {
    super(bucket.bucketArn);
  }

  protected grant(mapping: IEventSourceMapping, handler: IFunction): void {
    const [putObject, listBucket] = IAM_ACTIONS.failureBucket;
    grantOnKey(handler, this.bucket.encryptionKey, IAM_ACTIONS.failureBucketKey);
    grantExactly(handler, [putObject], [this.bucket.arnForObjects('*')]).applyBefore(mapping);
    grantExactly(handler, [listBucket], [this.bucket.bucketArn]).applyBefore(mapping);
  }
}
