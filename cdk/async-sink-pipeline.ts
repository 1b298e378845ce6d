import { resolve } from 'node:path';
import { Annotations, Duration, Token, Validations } from 'aws-cdk-lib';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  EventSourceMapping,
  type EventSourceMappingOptions,
  type IEventSourceDlq,
  MetricType,
  Runtime,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BundleRoot, bundleRootFor } from './bundle-root.js';
import {
  ALARM_DEFAULTS,
  BUNDLING_DEFAULTS,
  FUNCTION_DEFAULTS,
  QUEUE_SOURCE_DEFAULTS,
  STREAM_SOURCE_DEFAULTS,
  SUPPORTED_RUNTIMES,
} from './defaults.js';
import {
  DestinationKind,
  type PipelineDestination,
  type PipelineSource,
  type ResolvedDestination,
  resolveDestination,
  resolveSource,
  SourceKind,
} from './endpoints.js';
import { BucketFailureDestination, QueueFailureDestination } from './failure-destinations.js';
import { grantExactly, grantOnKey, grantSendToQueue, IAM_ACTIONS } from './least-privilege.js';
import { PipelineAlarmSet, type PipelineAlarms } from './pipeline-alarms.js';
import { PipelineConfigurationError } from './pipeline-configuration-error.js';
import {
  attachRedrivePolicy,
  declaredDeadLetterQueue,
  hasRedrivePolicy,
  ownQueueResource,
  visibilityTimeoutProblem,
} from './queue-source.js';
import { DESTINATION_VARIABLES, readyMadeEntry, readyMadeFunctionFor } from './ready-made-functions.js';
import { createSecureQueue } from './secure-queue.js';
import {
  OWNED_VARIABLES,
  PoisonPolicy,
  readsShardMap,
  ShardRateLimitMode,
  type SinkTuning,
  tableKeyVariables,
  tuningMismatch,
  tuningVariables,
} from './sink-environment.js';

// The defaults name these as data (strings); CDK wants its own objects and enums.
const ARCHITECTURES = { arm64: Architecture.ARM_64, x86_64: Architecture.X86_64 } as const;
const OUTPUT_FORMATS = { esm: OutputFormat.ESM, cjs: OutputFormat.CJS } as const;

/** Props of {@link AsyncSinkPipeline}. Unset props take the defaults in `defaults.ts`. */
export interface AsyncSinkPipelineProps {
  /**
   * What to read, new or imported: an SQS queue, a Kinesis data stream, a DynamoDB table
   * with a stream, or a DynamoDB stream's ARN.
   */
  readonly source: PipelineSource;
  /** The Kinesis stream, Firehose delivery stream or SQS queue to write to, new or imported. */
  readonly destination: PipelineDestination;

  /** Your own handler module (exporting `handler`, under `projectRoot`; relative to the working directory) instead of the ready-made one. */
  readonly entry?: string;
  /** The directory the function is bundled from; the entry must be under it. Defaults to the lock file's directory. */
  readonly projectRoot?: string;
  /** Your app's lock file (package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock). Defaults to the nearest one at or above the working directory. */
  readonly depsLockFilePath?: string;
  /** Lambda runtime: Node.js 22 or 24. */
  readonly runtime?: Runtime;
  /** Function timeout. */
  readonly timeout?: Duration;
  /** Function memory, in MB. */
  readonly memorySize?: number;
  /** How long the function's logs are kept. */
  readonly logRetention?: RetentionDays;
  /** The sink's tuning, passed to the function as environment variables. */
  readonly tuning?: SinkTuning;
  /** More environment variables for the function; those the construct sets may not be given here. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Powertools service name (logs, metrics dimension). Defaults to the function's name in `functions/`. */
  readonly serviceName?: string;
  /** CloudWatch metrics namespace of the sink's metrics. */
  readonly metricsNamespace?: string;

