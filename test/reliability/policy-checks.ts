/**
 * Security checks over a synthesized template, as pure functions that return the
 * violations they find (so that a test can also show they do find them): wildcard
 * actions and resources in IAM statements, statements open to everyone, and queues and
 * buckets that are not encrypted or accept requests without TLS.
 */
import type { StackUnderTest } from './stacks-under-test.js';
import { constructPaths } from './stacks-under-test.js';

type Json = Record<string, unknown>;

/** One statement of any policy document in a template, with the resource that holds it. */
export interface FoundStatement {
  readonly logicalId: string;
  readonly type: string;
  readonly statement: Json;
}

/**
 * Wildcard resources that an AWS API leaves no way around, with the reason. A statement
 * with `*` in a resource must match one entry: its exact actions, its principal, and the
 * resource's literal text after the one resource it is anchored to (a `Ref` / `Fn::GetAtt`).
 *
 * No entry is a bare `Resource: "*"`, and none is needed: the function does not turn on
 * X-Ray tracing (xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-
 * level permissions and would need `*`), and it publishes its metrics as Embedded Metric
 * Format log lines, so it never calls cloudwatch:PutMetricData (which would need `*` too).
 * The stacks create no KMS key, whose key policy would say `*` for "this key".
 */
export const WILDCARD_RESOURCE_ALLOW_LIST = [
  {
    id: 'firehose-delivers-s3-objects',
    actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
    principal: undefined,
    resource: /^\/(records|errors)\/\*$/,
    condition: undefined,
    reason:
      'Firehose names each S3 object (prefix, date path, random suffix) when it delivers, so the ' +
      "delivery role's object-level actions can be scoped no closer than the records/ and errors/ " +
      'prefixes of the one delivery bucket.',
  },
  {
    id: 's3-server-access-log-delivery',
    actions: ['s3:PutObject'],
    principal: { Service: 'logging.s3.amazonaws.com' },
    resource: /^\/delivery-bucket\/\*$/,
    condition: undefined,
    reason:
      'S3 server access logging writes log objects that it names itself under the target prefix; the ' +
      'bucket policy AWS documents for the logging.s3.amazonaws.com principal grants s3:PutObject on ' +
      '<bucket>/<prefix>*, limited by aws:SourceArn and aws:SourceAccount conditions.',
  },
  {
    id: 'cloudwatch-metrics-by-namespace',
    actions: ['cloudwatch:PutMetricData'],
    principal: undefined,
    resource: /^\*$/,
    /** The statement must hold StringEquals on this key, with one literal value. */
    condition: 'cloudwatch:namespace',
    reason:
      'cloudwatch:PutMetricData has no resource types (Service Authorization Reference), so its Resource ' +
      'can only be "*"; the grant is narrowed to the one namespace by a cloudwatch:namespace condition.',
  },
] as const;

export type AllowListEntry = (typeof WILDCARD_RESOURCE_ALLOW_LIST)[number];

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** True when the construct path is one of the owned paths or lies below one. */
function isOwned(path: string | undefined, owned: readonly string[]): boolean {
  return path !== undefined && owned.some((root) => path === root || path.startsWith(`${root}/`));
}

/** The logical ids of the resources the project's own code made. */
export function ownedLogicalIds(sut: StackUnderTest): Set<string> {
  const ids = new Set<string>();
  for (const [id, path] of constructPaths(sut.stack)) if (isOwned(path, sut.ownedPaths)) ids.add(id);
  return ids;
}

function resources(sut: StackUnderTest): Record<string, { Type: string; Properties?: Json }> {
  return sut.template.toJSON().Resources;
}

/** Every statement of every policy document (identity, trust, queue, bucket, key) of owned resources. */
export function ownedStatements(sut: StackUnderTest): FoundStatement[] {
  const owned = ownedLogicalIds(sut);
  const found: FoundStatement[] = [];
  const walk = (value: unknown, logicalId: string, type: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, logicalId, type);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const object = value as Json;
    if (Array.isArray(object.Statement)) {
      for (const statement of object.Statement) found.push({ logicalId, type, statement: statement as Json });
    }
    for (const child of Object.values(object)) walk(child, logicalId, type);
  };
  for (const [logicalId, resource] of Object.entries(resources(sut))) {
    if (owned.has(logicalId)) walk(resource.Properties, logicalId, resource.Type);
  }
  return found;
}

