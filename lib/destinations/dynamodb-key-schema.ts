/**
 * The DynamoDB table's key schema as the destination knows it: the key attributes' types,
 * declared in the options or learned from the requests DynamoDB accepted, and how a refusal
 * of a key is told apart: a bad item (poison) or options that do not fit the table (fatal).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { classifyAwsError } from './error-classifier.js';

/** A key attribute's type in the table's key schema: string, number or binary. */
export type DynamoDbKeyType = 'S' | 'N' | 'B';

/** The key attribute types, for option checks. */
export const DYNAMODB_KEY_TYPES: readonly DynamoDbKeyType[] = ['S', 'N', 'B'];

const TYPE_NAMES: Readonly<Record<DynamoDbKeyType, string>> = { S: 'a string', N: 'a number', B: 'binary' };

/** The type of a marshalled key value, or undefined when it is none a key can have. */
export function keyTypeOf(value: AttributeValue | undefined): DynamoDbKeyType | undefined {
  if (value?.S !== undefined) return 'S';
  if (value?.N !== undefined) return 'N';
  return value?.B !== undefined ? 'B' : undefined;
}

/** Why the key value does not have the declared type, or undefined. */
export function keyTypeProblem(
  name: string,
  actual: DynamoDbKeyType,
  declared: DynamoDbKeyType | undefined,
): string | undefined {
  return declared === undefined || actual === declared
    ? undefined
    : `key attribute ${name} must be ${TYPE_NAMES[declared]}, as in the table's key schema; it is ${TYPE_NAMES[actual]}`;
}

// DynamoDB's words for a key that does not fit the table ("The provided key element does not
// match the schema"), and the documentation's "Type mismatch for key" and "Missing the key".
const KEY_SCHEMA_MESSAGE = /key element does not match the schema|type mismatch for key|missing the key/i;

/**
 * DynamoDB refused a key that fits the options: the options do not fit the table. A
 * configuration error, so sending stops (fatal) rather than every item turning into poison
 * that the `drop` policy would drop.
 */
export class KeySchemaMismatchError extends Error {
  override readonly name = 'KeySchemaMismatch';
}

/**
 * What the destination knows of the table's key types: those declared in the options, and
 * each combination (`'S'`, `'SN'`, ...) of a request DynamoDB accepted, since it validates a
 * request as a whole before writing any item of it.
 */
export class KeySchemaKnowledge {
  private readonly accepted = new Set<string>();
  /** The key types in the options, e.g. `'SN'`, when all are given. */
  private readonly declared: string | undefined;
  /** The key attributes, for the error message. */
  private readonly keys: string;

  constructor(names: readonly string[], types: readonly (DynamoDbKeyType | undefined)[]) {
    this.declared = types.every((type) => type !== undefined) ? types.join('') : undefined;
    if (this.declared !== undefined) this.accepted.add(this.declared);
    this.keys = names.map((name, index) => `${index === 0 ? 'partitionKey' : 'sortKey'} ${name}`).join(', ');
  }

  /** DynamoDB accepted a request holding these key type combinations. */
  learn(keyTypes: Iterable<string>): void {
    for (const types of keyTypes) this.accepted.add(types);
  }

  /**
   * The configuration error a whole-request refusal of a key means, or undefined (the core
   * bisects, and an item that stands alone fails as poison). With declared key types every
   * item sent has them, so any refusal of a key is the options' fault. Without, an item
   * refused alone is the options' fault unless DynamoDB has taken another key type combination,
   * which shows the table's: then the item is the odd one out.
   */
  refusal(error: unknown, keyTypes: readonly string[]): KeySchemaMismatchError | undefined {
    const { code, message } = classifyAwsError(error);
    if (code !== 'ValidationException' || !KEY_SCHEMA_MESSAGE.test(message)) return undefined;
    if (this.declared === undefined) {
      if (keyTypes.length > 1) return undefined;
      if ([...this.accepted].some((types) => types !== keyTypes[0])) return undefined;
    }
    return new KeySchemaMismatchError(
      `DynamoDB refuses the key (${message}), although it has the destination's key attributes (${this.keys}) and their types: set partitionKey and sortKey, and their types, as the table has them`,
      { cause: error },
    );
  }
}