  /** What happens to a record no retry will get through. */
  readonly poisonPolicy?: PoisonPolicy;
  /** Dead-letter poison policy only: the queue poison records go to; a new one is created when unset. */
  readonly poisonDeadLetterQueue?: IQueue;
  /**
   * SQS source: the redrive dead-letter queue, attached to the source queue when the construct may change it.
   * Stream source: the on-failure destination. Created when unset (for an SQS source, when possible).
   */
  readonly deadLetterQueue?: IQueue;
  /** SQS source: receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /**
   * Stream source (Kinesis, DynamoDB): an S3 bucket as the on-failure destination instead
   * of a queue. S3 receives the whole invocation record, records included; a queue only
   * their metadata (shard, sequence numbers), so the records must still be in the stream.
   */
  readonly onFailureBucket?: IBucket;
  /**
   * The event source mapping's own CloudWatch metrics (`EventCount`: polled, filtered,
   * invoked, dropped; `ErrorCount`). Off unless set; AWS charges for them.
   */
  readonly eventSourceMappingMetrics?: readonly MetricType[];
  /**
   * SQS or Kinesis source: provisioned mode, pollers kept ready for spikes (billed by the
   * event poller unit). SQS: 2 to 200 minimum, up to 2,000 maximum.
   */
  readonly provisionedPollers?: ProvisionedPollers;

  /** Most records per invocation. */
  readonly batchSize?: number;
  /** How long Lambda gathers records before it invokes the function. */
  readonly maxBatchingWindow?: Duration;
  /** SQS source: most concurrent invocations the mapping starts. */
  readonly maxConcurrency?: number;
  /** Stream source: concurrent batches per shard. */
  readonly parallelizationFactor?: number;
  /** Stream source: where in the stream the mapping starts reading. */
  readonly startingPosition?: StartingPosition;
  /** Stream source, AT_TIMESTAMP only: the time to start from, in Unix seconds. */
  readonly startingPositionTimestamp?: number;
  /** Stream source: retries of a failing batch before its records go to the on-failure destination. */
  readonly retryAttempts?: number;
  /** Stream source: oldest record the mapping still sends to the function. */
  readonly maxRecordAge?: Duration;
  /** Stream source: split a failing batch in two and retry each half. */
  readonly bisectBatchOnError?: boolean;
  /** Event filter patterns (build them with `FilterCriteria.filter`). */
  readonly filters?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Whether the mapping is enabled. */
  readonly enabled?: boolean;

  /** Actions every alarm runs when it fires. */
  readonly alarmActions?: readonly IAlarmAction[];
  /** Stream source: the iterator age that raises the alarm. */
  readonly iteratorAgeThreshold?: Duration;
}

/** The minimum and maximum pollers of an event source mapping in provisioned mode. */
export interface ProvisionedPollers {
  readonly minimumPollers?: number;
  readonly maximumPollers?: number;
}

/** The Lambda runtime of that name, as CDK knows it. */
function runtimeNamed(name: string): Runtime {
  const runtime = Runtime.ALL.find((candidate) => candidate.name === name);
  if (!runtime) throw new Error(`aws-cdk-lib does not know the Lambda runtime ${name}`);
  return runtime;
}

const STREAM_SOURCES = [SourceKind.Kinesis, SourceKind.DynamoDB] as const;

/**
 * Props that only some source kinds take. `tumblingWindow` is not offered at all: with it
 * Lambda passes state between invocations and expects the function to return the next
 * state, which a stateless sink that answers only `batchItemFailures` does not do.
 */
const SOURCE_ONLY_PROPS = {
  maxConcurrency: [SourceKind.Sqs],
  maxReceiveCount: [SourceKind.Sqs],
  parallelizationFactor: STREAM_SOURCES,
  startingPosition: STREAM_SOURCES,
  // DynamoDB streams start at TRIM_HORIZON or LATEST only.
  startingPositionTimestamp: [SourceKind.Kinesis],
  retryAttempts: STREAM_SOURCES,
  maxRecordAge: STREAM_SOURCES,
  bisectBatchOnError: STREAM_SOURCES,
  iteratorAgeThreshold: STREAM_SOURCES,
  onFailureBucket: STREAM_SOURCES,
  // AWS offers provisioned mode for SQS and Kinesis sources, not for DynamoDB streams.
  provisionedPollers: [SourceKind.Sqs, SourceKind.Kinesis],
} as const satisfies Partial<Record<keyof AsyncSinkPipelineProps, readonly SourceKind[]>>;