/** A Deny of every request made without TLS: the one place a wildcard only narrows access. */
export function isTlsOnlyDeny(statement: Json): boolean {
  const condition = (statement.Condition as { Bool?: Record<string, unknown> } | undefined)?.Bool;
  const secure = condition?.['aws:SecureTransport'];
  return statement.Effect === 'Deny' && (secure === 'false' || secure === false);
}

/** The literal strings of a resource expression; `anchored` when it also names a resource by reference. */
function literalText(resource: unknown): { text: string; anchored: boolean } {
  if (typeof resource === 'string') return { text: resource, anchored: false };
  const object = resource as Json | null;
  if (object && Array.isArray(object['Fn::Join'])) {
    const parts = asArray((object['Fn::Join'] as unknown[])[1]).map(literalText);
    return { text: parts.map((part) => part.text).join(''), anchored: parts.some((part) => part.anchored) };
  }
  // A Ref or Fn::GetAtt names one resource and holds no wildcard.
  return { text: '', anchored: true };
}

function describeStatement(found: FoundStatement): string {
  return `${found.type} ${found.logicalId}: ${JSON.stringify(found.statement)}`;
}

/** Statements (but TLS-only denies) with an action that is or holds a wildcard (`*`, `sqs:*`, `s3:Get*`), or with NotAction. */
export function wildcardActionViolations(statements: readonly FoundStatement[]): string[] {
  return statements
    .filter(({ statement }) => !isTlsOnlyDeny(statement))
    .filter(
      ({ statement }) =>
        statement.NotAction !== undefined ||
        asArray(statement.Action).some((action) => typeof action !== 'string' || action.includes('*')),
    )
    .map(describeStatement);
}

/** Which allow-list entry covers this statement's wildcard resource, if any. */
export function allowListEntryFor(statement: Json): AllowListEntry | undefined {
  const actions = asArray(statement.Action).map(String).sort();
  const wildcards = asArray(statement.Resource)
    .map(literalText)
    .filter(({ text }) => text.includes('*'));
  return WILDCARD_RESOURCE_ALLOW_LIST.find(
    (entry) =>
      JSON.stringify([...entry.actions].sort()) === JSON.stringify(actions) &&
      JSON.stringify(entry.principal) === JSON.stringify(statement.Principal) &&
      // A bare "*" is anchored to nothing: only a required condition may narrow it.
      wildcards.every(
        ({ text, anchored }) => (anchored || entry.condition !== undefined) && entry.resource.test(text),
      ) &&
      (entry.condition === undefined || narrowsBy(statement, entry.condition)),
  );
}

/** True when the statement is limited by StringEquals on `key` to one literal value. */
function narrowsBy(statement: Json, key: string): boolean {
  const equals = (statement.Condition as Json | undefined)?.StringEquals as Json | undefined;
  const value = equals?.[key];
  return typeof value === 'string' && value !== '' && !value.includes('*');
}

/** Statements whose resource is or holds `*`, other than TLS-only denies and allow-listed ones; and NotResource. */
export function wildcardResourceViolations(statements: readonly FoundStatement[]): string[] {
  return statements
    .filter(({ statement }) => !isTlsOnlyDeny(statement))
    .filter(({ type, statement }) => {
      if (statement.NotResource !== undefined) return true;
      const wildcard = asArray(statement.Resource).some((resource) =>
        literalText(resource).text.includes('*'),
      );
      // A trust policy has no Resource; anything else must name its resources.
      if (statement.Resource === undefined)
        return type !== 'AWS::IAM::Role' || statement.Action !== 'sts:AssumeRole';
      return wildcard && allowListEntryFor(statement) === undefined;
    })
    .map(describeStatement);
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  return Object.values(principal as Json).some((value) => asArray(value).includes('*'));
}

/** Allow statements open to every principal. */
export function publicAllowViolations(statements: readonly FoundStatement[]): string[] {
  return statements
    .filter(({ statement }) => statement.Effect === 'Allow' && isEveryone(statement.Principal))
    .map(describeStatement);
}

