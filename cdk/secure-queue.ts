import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUEUE_DEFAULTS } from './defaults.js';

/**
 * A queue encrypted at rest (SQS-managed keys) whose policy refuses any request not
 * made over TLS. Every queue the constructs create is one of these; props override the
 * retention, never the encryption or the TLS policy.
 */
export function createSecureQueue(scope: Construct, id: string, props: QueueProps = {}): Queue {
  return new Queue(scope, id, {
    retentionPeriod: Duration.days(QUEUE_DEFAULTS.retentionPeriodDays),
    ...props,
    encryption: props.encryptionMasterKey ? QueueEncryption.KMS : QueueEncryption[QUEUE_DEFAULTS.encryption],
    enforceSSL: QUEUE_DEFAULTS.enforceSsl,
  });
}
