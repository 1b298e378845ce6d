import { ArnFormat, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { DeliveryStream, EnableLogging, S3Bucket, StreamEncryption } from 'aws-cdk-lib/aws-kinesisfirehose';
import { LogGroup, type LogStream, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

/** Where the delivery stream writes, under the bucket. */
export const DELIVERY_PREFIXES = { records: 'records/', errors: 'errors/' } as const;

/**
 * What Firehose calls to deliver into S3 (AWS's documented list for an S3 destination).
 * Object-level actions need a wildcard below the prefix: Firehose names each object at
 * delivery time, so no fixed ARN can name it.
 */
export const FIREHOSE_S3_ACTIONS = {
  bucket: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  objects: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
  logs: ['logs:PutLogEvents'],
} as const;

/**
 * A Firehose delivery stream (the L2 `DeliveryStream`) into an encrypted, TLS-only S3
 * bucket with server access logs. The L2 destination would grant `bucket.grantReadWrite`
 * (s3:GetObject*, s3:List*, s3:DeleteObject*, ...); its role is handed over without
 * policy updates and holds only the statements listed in `FIREHOSE_S3_ACTIONS` instead.
 */
export class S3DeliveryStream extends Construct {
  /** The delivery stream. */
  readonly deliveryStream: DeliveryStream;
  /** The bucket the records land in. */
  readonly bucket: Bucket;
  /** The bucket that keeps the delivery bucket's server access logs. */
  readonly accessLogsBucket: Bucket;
  /** The role Firehose delivers with. */
  readonly role: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Log delivery by bucket policy, not by the deprecated LogDeliveryWrite ACL that ACL-less buckets refuse.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const stack = Stack.of(this);
    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', secureBucketProps());
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the target of the delivery bucket’s server access logs; logging it as well would ' +
        'need yet another bucket, and logging it into itself would log its own log deliveries without end.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps(),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'delivery-bucket/',
    });
    const logGroup = new LogGroup(this, 'LogGroup', { retention: RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', {
      // The external id stops another account's delivery stream from using this role (confused deputy).
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
      description: `Delivers ${this.node.path} into its bucket.`,
    });

    this.deliveryStream = new DeliveryStream(this, 'DeliveryStream', {
      destination: new S3Bucket(this.bucket, {
        role: this.role.withoutPolicyUpdates(),
        loggingConfig: new EnableLogging(logGroup),
        dataOutputPrefix: DELIVERY_PREFIXES.records,
        errorOutputPrefix: DELIVERY_PREFIXES.errors,
        bufferingInterval: Duration.seconds(60),
      }),
      encryption: StreamEncryption.awsOwnedKey(),
    });

    const policy = this.deliveryPolicy(logGroup);
    // Firehose checks it can write to the bucket when the delivery stream is created.
    this.deliveryStream.node.addDependency(policy);
    Validations.of(stack).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason:
        'The Firehose L2 DeliveryStream always adds its mapping of Firehose CIDR blocks, which only ' +
        'Redshift, Splunk and HTTP endpoint destinations use; an S3 destination leaves it unreferenced.',
    });
  }

  /** What the role may do: write the two prefixes of its bucket and its own log stream, nothing more. */
  private deliveryPolicy(logGroup: LogGroup): Policy {
    const stack = Stack.of(this);
    const logStream = logGroup.node.children.find((child): child is LogStream => 'logStreamName' in child);
    if (!logStream) throw new Error('The Firehose S3 destination created no log stream');
    const policy = new Policy(this, 'DeliveryPolicy', {
      roles: [this.role],
      statements: [
        new PolicyStatement({ actions: [...FIREHOSE_S3_ACTIONS.bucket], resources: [this.bucket.bucketArn] }),
        new PolicyStatement({
          actions: [...FIREHOSE_S3_ACTIONS.objects],
          resources: Object.values(DELIVERY_PREFIXES).map((prefix) =>
            this.bucket.arnForObjects(`${prefix}*`),
          ),
        }),
        new PolicyStatement({
          actions: [...FIREHOSE_S3_ACTIONS.logs],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    // cdk-nag names each wildcard finding after the bucket's logical id and the prefix.
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnElement);
    for (const prefix of Object.values(DELIVERY_PREFIXES)) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason:
          'Firehose names each S3 object at delivery time, so its object-level actions (s3:PutObject, ' +
          `s3:GetObject, s3:AbortMultipartUpload) can be scoped no closer than the ${prefix} prefix of this ` +
          'one bucket.',
      });
    }
    return policy;
  }
}

function secureBucketProps() {
  return {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  } as const;
}
