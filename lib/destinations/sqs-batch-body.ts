/**
 * The `SendMessageBatch` body the SQS destination writes itself (see prebuilt-body.ts):
 * byte for byte what the SDK's AWS JSON 1.0 serializer writes for
 * `sendMessageBatchInput`, as test/destinations/request-body.conformance.test.ts checks.
 */
import { hash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { base64Of, bodyBytes, jsonStringOf } from './prebuilt-body.js';
import type { SqsEntry } from './sqs.js';

/**
 * The body for a batch, or `undefined` when an entry holds a value of a type the
 * destination does not write itself (say, a string where bytes belong): the SDK's
 * serializer then writes that batch, as it would have anyway.
 */
export function sendMessageBatchBody(queueUrl: string, entries: readonly SqsEntry[]): Buffer | undefined {
  let json = `{"QueueUrl":${jsonStringOf(queueUrl)},"Entries":[`;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // Members in the SDK schema's order; absent (null or undefined) members are left out, as the SDK does.
    json += i === 0 ? '{"Id":"' : ',{"Id":"';
    json += String(i);
    json += '"';
    if (entry.body != null) {
      if (typeof entry.body !== 'string') return undefined;
      json += `,"MessageBody":${jsonStringOf(entry.body)}`;
    }
    if (entry.delaySeconds != null) {
      if (!Number.isFinite(entry.delaySeconds)) return undefined;
      json += `,"DelaySeconds":${String(entry.delaySeconds)}`;
    }
    if (entry.messageAttributes != null) {
      const attributes = attributesJson(entry.messageAttributes);
      if (attributes === undefined) return undefined;
      json += `,"MessageAttributes":${attributes}`;
    }
    if (entry.messageDeduplicationId != null) {
      if (typeof entry.messageDeduplicationId !== 'string') return undefined;
      json += `,"MessageDeduplicationId":${jsonStringOf(entry.messageDeduplicationId)}`;
    }
    if (entry.messageGroupId != null) {
      if (typeof entry.messageGroupId !== 'string') return undefined;
      json += `,"MessageGroupId":${jsonStringOf(entry.messageGroupId)}`;
    }
    json += '}';
  }
  return bodyBytes(`${json}]}`);
}

/** The attribute map in the order the SDK walks it (`for…in`, own keys: integer-like names first). */
function attributesJson(attributes: Readonly<Record<string, MessageAttributeValue>>): string | undefined {
  if (typeof attributes !== 'object' || Array.isArray(attributes)) return undefined;
  let json = '{';
  for (const name in attributes) {
    if (!Object.hasOwn(attributes, name)) continue;
    const value = attributes[name];
    if (value == null) continue;
    const written = attributeJson(value);
    if (written === undefined) return undefined;
    json += json.length === 1 ? '' : ',';
    json += jsonStringOf(name);
    json += ':';
    json += written;
  }
  return `${json}}`;
}

function attributeJson(value: MessageAttributeValue): string | undefined {
  if (typeof value !== 'object') return undefined;
  const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = value;
  const members: string[] = [];
  if (DataType != null) {
    if (typeof DataType !== 'string') return undefined;
    members.push(`"DataType":${jsonStringOf(DataType)}`);
  }
  if (StringValue != null) {
    if (typeof StringValue !== 'string') return undefined;
    members.push(`"StringValue":${jsonStringOf(StringValue)}`);
  }
  if (BinaryValue != null) {
    if (!(BinaryValue instanceof Uint8Array)) return undefined;
    members.push(`"BinaryValue":"${base64Of(BinaryValue)}"`);
  }
  if (StringListValues != null) {
    if (!Array.isArray(StringListValues) || !StringListValues.every((item) => typeof item === 'string')) {
      return undefined;
    }
    members.push(`"StringListValues":${JSON.stringify(StringListValues)}`);
  }
  if (BinaryListValues != null) {
    if (!Array.isArray(BinaryListValues) || !BinaryListValues.every((item) => item instanceof Uint8Array)) {
      return undefined;
    }
    members.push(`"BinaryListValues":[${BinaryListValues.map((item) => `"${base64Of(item)}"`).join(',')}]`);
  }
  return `{${members.join(',')}}`;
}

/**
 * The positions of entries SQS reports sent whose `MD5OfMessageBody` is missing or does
 * not match the body sent: the check the SDK's own middleware makes on the command's
 * input, which holds no entries when the destination built the body, so it is made here.
 */
export function md5Mismatches(
  successful: readonly { readonly Id?: string; readonly MD5OfMessageBody?: string }[] | undefined,
  entries: readonly SqsEntry[],
): Set<string> {
  const mismatched = new Set<string>();
  for (const success of successful ?? []) {
    const id = success.Id;
    if (id === undefined || !/^\d+$/.test(id)) continue;
    const entry = entries[Number(id)];
    if (entry === undefined) continue;
    // One-shot hashing: no Hash object per entry (Node 20.12+).
    const expected = hash('md5', entry.body ?? '', 'hex');
    if (success.MD5OfMessageBody !== expected) mismatched.add(id);
  }
  return mismatched;
}
