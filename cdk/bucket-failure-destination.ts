import type {
  DlqDestinationConfig,
  IEventSourceDlq,
  IEventSourceMapping,
  IFunction,
} from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { grantExactly, grantOnKey, IAM_ACTIONS } from './least-privilege.js';

/**
 * A stream event source mapping's on-failure destination: an S3 bucket, which receives
 * the whole invocation record (the records themselves), where a queue receives only
 * metadata. Grants exactly s3:PutObject on the bucket's objects and s3:ListBucket on the
 * bucket (what Lambda asks for), before the mapping is created, which Lambda checks.
 */
export class BucketFailureDestination implements IEventSourceDlq {
  constructor(private readonly bucket: IBucket) {}

  /** Grants the function's role the writes and names the bucket as the destination. */
  bind(target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    const [putObject, listBucket] = IAM_ACTIONS.failureBucket;
    grantOnKey(targetHandler, this.bucket.encryptionKey, IAM_ACTIONS.failureBucketKey);
    grantExactly(targetHandler, [putObject], [this.bucket.arnForObjects('*')]).applyBefore(target);
    grantExactly(targetHandler, [listBucket], [this.bucket.bucketArn]).applyBefore(target);
    return { destination: this.bucket.bucketArn };
  }
}
