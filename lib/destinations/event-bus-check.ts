/**
 * The check that an EventBridge event bus exists, made before the first `PutEvents` of an
 * execution environment. `PutEvents` cannot be trusted to say so: for a bus that does not
 * exist it answers 200 with an `EventId` for every entry and drops the events (EventBridge user
 * guide, "Sending events with PutEvents"), so every record would be reported done and lost.
 * `DescribeEventBus` answers `ResourceNotFoundException` instead, which stops sending (fatal,
 * never poison) and reports every record failed, to be retried once the bus is there.
 */
import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';

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
   * Resolves once the bus is known to exist; rejects with `DescribeEventBus`'s error. A failed
   * check is not kept: the next call asks again, so a bus created meanwhile is found.
   */
  exists(signal: AbortSignal): Promise<void> {
    if (this.checked === undefined) {
      const asking = this.client
        .send(new DescribeEventBusCommand({ Name: this.eventBusName }), { abortSignal: signal })
        .then(() => undefined);
      this.checked = asking;
      asking.catch(() => {
        if (this.checked === asking) this.checked = undefined;
      });
    }
    return this.checked;
  }
}
