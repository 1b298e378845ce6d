import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DestinationKind } from '../functions/contract.js';
import { SourceKind } from '../lib/sources/source-event.js';

/** What a pipeline reads from: an SQS queue or a Kinesis data stream, new or imported. */
export type PipelineSource = IQueue | IStream;

/** Where a pipeline writes to: a Kinesis data stream, a Firehose delivery stream or an SQS queue. */
export type PipelineDestination = IStream | IDeliveryStream | IQueue;

export { DestinationKind, SourceKind };

/** A source, told apart by kind. */
export type ResolvedSource =
  | { readonly kind: typeof SourceKind.Sqs; readonly queue: IQueue }
  | { readonly kind: typeof SourceKind.Kinesis; readonly stream: IStream };

/** A destination, told apart by kind, with what the function and its grants need of it. */
export interface ResolvedDestination {
  readonly kind: DestinationKind;
  /** The ARN the write call is granted on. */
  readonly arn: string;
  /** The value of the function's destination variable (a name or a queue URL). */
  readonly address: string;
  /** The customer managed key the destination is encrypted with, if the construct can see it. */
  readonly encryptionKey?: IKey;
}

function isQueue(resource: PipelineSource | PipelineDestination): resource is IQueue {
  return 'queueArn' in resource;
}

function isDeliveryStream(resource: PipelineDestination): resource is IDeliveryStream {
  return 'deliveryStreamArn' in resource;
}

/** Tells an SQS source from a Kinesis one. */
export function resolveSource(source: PipelineSource): ResolvedSource {
  return isQueue(source)
    ? { kind: SourceKind.Sqs, queue: source }
    : { kind: SourceKind.Kinesis, stream: source };
}

/** Tells the destination's kind, and what the function and its grants need of it. */
export function resolveDestination(destination: PipelineDestination): ResolvedDestination {
  if (isQueue(destination)) {
    return {
      kind: DestinationKind.Sqs,
      arn: destination.queueArn,
      address: destination.queueUrl,
      encryptionKey: destination.encryptionMasterKey,
    };
  }
  if (isDeliveryStream(destination)) {
    // Firehose encrypts with its own grant on the key: a producer needs no KMS permission.
    return {
      kind: DestinationKind.Firehose,
      arn: destination.deliveryStreamArn,
      address: destination.deliveryStreamName,
    };
  }
  return {
    kind: DestinationKind.Kinesis,
    arn: destination.streamArn,
    address: destination.streamName,
    encryptionKey: destination.encryptionKey,
  };
}
