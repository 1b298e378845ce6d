import type { DynamoDBStreamRecord } from '../sources/dynamodb.js';
import { isDynamoDBRecord, unmarshallImage } from '../sources/dynamodb.js';
import { isKinesisRecord, kinesisText } from '../sources/kinesis.js';
import type { SourceRecord } from '../sources/source-event.js';
import { isSqsRecord } from '../sources/sqs.js';
import { HandlerConfigurationError } from './handler-configuration-error.js';
import type { Conversion, SchemaSinkHandlerOptions, SinkHandlerOptions } from './handler-options.js';
import { HandlerFailureCode } from './poison.js';
import { RecordRejectedError } from './record-rejected-error.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Issues listed in a failure reason; a schema may report hundreds for one record. */
const MAX_LISTED_ISSUES = 5;

/** A user's `convert` behind a schema: the checked value first, the record beside it. */
type CheckedConvert<Rec extends SourceRecord, Output, Entry> = (
  value: Output,
  record: Rec,
) => Conversion<Entry> | Promise<Conversion<Entry>>;

/**
 * The options as the handler runs them: with a `schema`, `convert` is wrapped so that it
 * decodes and checks each record first. Checked once, at cold start.
 */
export function withSchemaApplied<Rec extends SourceRecord, Entry>(
  options: SinkHandlerOptions<Rec, Entry> | SchemaSinkHandlerOptions<StandardSchemaV1, Rec, Entry>,
): SinkHandlerOptions<Rec, Entry> {
  if (
    typeof options !== 'object' ||
    options === null ||
    !('schema' in options) ||
    options.schema === undefined
  ) {
    return options as SinkHandlerOptions<Rec, Entry>;
  }
  const { schema, convert, ...rest } = options;
  if (typeof (schema as Partial<StandardSchemaV1> | null)?.['~standard']?.validate !== 'function') {
    throw new HandlerConfigurationError(
      'schema',
      'schema must implement Standard Schema v1 (a `~standard.validate` function), e.g. a zod, valibot or arktype schema',
    );
  }
  if (typeof convert !== 'function') {
    throw new HandlerConfigurationError(
      'convert',
      'convert must be a function from the checked value to entries',
    );
  }
  return { ...rest, convert: convertWithSchema(schema, convert) };
}

/**
 * `convert` behind a schema: each record is decoded, checked, and handed to `convert` as
 * the schema's output with the record beside it. A refused record fails as poison
 * (`SchemaRejected`), its reason listing the issues' paths and messages. Synchronous when
 * the schema and `convert` are, so that a synchronous schema costs no microtask.
 */
export function convertWithSchema<Rec extends SourceRecord, Output, Entry>(
  schema: StandardSchemaV1<unknown, Output>,
  convert: CheckedConvert<Rec, Output, Entry>,
): (record: Rec) => Conversion<Entry> | Promise<Conversion<Entry>> {
  const standard = schema['~standard'];
  return (record) => {
    const value = decodeForSchema(record);
    const result = standard.validate(value);
    if (isPromiseLike(result))
      return Promise.resolve(result).then((settled) => convert(checked(settled, value), record));
    return convert(checked(result, value), record);
  };
}

/**
 * The value a schema checks: the JSON body of an SQS message, the base64 JSON data of a
 * Kinesis record (of each user record, when aggregated), the unmarshalled image of a
 * DynamoDB stream record (the new image; the old one on REMOVE; the keys when the stream
 * carries no image). Throws a `DecodeFailed` rejection, naming no payload, when it cannot.
 */
export function decodeForSchema(record: SourceRecord): unknown {
  if (isDynamoDBRecord(record)) {
    const stream = (record as DynamoDBStreamRecord).dynamodb;
    try {
      return unmarshallImage(stream.NewImage ?? stream.OldImage ?? stream.Keys);
    } catch {
      // util-dynamodb's message may quote the attribute value: only the fault's kind is kept.
      throw new RecordRejectedError(
        HandlerFailureCode.DecodeFailed,
        'the image holds an attribute value that cannot be unmarshalled',
      );
    }
  }
  if (isSqsRecord(record)) return parseJson(record.body, 'the body');
  if (isKinesisRecord(record)) return parseJson(kinesisTextOrReject(record), 'the data');
  throw new RecordRejectedError(HandlerFailureCode.DecodeFailed, 'a record of no known source');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the fault: only its kind is kept.
    throw new RecordRejectedError(
      HandlerFailureCode.DecodeFailed,
      `${what} is not JSON (${jsonFault(error)})`,
    );
  }
}

function kinesisTextOrReject(record: Parameters<typeof kinesisText>[0]): string {
  try {
    return kinesisText(record);
  } catch {
    throw new RecordRejectedError(HandlerFailureCode.DecodeFailed, 'the data is not UTF-8');
  }
}

function checked<Output>(result: StandardSchemaV1.Result<Output>, value: unknown): Output {
  if (result.issues !== undefined) {
    throw new RecordRejectedError(
      HandlerFailureCode.SchemaRejected,
      `the schema refused the record: ${describeIssues(result.issues, value)}`,
    );
  }
  return result.value;
}

/**
 * The issues as `path: message` pairs, at most {@link MAX_LISTED_ISSUES} of them. Some
 * libraries quote the refused value in the message (valibot: `received "secret"`): the
 * value found at the issue's path is cut out of its message, so that no payload reaches
 * a log or a dead-letter reason.
 */
export function describeIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>, value: unknown): string {
  const listed = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => `${pathOf(issue)}: ${redacted(issue.message, valueAt(value, issue.path))}`);
  const more = issues.length > MAX_LISTED_ISSUES ? `; and ${issues.length - MAX_LISTED_ISSUES} more` : '';
  return `${listed.join('; ')}${more}`;
}

function keysOf(path: StandardSchemaV1.Issue['path']): PropertyKey[] {
  return (path ?? []).map((segment) =>
    typeof segment === 'object' && segment !== null ? segment.key : segment,
  );
}

function pathOf(issue: StandardSchemaV1.Issue): string {
  const keys = keysOf(issue.path);
  if (keys.length === 0) return '(root)';
  return keys
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAt(value: unknown, path: StandardSchemaV1.Issue['path']): unknown {
  let current = value;
  for (const key of keysOf(path)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The message with every spelling of a refused scalar value replaced by `<value>`. */
function redacted(message: string, value: unknown): string {
  if (typeof message !== 'string') return '(no message)';
  const spellings = scalarSpellings(value);
  let text = message;
  for (const spelling of spellings) {
    // A bare number or word is cut only where it stands alone, not inside a longer word or number.
    const bounded = new RegExp(`(?<![\\w.])${escapeRegExp(spelling)}(?![\\w.])`, 'g');
    text = /^[\w.+-]+$/.test(spelling)
      ? text.replace(bounded, '<value>')
      : text.split(spelling).join('<value>');
  }
  return text;
}

function scalarSpellings(value: unknown): string[] {
  if (typeof value === 'string') {
    const quoted = [JSON.stringify(value), `"${value}"`, `'${value}'`, `\`${value}\``];
    // A short bare string ("a", "id") is too likely to be a word of the message itself.
    return value.length >= 4 ? [...quoted, value] : quoted;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return [String(value), `${String(value)}n`];
  }
  // Stryker disable next-line ArrayDeclaration: a junk spelling changes only a message that holds that text
  return [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

function jsonFault(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('end of JSON input')) return 'it ends too soon';
  const position = /position (\d+)/.exec(message);
  return position ? `unexpected character at position ${position[1]}` : 'malformed';
}