function refersTo(value: unknown, logicalId: string): boolean {
  const object = value as Json | null;
  if (!object || typeof object !== 'object') return false;
  if (object.Ref === logicalId) return true;
  const getAtt = object['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[0] === logicalId;
}

/** True when the policy document denies every action on `logicalId` (and, for a bucket, its objects) without TLS. */
function deniesWithoutTls(
  document: Json | undefined,
  logicalId: string,
  action: string,
  objects: boolean,
): boolean {
  return asArray(document?.Statement).some((item) => {
    const statement = item as Json;
    if (!isTlsOnlyDeny(statement) || !isEveryone(statement.Principal)) return false;
    if (!asArray(statement.Action).includes(action)) return false;
    const targets = asArray(statement.Resource);
    const whole = targets.some((target) => refersTo(target, logicalId));
    const inside =
      !objects ||
      targets.some((target) => {
        const { text } = literalText(target);
        const join = (target as Json)['Fn::Join'] as unknown[] | undefined;
        return text === '/*' && asArray(join?.[1]).some((part) => refersTo(part, logicalId));
      });
    return whole && inside;
  });
}

/** Owned queues that are not encrypted at rest, or that no queue policy closes to requests without TLS. */
export function queueViolations(sut: StackUnderTest): string[] {
  const all = resources(sut);
  const owned = ownedLogicalIds(sut);
  const policies = Object.values(all).filter((resource) => resource.Type === 'AWS::SQS::QueuePolicy');
  const violations: string[] = [];
  for (const [id, queue] of Object.entries(all)) {
    if (queue.Type !== 'AWS::SQS::Queue' || !owned.has(id)) continue;
    const properties = queue.Properties ?? {};
    if (properties.SqsManagedSseEnabled !== true && properties.KmsMasterKeyId === undefined) {
      violations.push(`queue ${id} is not encrypted at rest`);
    }
    const secured = policies.some(
      (policy) =>
        asArray(policy.Properties?.Queues).some((queueRef) => refersTo(queueRef, id)) &&
        deniesWithoutTls(policy.Properties?.PolicyDocument as Json, id, 'sqs:*', false),
    );
    if (!secured) violations.push(`queue ${id} accepts requests without TLS (no aws:SecureTransport deny)`);
  }
  return violations;
}

/** Every queue policy that touches an owned queue must deny non-TLS requests to each queue it names. */
export function queuePolicyViolations(sut: StackUnderTest): string[] {
  const all = resources(sut);
  const owned = ownedLogicalIds(sut);
  const violations: string[] = [];
  for (const [id, policy] of Object.entries(all)) {
    if (policy.Type !== 'AWS::SQS::QueuePolicy') continue;
    const queues = asArray(policy.Properties?.Queues)
      .map((queueRef) => (queueRef as Json).Ref)
      .filter((ref): ref is string => typeof ref === 'string');
    if (!owned.has(id) && !queues.some((queue) => owned.has(queue))) continue;
    for (const queue of queues) {
      if (!deniesWithoutTls(policy.Properties?.PolicyDocument as Json, queue, 'sqs:*', false)) {
        violations.push(`queue policy ${id} does not deny requests without TLS to ${queue}`);
      }
    }
  }
  return violations;
}

/** Owned buckets that are not encrypted, or whose policy does not close them and their objects to non-TLS requests. */
export function bucketViolations(sut: StackUnderTest): string[] {
  const all = resources(sut);
  const owned = ownedLogicalIds(sut);
  const policies = Object.values(all).filter((resource) => resource.Type === 'AWS::S3::BucketPolicy');
  const violations: string[] = [];
  for (const [id, bucket] of Object.entries(all)) {
    if (bucket.Type !== 'AWS::S3::Bucket' || !owned.has(id)) continue;
    if (bucket.Properties?.BucketEncryption === undefined) violations.push(`bucket ${id} is not encrypted`);
    const secured = policies.some(
      (policy) =>
        refersTo(policy.Properties?.Bucket, id) &&
        deniesWithoutTls(policy.Properties?.PolicyDocument as Json, id, 's3:*', true),
    );
    if (!secured) violations.push(`bucket ${id} accepts requests without TLS`);
  }
  return violations;
}