/** Provisioned pollers AWS allows, by source kind. */
const POLLER_RANGES = {
  [SourceKind.Sqs]: { minimum: { min: 2, max: 200 }, maximum: { min: 2, max: 2_000 } },
  [SourceKind.Kinesis]: { minimum: { min: 1, max: 200 }, maximum: { min: 1, max: 2_000 } },
} as const;

const ACKNOWLEDGED_DEAD_LETTER_REASON =
  'This queue is itself a dead-letter destination (it is written by Lambda or the function, not ' +
  'consumed by a redriving consumer); a dead-letter queue behind it would only move the same ' +
  'records once more. Its depth raises a CloudWatch alarm instead.';

/**
 * A Lambda function that forwards every record of an SQS queue or Kinesis stream to a
 * Kinesis stream, Firehose delivery stream or SQS queue through the async sink, with
 * the event source mapping, dead-letter handling, least-privilege grants and alarms.
 */
export class AsyncSinkPipeline extends Construct {
  /** The kind of the source. */
  readonly sourceKind: SourceKind;
  /** The kind of the destination. */
  readonly destinationKind: DestinationKind;
  /** The forwarding function. */
  readonly lambdaFunction: NodejsFunction;
  /** The function's execution role, holding only the grants listed in `IAM_ACTIONS`. */
  readonly role: Role;
  /** The function's log group. */
  readonly logGroup: LogGroup;
  /** The event source mapping, with `ReportBatchItemFailures`. */
  readonly eventSourceMapping: EventSourceMapping;
  /** SQS source: its redrive dead-letter queue. Stream source: the on-failure queue, unless `onFailureBucket` is given. */
  readonly deadLetterQueue?: IQueue;
  /** Dead-letter poison policy: the queue poison records go to. */
  readonly poisonDeadLetterQueue?: IQueue;
  /** The CloudWatch alarms. */
  readonly alarms: PipelineAlarms;

  private readonly alarmSet: PipelineAlarmSet;

