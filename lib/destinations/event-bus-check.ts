/**
 * The check that an EventBridge event bus exists, made before the first `PutEvents` of an
 * execution environment. `PutEvents` cannot be trusted to say so: for a bus that does not
 * exist it answers 200 with an `EventId` for every entry and drops the events (EventBridge user
 * guide, "Sending events with PutEvents"), so every record would be reported done and lost.
 * `DescribeEventBus` answers `ResourceNotFoundException` instead, which stops sending (fatal,
 * never poison) and reports every record failed, to be retried once the bus is there.
 */
import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { classifyAwsError } from './error-classifier.js';

/** Codes that say the role may not describe the bus: then the bus cannot be checked, and is not. */
const NOT_ALLOWED = /^(AccessDenied|AccessDeniedException|NotAuthorized|UnauthorizedOperation)$/;

/** Checks a bus once: the first caller asks `DescribeEventBus`, the others wait for its answer. */
export class EventBusCheck {
  private checked: Promise<void> | undefined;

  constructor(
    private readonly client: EventBridgeClient,
    /** The bus's name or ARN; `undefined` or `default` (the account's own, which always exists) is not checked. */
    private readonly eventBusName: string | undefined,
  ) {
    if (eventBusName === undefined || eventBusName === 'default') this.checked = Promise.resolve();
  }

  /**
   * Resolves once the bus is known to exist, or cannot be checked; rejects with
   * `DescribeEventBus`'s error otherwise. A failed check is not kept: the next call asks again,
   * so a bus created meanwhile is found.
   */
  exists(signal: AbortSignal): Promise<void> {
    if (this.checked === undefined) {
      const asking = this.client
        .send(new DescribeEventBusCommand({ Name: this.eventBusName }), { abortSignal: signal })
        .then(
          () => undefined,
          (error: unknown) => this.unlessNotAllowed(error),
        );
      this.checked = asking;
      asking.catch(() => {
        if (this.checked === asking) this.checked = undefined;
      });
    }
    return this.checked;
  }

  /**
   * Another account's bus cannot be described (a bus policy grants PutEvents, PutRule and
   * PutTargets only), nor can a bus by a role without `events:DescribeEventBus`: sending goes
   * on unchecked, as before the check, with one warning, rather than stopping for good.
   */
  private unlessNotAllowed(error: unknown): void {
    const { code, message } = classifyAwsError(error);
    if (!NOT_ALLOWED.test(code)) throw error;
    process.emitWarning(
      `lambda-async-sink: event bus ${this.eventBusName} could not be checked (${code}: ${message}); PutEvents drops the events of a bus that does not exist. Grant events:DescribeEventBus on the bus, or set verifyEventBus: false.`,
      { code: 'LAMBDA_ASYNC_SINK_EVENT_BUS_UNCHECKED' },
    );
  }
}
