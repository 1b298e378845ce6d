/**
 * The rules SQS applies to a message, checked before sending so that a message SQS would
 * reject fails alone and at once instead of costing a request (see README.md for sources).
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { utf8Length } from './utf8.js';

/** SQS limits on one message. */
export const SQS_MESSAGE_LIMITS = {
  maxMessageAttributes: 10,
  maxAttributeNameCharacters: 256,
  maxDataTypeCharacters: 256,
  minDelaySeconds: 0,
  maxDelaySeconds: 900,
  maxGroupIdCharacters: 128,
  maxDeduplicationIdCharacters: 128,
} as const;

/**
 * Characters outside what SQS accepts in a body or string attribute:
 * #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
 * With the `u` flag a lone surrogate is one code point in D800–DFFF, so it is caught too.
 */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character SQS would reject, described, or `undefined` when all are allowed. */
export function invalidCharacterIn(text: string): string | undefined {
  const match = INVALID_CHARACTER.exec(text);
  if (match === null) return undefined;
  const codePoint = match[0].codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${match.index}`;
}

/** Alphanumerics and punctuation: what a message group id and a deduplication id may hold. */
const GROUP_OR_DEDUPLICATION_ID = /^[!-~]+$/;

/** Why `value` is not a valid message group id or deduplication id, or `undefined`. */
export function invalidIdReason(field: string, value: unknown, maxCharacters: number): string | undefined {
  if (typeof value !== 'string' || value.length < 1 || value.length > maxCharacters) {
    return `${field} must be 1 to ${maxCharacters} characters; got ${JSON.stringify(value)}`;
  }
  if (!GROUP_OR_DEDUPLICATION_ID.test(value)) {
    return `${field} may hold only alphanumeric characters and punctuation (!-~); got ${JSON.stringify(value)}`;
  }
  return undefined;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const RESERVED_PREFIX = /^(aws\.|amazon\.)/i;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Why an attribute SQS would reject, or `undefined`. */
function invalidAttributeReason(name: string, value: MessageAttributeValue): string | undefined {
  if (name.length < 1 || name.length > SQS_MESSAGE_LIMITS.maxAttributeNameCharacters) {
    return `message attribute name must be 1 to ${SQS_MESSAGE_LIMITS.maxAttributeNameCharacters} characters; got ${JSON.stringify(name)}`;
  }
  if (
    !ATTRIBUTE_NAME.test(name) ||
    RESERVED_PREFIX.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..')
  ) {
    return `message attribute name ${JSON.stringify(name)} must use [A-Za-z0-9_.-], not start with AWS. or Amazon., and not start, end or repeat a period`;
  }
  if (typeof value !== 'object' || value === null) return `message attribute ${name} must be an object`;
  const dataType = value.DataType;
  if (
    typeof dataType !== 'string' ||
    !DATA_TYPE.test(dataType) ||
    dataType.length > SQS_MESSAGE_LIMITS.maxDataTypeCharacters
  ) {
    return `message attribute ${name} needs a DataType of String, Number or Binary (optionally with a .label), up to ${SQS_MESSAGE_LIMITS.maxDataTypeCharacters} characters; got ${JSON.stringify(dataType)}`;
  }
  if (value.StringListValues !== undefined || value.BinaryListValues !== undefined) {
    return `message attribute ${name}: StringListValues and BinaryListValues are not implemented by SQS`;
  }
  const invalidLabel = invalidCharacterIn(dataType);
  if (invalidLabel !== undefined)
    return `message attribute ${name}: DataType has a character SQS rejects (${invalidLabel})`;
  if (dataType.startsWith('Binary')) {
    if (
      !(value.BinaryValue instanceof Uint8Array) ||
      value.BinaryValue.byteLength === 0 ||
      value.StringValue !== undefined
    ) {
      return `message attribute ${name} of type ${dataType} needs a non-empty BinaryValue and no StringValue`;
    }
    return undefined;
  }
  if (typeof value.StringValue !== 'string' || value.StringValue === '' || value.BinaryValue !== undefined) {
    return `message attribute ${name} of type ${dataType} needs a non-empty StringValue and no BinaryValue`;
  }
  const invalid = invalidCharacterIn(value.StringValue);
  if (invalid !== undefined) return `message attribute ${name} has a character SQS rejects (${invalid})`;
  if (dataType.startsWith('Number') && !NUMBER.test(value.StringValue)) {
    return `message attribute ${name} of type ${dataType} needs a decimal number as StringValue; got ${JSON.stringify(value.StringValue)}`;
  }
  return undefined;
}

/** Why SQS would reject these message attributes, or `undefined`. */
export function invalidAttributesReason(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): string | undefined {
  if (attributes === undefined) return undefined;
  if (typeof attributes !== 'object' || attributes === null) return 'messageAttributes must be an object';
  const names = Object.keys(attributes);
  if (names.length > SQS_MESSAGE_LIMITS.maxMessageAttributes) {
    return `a message may have at most ${SQS_MESSAGE_LIMITS.maxMessageAttributes} message attributes; it has ${names.length}`;
  }
  for (const name of names) {
    const reason = invalidAttributeReason(name, attributes[name]);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * The message's size as SQS counts it against the 1 MiB limits: the body plus, for each
 * message attribute, its name, its data type and its value, all in UTF-8 bytes.
 */
export function sqsMessageSize(
  body: string,
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): number {
  let size = utf8Length(body);
  if (attributes !== undefined) {
    for (const [name, value] of Object.entries(attributes)) {
      size += utf8Length(name) + utf8Length(value.DataType ?? '');
      if (value.StringValue !== undefined) size += utf8Length(value.StringValue);
      if (value.BinaryValue !== undefined) size += value.BinaryValue.byteLength;
    }
  }
  return size;
}
