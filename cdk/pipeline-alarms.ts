import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_DEFAULTS } from './defaults.js';

/** The alarms of one pipeline. */
export interface PipelineAlarms {
  /** The function failed (threw, timed out, or ran out of memory). */
  readonly functionErrors: Alarm;
  /** Lambda throttled the function. */
  readonly functionThrottles: Alarm;
  /** A stream source's records wait too long before the function gets them (stream sources only). */
  readonly iteratorAge?: Alarm;
  /** Something reached the source's dead-letter queue or on-failure destination, when the construct knows it. */
  readonly deadLetterDepth?: Alarm;
  /** Something reached the poison dead-letter queue (dead-letter poison policy only). */
  readonly poisonDeadLetterDepth?: Alarm;
}

/** What the alarms watch. */
export interface PipelineAlarmsProps {
  readonly lambdaFunction: IFunction;
  /** Set for a stream source: the iteratorAge alarm's threshold. */
  readonly iteratorAgeThreshold?: Duration;
  readonly deadLetterQueue?: IQueue;
  readonly poisonDeadLetterQueue?: IQueue;
  /** Actions every alarm runs when it fires. */
  readonly alarmActions?: readonly IAlarmAction[];
}

interface AlarmShape {
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly description: string;
}

/** The CloudWatch alarms of a pipeline, under one construct so they can be found together. */
export class PipelineAlarmSet extends Construct {
  /** The alarms, by what they watch. */
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const fn = props.lambdaFunction;
    const { functionErrors, functionThrottles, deadLetterDepth, iteratorAge } = ALARM_DEFAULTS;
    this.alarms = {
      functionErrors: this.alarm(
        'FunctionErrors',
        fn.metricErrors({ period: Duration.minutes(functionErrors.periodMinutes), statistic: Stats.SUM }),
        { ...functionErrors, description: 'The forwarding function failed an invocation.' },
      ),
      functionThrottles: this.alarm(
        'FunctionThrottles',
        fn.metricThrottles({
          period: Duration.minutes(functionThrottles.periodMinutes),
          statistic: Stats.SUM,
        }),
        { ...functionThrottles, description: 'Lambda throttled the forwarding function.' },
      ),
      iteratorAge:
        props.iteratorAgeThreshold === undefined
          ? undefined
          : this.alarm(
              'IteratorAge',
              fn.metric('IteratorAge', {
                period: Duration.minutes(iteratorAge.periodMinutes),
                statistic: Stats.MAXIMUM,
              }),
              {
                evaluationPeriods: iteratorAge.evaluationPeriods,
                threshold: props.iteratorAgeThreshold.toMilliseconds(),
                description: 'Records wait in the source stream longer than the threshold (milliseconds).',
              },
            ),
      deadLetterDepth:
        props.deadLetterQueue &&
        this.alarm('DeadLetterDepth', this.depthOf(props.deadLetterQueue, deadLetterDepth.periodMinutes), {
          ...deadLetterDepth,
          description: 'Records the source gave up on are waiting in the dead-letter queue.',
        }),
      poisonDeadLetterDepth:
        props.poisonDeadLetterQueue &&
        this.alarm(
          'PoisonDeadLetterDepth',
          this.depthOf(props.poisonDeadLetterQueue, deadLetterDepth.periodMinutes),
          { ...deadLetterDepth, description: 'Poison records are waiting in the poison dead-letter queue.' },
        ),
    };
    this.addAlarmAction(...(props.alarmActions ?? []));
  }

  /** Every alarm of the set, in a fixed order. */
  get all(): Alarm[] {
    const { functionErrors, functionThrottles, iteratorAge, deadLetterDepth, poisonDeadLetterDepth } =
      this.alarms;
    return [functionErrors, functionThrottles, iteratorAge, deadLetterDepth, poisonDeadLetterDepth].filter(
      (alarm): alarm is Alarm => alarm !== undefined,
    );
  }

  /** Adds actions that every alarm of the set runs when it fires. */
  addAlarmAction(...actions: IAlarmAction[]): void {
    if (actions.length === 0) return;
    for (const alarm of this.all) alarm.addAlarmAction(...actions);
  }

  private depthOf(queue: IQueue, periodMinutes: number): Metric {
    return queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(periodMinutes),
      statistic: Stats.MAXIMUM,
    });
  }

  private alarm(id: string, metric: Metric, shape: AlarmShape): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold: shape.threshold,
      evaluationPeriods: shape.evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: shape.description,
    });
  }
}
