import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';

/** An app that skips asset bundling, so template assertions do not wait for esbuild. */
export function stackWithoutBundling(id = 'Test'): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, id, { env: { account: '111122223333', region: 'us-east-1' } });
}

/** One IAM statement as a flat, comparable record. */
export interface FlatStatement {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every statement of every identity policy attached to the role with that logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): FlatStatement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  });
  const statements: FlatStatement[] = [];
  for (const policy of Object.values(policies)) {
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      statements.push({
        effect: statement.Effect,
        actions: asArray<string>(statement.Action).sort(),
        resources: asArray<unknown>(statement.Resource),
      });
    }
  }
  return statements;
}

/** The logical id of the only resource of that type matching the props; fails when there is not exactly one. */
export function onlyLogicalId(template: Template, type: string, props: object = {}): string {
  const found = Object.keys(template.findResources(type, props));
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}: ${found.join(', ')}`);
  return found[0];
}

/** `{ Fn::GetAtt: [id, 'Arn'] }`, as CloudFormation writes a resource's ARN. */
export function arnOf(logicalId: string): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

/** Every IAM action and resource of every policy in the template, for wildcard checks. */
export function allPolicyStatements(template: Template): FlatStatement[] {
  const statements: FlatStatement[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const policy of Object.values(template.findResources(type))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        statements.push({
          effect: statement.Effect,
          actions: asArray<string>(statement.Action),
          resources: asArray<unknown>(statement.Resource),
        });
      }
    }
  }
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const policy of role.Properties.Policies ?? []) {
      for (const statement of policy.PolicyDocument.Statement) {
        statements.push({
          effect: statement.Effect,
          actions: asArray<string>(statement.Action),
          resources: asArray<unknown>(statement.Resource),
        });
      }
    }
  }
  return statements;
}

/** The literal strings inside a resource expression (Fn::Join parts, plain strings). */
export function literalParts(resource: unknown): string[] {
  if (typeof resource === 'string') return [resource];
  if (Array.isArray(resource)) return resource.flatMap(literalParts);
  if (resource && typeof resource === 'object') {
    const join = (resource as Record<string, unknown>)['Fn::Join'];
    if (Array.isArray(join)) return literalParts(join[1]);
  }
  return [];
}
