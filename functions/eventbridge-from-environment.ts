/** The EventBridge destination and conversion of the `*-to-eventbridge` functions. */
import {
  type EventBridgeDestination,
  type EventBridgeEntry,
  eventBridgeDestination,
} from '../lib/destinations/eventbridge.js';
import { type Environment, fromVariable, optionalString, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_OPTION_VARIABLES, DESTINATION_VARIABLES } from './contract.js';
import type { RecordPayload } from './record-payload.js';

/** The defaults of EVENT_SOURCE and EVENT_DETAIL_TYPE. */
export const EVENT_DEFAULTS = { source: 'lambda-async-sink', detailType: 'record' } as const;

/** EVENT_BUS_NAME, with the tuning's client settings. */
export function eventBridgeFromEnvironment(env: Environment, tuning: SinkTuning): EventBridgeDestination {
  const variable = DESTINATION_VARIABLES.eventbridge;
  const eventBusName = requiredString(env, variable, 'the name or ARN of the destination event bus');
  return fromVariable(variable, () =>
    eventBridgeDestination({
      eventBusName,
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}

function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * One event per record: a JSON object record is the event's detail as it is; anything else
 * is wrapped as `{"data": "<text or base64>"}`, since EventBridge takes only JSON objects.
 */
export function payloadToEventBridge(env: Environment): (payload: RecordPayload) => EventBridgeEntry {
  const source = optionalString(env, DESTINATION_OPTION_VARIABLES.eventSource) ?? EVENT_DEFAULTS.source;
  const detailType =
    optionalString(env, DESTINATION_OPTION_VARIABLES.eventDetailType) ?? EVENT_DEFAULTS.detailType;
  return (payload) => ({
    source,
    detailType,
    detail:
      payload.text !== undefined && isJsonObjectText(payload.text)
        ? payload.text
        : JSON.stringify({ data: payload.text ?? Buffer.from(payload.bytes).toString('base64') }),
  });
}
