/** The SNS destination and conversion of the `*-to-sns` functions. */
import { createHash } from 'node:crypto';
import { deduplicationIdFor } from '../lib/destinations/deduplication-id.js';
import { type SnsDestination, type SnsEntry, snsDestination } from '../lib/destinations/sns.js';
import { type Environment, fromVariable, requiredString, type SinkTuning } from './config.js';
import { DESTINATION_VARIABLES } from './contract.js';
import type { RecordPayload } from './record-payload.js';

/** TOPIC_ARN, with the tuning's client settings; a `.fifo` topic is FIFO. */
export function snsFromEnvironment(env: Environment, tuning: SinkTuning): SnsDestination {
  const variable = DESTINATION_VARIABLES.sns;
  const topicArn = requiredString(env, variable, 'the ARN of the destination SNS topic');
  return fromVariable(variable, () =>
    snsDestination({
      topicArn,
      maxInFlightRequests: tuning.maxInFlightRequests,
      requestTimeoutMs: tuning.requestTimeoutMs,
    }),
  );
}

/** A message group id for a source group: the group itself when SNS allows it, else its SHA-256 in hex. */
function groupIdFor(group: string): string {
  return /^[!-~]{1,128}$/.test(group) ? group : createHash('sha256').update(group, 'utf8').digest('hex');
}

/**
 * One message per record: its text, or its bytes in base64 when not UTF-8. On a FIFO topic
 * the source's group (FIFO message group, partition key; else the record itself) is the
 * message group, and the deduplication id is derived from the record as for SQS.
 */
export function payloadToSns(fifo: boolean): (payload: RecordPayload) => SnsEntry {
  return (payload) => ({
    message: payload.text || Buffer.from(payload.bytes).toString('base64'),
    ...(fifo
      ? {
          messageGroupId: groupIdFor(payload.group ?? payload.id),
          messageDeduplicationId: deduplicationIdFor(payload.id, 0),
        }
      : {}),
  });
}
