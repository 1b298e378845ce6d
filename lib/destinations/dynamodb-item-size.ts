/**
 * An item's size as DynamoDB counts it against the 400 KB item limit (developer guide,
 * "DynamoDB item sizes and formats"): attribute names and strings in UTF-8 bytes, binary
 * in raw bytes, null and Boolean 1 byte, a list or map 3 bytes plus 1 per element, a set
 * the sum of its elements. AWS gives a number's size only "approximately" (1 byte per two
 * significant digits, plus 1); we count it as dynalite does, which adds the byte for an
 * odd alignment and for the sign, so we never pass an item the service would refuse.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { utf8Length } from './utf8.js';

/** DynamoDB numbers: up to 38 significant digits, magnitude 1E-130 to under 1E+126. */
export const DYNAMODB_NUMBER_LIMITS = { maxDigits: 38, minExponent: -130, maxExponent: 125 } as const;

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The size of a DynamoDB number string, or why DynamoDB would refuse it. */
export function numberSize(text: string): number | string {
  const match = NUMBER.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === ''))
    return `${JSON.stringify(text)} is not a number`;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first === -1) return 1;
  const significant = digits.slice(first).replace(/0+$/, '');
  // The power of ten of the leading significant digit.
  const leading = Number(exponent) + whole.length - 1 - first;
  if (significant.length > DYNAMODB_NUMBER_LIMITS.maxDigits) {
    return `number ${text} has ${significant.length} significant digits; DynamoDB allows ${DYNAMODB_NUMBER_LIMITS.maxDigits}`;
  }
  if (leading < DYNAMODB_NUMBER_LIMITS.minExponent || leading > DYNAMODB_NUMBER_LIMITS.maxExponent) {
    return `number ${text} is outside DynamoDB's range, 1E-130 to 9.99…E+125`;
  }
  const count = significant.length;
  const aligned = count % 2 === 0 && leading % 2 === 0 ? 1 : 0;
  return 1 + Math.ceil(count / 2) + aligned + (sign === '-' ? 1 : 0);
}

/** Thrown inside the walk when a value can never be stored; its message names the attribute. */
class UnstorableValue extends Error {}

function valueSize(value: AttributeValue, path: string): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return checkedNumber(value.N, path);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + utf8Length(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + checkedNumber(text, path), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + bytes.byteLength, 0);
  if (value.L !== undefined) {
    return value.L.reduce((sum, element, index) => sum + 1 + valueSize(element, `${path}[${index}]`), 3);
  }
  if (value.M !== undefined) {
    let size = 3;
    for (const [name, element] of Object.entries(value.M))
      size += 1 + utf8Length(name) + valueSize(element, `${path}.${name}`);
    return size;
  }
  throw new UnstorableValue(`attribute ${path} has no DynamoDB type`);
}

function checkedNumber(text: string, path: string): number {
  const size = numberSize(text);
  if (typeof size === 'string') throw new UnstorableValue(`attribute ${path}: ${size}`);
  return size;
}

/** The item's size in bytes as DynamoDB counts it, or why it can never be stored. */
export function dynamoDbItemSize(item: Readonly<Record<string, AttributeValue>>): number | string {
  try {
    let size = 0;
    for (const [name, value] of Object.entries(item)) size += utf8Length(name) + valueSize(value, name);
    return size;
  } catch (error) {
    if (error instanceof UnstorableValue) return error.message;
    throw error;
  }
}