  constructor(scope: Construct, id: string, props: AsyncSinkPipelineProps) {
    super(scope, id);
    const source = resolveSource(props.source);
    const destination = resolveDestination(props.destination);
    this.sourceKind = source.kind;
    this.destinationKind = destination.kind;
    this.checkProps(props);

    const poisonPolicy = props.poisonPolicy ?? PoisonPolicy.Retry;
    if (props.poisonDeadLetterQueue && poisonPolicy !== PoisonPolicy.DeadLetter) {
      throw new PipelineConfigurationError(
        this,
        'poisonDeadLetterQueue is used only with poisonPolicy "dead-letter"',
      );
    }
    if (poisonPolicy === PoisonPolicy.DeadLetter) {
      this.poisonDeadLetterQueue =
        props.poisonDeadLetterQueue ?? this.createDeadLetterQueue('PoisonDeadLetterQueue');
    }

    const timeout = props.timeout ?? Duration.seconds(FUNCTION_DEFAULTS.timeoutSeconds);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? (FUNCTION_DEFAULTS.logRetentionDays as RetentionDays),
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${this.node.path}: reads its source, writes its one destination, writes its logs.`,
    });
    grantExactly(this.role, IAM_ACTIONS.logs, [this.logGroup.logGroupArn]);
    this.lambdaFunction = this.createFunction(props, destination, poisonPolicy, timeout);
    this.grantDestinationWrite(destination);
    if (destination.kind === DestinationKind.Kinesis && readsShardMap(props.tuning ?? {})) {
      grantExactly(this.role, IAM_ACTIONS.destinationShardMap, [destination.arn]);
    }
    if (this.poisonDeadLetterQueue) grantSendToQueue(this.role, this.poisonDeadLetterQueue);

    if (source.kind === SourceKind.Sqs) {
      this.deadLetterQueue = this.sourceQueueDeadLetter(source.queue, props);
      this.eventSourceMapping = this.mapQueue(source.queue, props, timeout);
    } else {
      this.deadLetterQueue = props.onFailureBucket
        ? undefined
        : (props.deadLetterQueue ?? this.createDeadLetterQueue('OnFailureQueue'));
      const onFailure = props.onFailureBucket
        ? new BucketFailureDestination(props.onFailureBucket)
        : new QueueFailureDestination(this.deadLetterQueue as IQueue);
      const read =
        source.kind === SourceKind.Kinesis ? this.kinesisRead(source.stream) : this.dynamoDBRead(source);
      this.eventSourceMapping = this.mapStream(read, onFailure, props);
    }

    this.alarmSet = new PipelineAlarmSet(this, 'Alarms', {
      lambdaFunction: this.lambdaFunction,
      iteratorAgeThreshold:
        source.kind !== SourceKind.Sqs
          ? (props.iteratorAgeThreshold ?? Duration.millis(ALARM_DEFAULTS.iteratorAge.thresholdMs))
          : undefined,
      deadLetterQueue: this.deadLetterQueue,
      poisonDeadLetterQueue: this.poisonDeadLetterQueue,
      alarmActions: props.alarmActions,
    });
    this.alarms = this.alarmSet.alarms;
  }

  /** Every alarm the construct created. */
  get allAlarms(): Alarm[] {
    return this.alarmSet.all;
  }

  /** Adds actions (an SNS topic, say) that every alarm of the pipeline runs when it fires. */
  addAlarmAction(...actions: IAlarmAction[]): void {
    this.alarmSet.addAlarmAction(...actions);
  }

  private checkProps(props: AsyncSinkPipelineProps): void {
    for (const [prop, kinds] of Object.entries(SOURCE_ONLY_PROPS)) {
      const applies = (kinds as readonly SourceKind[]).includes(this.sourceKind);
      if (props[prop as keyof typeof SOURCE_ONLY_PROPS] !== undefined && !applies) {
        throw new PipelineConfigurationError(
          this,
          `${prop} applies only to a ${kinds.join(' or ')} source, not to ${this.sourceKind}`,
        );
      }
    }
    if (props.onFailureBucket && props.deadLetterQueue) {
      throw new PipelineConfigurationError(
        this,
        'onFailureBucket and deadLetterQueue are both on-failure destinations of a stream source; give one',
      );
    }
    this.checkMappingMetrics(props.eventSourceMappingMetrics);
    this.checkProvisionedPollers(props.provisionedPollers);
    const mismatch = tuningMismatch(props.tuning ?? {}, this.destinationKind);
    if (mismatch) throw new PipelineConfigurationError(this, mismatch);
    if (props.tuning?.shardRateLimit === ShardRateLimitMode.Defer && this.sourceKind !== SourceKind.Sqs) {
      // A stream source re-reads from the first record given back and counts it against
      // retryAttempts: deferring would send records to the on-failure destination.
      throw new PipelineConfigurationError(
        this,
        `tuning.shardRateLimit 'defer' gives records back to the source, which only an SQS source takes well; use 'retry' for a ${this.sourceKind} source`,
      );
    }
    const owned = new Set<string>([
      ...Object.values(DESTINATION_VARIABLES),
      ...Object.values(OWNED_VARIABLES),
    ]);
    for (const name of Object.keys(props.environment ?? {})) {
      if (owned.has(name)) {
        throw new PipelineConfigurationError(
          this,
          `environment.${name} is set by the construct; use its props instead`,
        );
      }
    }
  }

  private checkMappingMetrics(metrics: readonly MetricType[] | undefined): void {
    const offered = [MetricType.EVENT_COUNT, MetricType.ERROR_COUNT] as string[];
    for (const metric of metrics ?? []) {
      if (!offered.includes(metric)) {
        throw new PipelineConfigurationError(
          this,
          `eventSourceMappingMetrics: ${metric} is not a metric of a ${this.sourceKind} source; use ${offered.join(' or ')}`,
        );
      }
    }
  }

  private checkProvisionedPollers(pollers: ProvisionedPollers | undefined): void {
    if (pollers === undefined || this.sourceKind === SourceKind.DynamoDB) return;
    const ranges = POLLER_RANGES[this.sourceKind];
    const check = (name: 'minimumPollers' | 'maximumPollers', range: { min: number; max: number }) => {
      const value = pollers[name];
      if (value === undefined || Token.isUnresolved(value)) return;
      if (!Number.isInteger(value) || value < range.min || value > range.max) {
        throw new PipelineConfigurationError(
          this,
          `provisionedPollers.${name} must be an integer from ${range.min} to ${range.max} for a ${this.sourceKind} source; got ${value}`,
        );
      }
    };
    check('minimumPollers', ranges.minimum);
    check('maximumPollers', ranges.maximum);
    const { minimumPollers: min, maximumPollers: max } = pollers;
    if (min !== undefined && max !== undefined && min > max) {
      throw new PipelineConfigurationError(
        this,
        `provisionedPollers.minimumPollers (${min}) must not exceed maximumPollers (${max})`,
      );
    }
  }

  private createFunction(
    props: AsyncSinkPipelineProps,
    destination: ResolvedDestination,
    poisonPolicy: PoisonPolicy,
    timeout: Duration,
  ): NodejsFunction {
    const readyMade = readyMadeFunctionFor(this.sourceKind, destination.kind);
    // A relative entry is the user's file, from the directory `cdk` runs in.
    const entry = props.entry ? resolve(props.entry) : readyMade && readyMadeEntry(readyMade);
    if (
      destination.kind === DestinationKind.DynamoDb &&
      props.entry === undefined &&
      destination.tableKeys === undefined &&
      props.tuning?.tablePartitionKey === undefined
    ) {
      throw new PipelineConfigurationError(
        this,
        "the table's key schema cannot be read from an imported table: set tuning.tablePartitionKey (and tuning.tableSortKey if it has one)",
      );
    }
    if (!entry) {
      throw new PipelineConfigurationError(
        this,
        `No ready-made function forwards ${this.sourceKind} to ${destination.kind}; pass your own entry`,
      );
    }
    const runtime = props.runtime ?? runtimeNamed(FUNCTION_DEFAULTS.runtime);
    const supported = SUPPORTED_RUNTIMES[runtime.name as keyof typeof SUPPORTED_RUNTIMES];
    if (!supported) {
      const names = Object.keys(SUPPORTED_RUNTIMES).join(', ');
      throw new PipelineConfigurationError(
        this,
        `runtime ${runtime.name} is not supported; use one of ${names}`,
      );
    }
    const environment: Record<string, string> = {
      NODE_OPTIONS: FUNCTION_DEFAULTS.nodeOptions,
      ...tableKeyVariables(destination),
      ...tuningVariables(props.tuning ?? {}),
      ...props.environment,
      [DESTINATION_VARIABLES[destination.kind]]: destination.address,
      [OWNED_VARIABLES.poisonPolicy]: poisonPolicy,
      [OWNED_VARIABLES.serviceName]: props.serviceName ?? readyMade ?? this.node.id,
      [OWNED_VARIABLES.metricsNamespace]: props.metricsNamespace ?? FUNCTION_DEFAULTS.metricsNamespace,
    };
    if (this.poisonDeadLetterQueue) {
      environment[OWNED_VARIABLES.deadLetterQueueUrl] = this.poisonDeadLetterQueue.queueUrl;
    }
    return new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      ...this.bundleRoot(entry, props),
      runtime,
      architecture: ARCHITECTURES[FUNCTION_DEFAULTS.architecture],
      timeout,
      memorySize: props.memorySize ?? FUNCTION_DEFAULTS.memorySizeMb,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: {
        forceDockerBundling: false,
        format: OUTPUT_FORMATS[BUNDLING_DEFAULTS.format],
        target: supported.esbuildTarget,
        minify: BUNDLING_DEFAULTS.minify,
        sourceMap: BUNDLING_DEFAULTS.sourceMap,
        mainFields: [...BUNDLING_DEFAULTS.mainFields],
        banner: BUNDLING_DEFAULTS.banner,
        bundleAwsSDK: BUNDLING_DEFAULTS.bundleAwsSdk,
      },
    });
  }

  private bundleRoot(entry: string, props: AsyncSinkPipelineProps): BundleRoot {
    const root = bundleRootFor(entry, props);
    if (typeof root === 'string') throw new PipelineConfigurationError(this, root);
    return root;
  }

  private grantDestinationWrite(destination: ResolvedDestination): void {
    grantExactly(
      this.role,
      IAM_ACTIONS.destinationWrite[destination.kind],
      [destination.arn],
      destination.conditions,
    );
    grantOnKey(this.role, destination.encryptionKey, IAM_ACTIONS.destinationKey[destination.kind]);
    if (destination.kind === DestinationKind.CloudWatch) {
      const policy = this.role.node.tryFindChild('DefaultPolicy');
      if (policy !== undefined) {
        Validations.of(policy).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'cloudwatch:PutMetricData has no resource-level permissions; the grant is conditioned on the one namespace (cloudwatch:namespace)',
        });
      }
    }
  }

  /**
   * The source queue's dead-letter queue: the one it was declared with, else a new one
   * attached by a redrive policy when the construct may change the queue, else the one
   * passed in (an imported queue's), for its alarm.
   */
  private sourceQueueDeadLetter(queue: IQueue, props: AsyncSinkPipelineProps): IQueue | undefined {
    const declared = declaredDeadLetterQueue(queue);
    if (declared) {
      if (props.deadLetterQueue && props.deadLetterQueue !== declared) {
        throw new PipelineConfigurationError(
          this,
          'The source queue already has a dead-letter queue; drop deadLetterQueue',
        );
      }
      return declared;
    }
    const resource = ownQueueResource(queue, this);
    if (!resource || hasRedrivePolicy(resource)) {
      if (!resource && !props.deadLetterQueue) {
        Annotations.of(this).addWarningV2(
          'lambda-async-sink:sourceQueueRedrive',
          'The source queue is imported or in another stack, so no redrive policy was attached: give it a ' +
            'dead-letter queue yourself, and pass it as deadLetterQueue so that its depth raises an alarm.',
        );
      }
      return props.deadLetterQueue;
    }
    const deadLetterQueue =
      props.deadLetterQueue ??
      createSecureQueue(this, 'DeadLetterQueue', { fifo: resource.fifoQueue === true });
    attachRedrivePolicy(
      resource,
      deadLetterQueue,
      props.maxReceiveCount ?? QUEUE_SOURCE_DEFAULTS.maxReceiveCount,
    );
    return deadLetterQueue;
  }

  private mapQueue(queue: IQueue, props: AsyncSinkPipelineProps, timeout: Duration): EventSourceMapping {
    const resource = ownQueueResource(queue, this);
    if (resource) {
      // Checked at synth time, so a later change to the queue's visibility timeout counts.
      this.node.addValidation({
        validate: () => {
          const problem = visibilityTimeoutProblem(resource, timeout);
          return problem ? [problem] : [];
        },
      });
    }
    const batchSize = props.batchSize ?? QUEUE_SOURCE_DEFAULTS.batchSize;
    if (
      batchSize > QUEUE_SOURCE_DEFAULTS.largestBatchWithoutWindow &&
      !props.maxBatchingWindow?.toSeconds()
    ) {
      throw new PipelineConfigurationError(
        this,
        `batchSize ${batchSize} needs a maxBatchingWindow of at least 1 second (AWS requires one above ` +
          `${QUEUE_SOURCE_DEFAULTS.largestBatchWithoutWindow})`,
      );
    }
    this.grantSourceRead(IAM_ACTIONS.sourceRead.sqs, queue.queueArn, queue.encryptionMasterKey);
    return this.createMapping({
      eventSourceArn: queue.queueArn,
      batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      ...this.commonMappingOptions(props),
      provisionedPollerConfig: props.provisionedPollers && { ...props.provisionedPollers },
    });
  }

  /** Grants reading a Kinesis stream; answers the ARN the mapping reads. */
  private kinesisRead(stream: IStream): string {
    this.grantSourceRead(IAM_ACTIONS.sourceRead.kinesis, stream.streamArn, stream.encryptionKey);
    return stream.streamArn;
  }

  /** Grants reading the one DynamoDB stream; answers its ARN. */
  private dynamoDBRead(source: {
    readonly streamArn: string | undefined;
    readonly encryptionKey?: IKey;
  }): string {
    if (source.streamArn === undefined) {
      throw new PipelineConfigurationError(
        this,
        'The source table has no stream: create it with `stream: StreamViewType.NEW_AND_OLD_IMAGES`, or import it with its tableStreamArn',
      );
    }
    this.grantSourceRead(IAM_ACTIONS.sourceRead.dynamodb, source.streamArn, source.encryptionKey);
    return source.streamArn;
  }

  private mapStream(
    streamArn: string,
    onFailure: IEventSourceDlq,
    props: AsyncSinkPipelineProps,
  ): EventSourceMapping {
    return this.createMapping({
      eventSourceArn: streamArn,
      batchSize: props.batchSize ?? STREAM_SOURCE_DEFAULTS.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      startingPosition: props.startingPosition ?? StartingPosition[STREAM_SOURCE_DEFAULTS.startingPosition],
      startingPositionTimestamp: props.startingPositionTimestamp,
      bisectBatchOnError: props.bisectBatchOnError ?? STREAM_SOURCE_DEFAULTS.bisectBatchOnError,
      retryAttempts: props.retryAttempts ?? STREAM_SOURCE_DEFAULTS.retryAttempts,
      maxRecordAge: props.maxRecordAge ?? Duration.seconds(STREAM_SOURCE_DEFAULTS.maxRecordAgeSeconds),
      parallelizationFactor: props.parallelizationFactor ?? STREAM_SOURCE_DEFAULTS.parallelizationFactor,
      onFailure,
      ...this.commonMappingOptions(props),
      provisionedPollerConfig: props.provisionedPollers && { ...props.provisionedPollers },
    });
  }

  private commonMappingOptions(props: AsyncSinkPipelineProps): EventSourceMappingOptions {
    return {
      // Owned by the construct: without it Lambda ignores the handler's batchItemFailures.
      reportBatchItemFailures: true,
      filters: props.filters?.map((filter) => ({ ...filter })),
      enabled: props.enabled,
      metricsConfig: props.eventSourceMappingMetrics && { metrics: [...props.eventSourceMappingMetrics] },
    };
  }

  private grantSourceRead(actions: readonly string[], arn: string, key: IKey | undefined): void {
    grantOnKey(this.role, key, IAM_ACTIONS.sourceKey);
    grantExactly(this.role, actions, [arn]);
  }

  private createMapping(options: EventSourceMappingOptions): EventSourceMapping {
    const mapping = new EventSourceMapping(this, 'EventSourceMapping', {
      target: this.lambdaFunction,
      ...options,
    });
    // Lambda checks the role's permissions when it creates the mapping.
    mapping.node.addDependency(this.role);
    return mapping;
  }

  private createDeadLetterQueue(id: string): IQueue {
    const queue = createSecureQueue(this, id);
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: ACKNOWLEDGED_DEAD_LETTER_REASON });
    return queue;
  }
}
