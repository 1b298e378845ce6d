/**
 * Security of everything the stacks create: every IAM statement of the example stacks of
 * cdk/app.ts and of the construct between each source and destination (with the user's
 * resources encrypted with their own keys, bare, or imported) grants no wildcard action and
 * names its resources, wildcards only where an AWS API forces them (the allow-list says
 * why); nothing is open to everyone; every queue is encrypted and refuses requests made
 * without TLS, and so is every bucket.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AnyPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_PIPELINES } from '../../cdk/examples/example-pipeline-stack.js';
import {
  allowListEntryFor,
  bucketViolations,
  ownedStatements,
  publicAllowViolations,
  queuePolicyViolations,
  queueViolations,
  WILDCARD_RESOURCE_ALLOW_LIST,
  wildcardActionViolations,
  wildcardResourceViolations,
} from './policy-checks.js';
import {
  constructStack,
  DESTINATIONS,
  exampleStack,
  fifoSourceStack,
  type PoisonChoice,
  SOURCES,
  type StackUnderTest,
  USER_RESOURCES,
} from './stacks-under-test.js';

const POISON_POLICIES: readonly PoisonChoice[] = ['retry', 'dead-letter'];

/** Every stack to check, built lazily (and once) so that only the tests that run pay for synthesis. */
const STACKS: readonly { name: string; build: () => StackUnderTest }[] = [
  ...EXAMPLE_PIPELINES.map((pipeline) => ({
    name: `example ${pipeline}`,
    build: () => exampleStack(pipeline),
  })),
  ...SOURCES.flatMap((source) =>
    DESTINATIONS.flatMap((destination) =>
      POISON_POLICIES.flatMap((poison) =>
        USER_RESOURCES.map((resources) => ({
          name: `construct ${source} to ${destination}, ${poison}, ${resources}`,
          build: () => constructStack(source, destination, poison, resources),
        })),
      ),
    ),
  ),
  { name: 'construct sqs FIFO to kinesis, dead-letter', build: fifoSourceStack },
];

const built = new Map<string, StackUnderTest>();
function stackNamed(name: string): StackUnderTest {
  let sut = built.get(name);
  if (sut === undefined) {
    sut = (STACKS.find((candidate) => candidate.name === name) as (typeof STACKS)[number]).build();
    built.set(name, sut);
  }
  return sut;
}

describe.each(STACKS.map(({ name }) => ({ name })))('$name', ({ name }) => {
  it('has IAM statements to check: the function role reads its source and writes its destination', () => {
    const statements = ownedStatements(stackNamed(name));

    const actions = statements.flatMap(({ statement }) => [statement.Action].flat().map(String));
    expect(actions).toEqual(expect.arrayContaining(['sts:AssumeRole', 'logs:PutLogEvents']));
    expect(
      actions.some((action) =>
        /^(sqs:SendMessage|kinesis:PutRecords|firehose:PutRecordBatch|dynamodb:BatchWriteItem|events:PutEvents|sns:Publish|cloudwatch:PutMetricData)$/.test(
          action,
        ),
      ),
    ).toBe(true);
  });

  it('grants no wildcard action', () => {
    expect(wildcardActionViolations(ownedStatements(stackNamed(name)))).toEqual([]);
  });

  it('names every resource; wildcards only where the allow-list says an AWS API forces them', () => {
    expect(wildcardResourceViolations(ownedStatements(stackNamed(name)))).toEqual([]);
  });

  it('allows nothing to everyone', () => {
    expect(publicAllowViolations(ownedStatements(stackNamed(name)))).toEqual([]);
  });

  it('encrypts every queue it creates, and every queue refuses requests without TLS', () => {
    const sut = stackNamed(name);

    expect(queueViolations(sut)).toEqual([]);
    expect(queuePolicyViolations(sut)).toEqual([]);
  });

  it('encrypts every bucket it creates, and every bucket refuses requests without TLS', () => {
    expect(bucketViolations(stackNamed(name))).toEqual([]);
  });
});

describe('the wildcard allow-list', () => {
  it('has no entry that no stack needs, so it never outlives the grant it excuses', () => {
    const used = new Set<string>();
    for (const { name } of STACKS) {
      for (const { statement } of ownedStatements(stackNamed(name))) {
        const entry = allowListEntryFor(statement);
        if (entry !== undefined && JSON.stringify(statement.Resource).includes('*')) used.add(entry.id);
      }
    }

    expect([...used].sort()).toEqual(WILDCARD_RESOURCE_ALLOW_LIST.map((entry) => entry.id).sort());
  });

  it('has no bare "*" resource, except one that a required condition narrows', () => {
    for (const entry of WILDCARD_RESOURCE_ALLOW_LIST) {
      expect(entry.resource.test('*') && entry.condition === undefined, entry.id).toBe(false);
    }
  });
});

describe('the checks find what they look for', () => {
  /** A stack with every fault the checks look for, all of it counted as the project's own. */
  function flawedStack(): StackUnderTest {
    const stack = new Stack(undefined, 'Flawed');
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:*'], resources: ['arn:aws:sqs:us-east-1:1:q'] }));
    role.addToPolicy(new PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
    role.addToPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::bucket/*'] }),
    );
    const queue = new Queue(stack, 'Queue', { enforceSSL: false });
    queue.addToResourcePolicy(
      new PolicyStatement({
        actions: ['sqs:ReceiveMessage'],
        resources: [queue.queueArn],
        principals: [new AnyPrincipal()],
      }),
    );
    return { name: 'flawed', stack, template: Template.fromStack(stack), ownedPaths: [stack.node.path] };
  }

  it('reports a wildcard action, a wildcard resource, a public grant and an open queue', () => {
    const sut = flawedStack();
    const statements = ownedStatements(sut);

    expect(wildcardActionViolations(statements)).toEqual([expect.stringContaining('"sqs:*"')]);
    expect(wildcardResourceViolations(statements)).toEqual([
      expect.stringContaining('xray:PutTraceSegments'),
      expect.stringContaining('arn:aws:s3:::bucket/*'),
    ]);
    expect(publicAllowViolations(statements)).toHaveLength(1);
    expect(queueViolations(sut)).toEqual([
      expect.stringMatching(/is not encrypted at rest/),
      expect.stringMatching(/accepts requests without TLS/),
    ]);
    expect(queuePolicyViolations(sut)).toEqual([expect.stringMatching(/does not deny requests without TLS/)]);
  });
});
