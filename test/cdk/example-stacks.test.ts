import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXAMPLE_PIPELINES,
  ExamplePipelineStack,
  exampleStackName,
  parseExamplePipeline,
} from '../../cdk/examples/example-pipeline-stack.js';
import { DELIVERY_PREFIXES } from '../../cdk/examples/s3-delivery-stream.js';
import { allPolicyStatements, literalParts } from './cdk-test-support.js';

/** Values for the variables a template fills with references, as Lambda would see them resolved. */
const PLACEHOLDERS: Record<string, string> = {
  STREAM_NAME: 'destination-stream',
  DELIVERY_STREAM_NAME: 'delivery-stream',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/destination',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/poison',
  TABLE_NAME: 'destination-table',
  EVENT_BUS_NAME: 'destination-bus',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:destination',
  METRIC_NAMESPACE: 'LambdaAsyncSink/example',
};

/** What the Lambda runtime itself sets, so the module's cold start sees what it would in AWS. */
const LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_LAMBDA_FUNCTION_NAME: 'example',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
};

/** A script that imports the bundle and calls its handler with an empty batch, printing the answer. */
function invokeWithEmptyBatch(assetDir: string): string {
  const context = {
    functionName: 'example',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:example',
    memoryLimitInMB: '512',
    awsRequestId: 'request-1',
    logGroupName: 'group',
    logStreamName: 'stream',
  };
  return [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(join(assetDir, 'index.mjs')).href)});`,
    `const context = { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 30000 };`,
    'console.log(JSON.stringify(await handler({ Records: [] }, context)));',
  ].join('\n');
}

interface Violation {
  readonly ruleName: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

interface Synthesized {
  readonly outdir: string;
  readonly app: App;
  readonly stack: Stack;
  /** The validation report's violations; empty when cdk-nag found nothing unacknowledged. */
  readonly violations: readonly Violation[];
  /** Why synth failed, when it did. */
  readonly synthError?: string;
}

/** Synthesizes the app with cdk-nag's AwsSolutions pack and reads CDK's validation report. */
function synthWithNag(build: (app: App) => Stack, bundling: boolean): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
  const app = new App({ outdir, context: bundling ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (error) {
    synthError = (error as Error).message;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations: Violation[] }[];
  };
  return { outdir, app, stack, violations: report.pluginReports.flatMap((r) => r.violations), synthError };
}

/** Every acknowledgement recorded on the construct tree, with where it was made. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id, reason });
      }
    }
  }
  return found;
}

describe('the cdk-nag harness', () => {
  it('does report findings: a bare queue breaks AwsSolutions-SQS3 and -SQS4', () => {
    // Arrange + act
    const synthesized = synthWithNag((app) => {
      const stack = new Stack(app, 'Bare');
      new Queue(stack, 'Queue');
      return stack;
    }, false);

    // Assert
    expect(synthesized.violations.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-SQS3',
      'AwsSolutions-SQS4',
    ]);
    expect(synthesized.synthError).toMatch(/AwsSolutions-SQS4/);
    rmSync(synthesized.outdir, { recursive: true, force: true });
  });
});

describe.each(EXAMPLE_PIPELINES)('the %s example stack', (pipeline) => {
  let synthesized: Synthesized;
  let template: Template;

  beforeAll(() => {
    // Real bundling with the local esbuild: the assets are what `cdk deploy` would upload.
    synthesized = synthWithNag(
      (app) => new ExamplePipelineStack(app, exampleStackName(pipeline), { pipeline }),
      true,
    );
    template = Template.fromJSON(
      JSON.parse(
        readFileSync(join(synthesized.outdir, `${exampleStackName(pipeline)}.template.json`), 'utf8'),
      ),
    );
  });

  afterAll(() => {
    rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  it('passes cdk-nag AwsSolutions with zero unacknowledged findings', () => {
    expect(synthesized.violations).toEqual([]);
    expect(synthesized.synthError).toBeUndefined();
  });

  it('gives every acknowledgement its reason', () => {
    const acknowledged = acknowledgements(synthesized.app);

    for (const { id, reason } of acknowledged) {
      expect(reason.length, `the reason given for ${id}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('acknowledges only the rules it has a reason for', () => {
    const ids = new Set(acknowledgements(synthesized.app).map(({ id }) => id.replace(/\[.*\]$/, '')));
    const expected = new Set(['Annotation::AwsSolutions-SQS3']);
    if (pipeline.endsWith('firehose')) {
      for (const id of [
        'Annotation::AwsSolutions-S1',
        'Annotation::AwsSolutions-IAM5',
        'CloudFormation-Validate::W7001',
      ]) {
        expected.add(id);
      }
    }
    // PutMetricData has no resource-level permission: "*" under a cloudwatch:namespace condition.
    if (pipeline.endsWith('cloudwatch')) expected.add('Annotation::AwsSolutions-IAM5');
    if (pipeline.startsWith('sqs')) expected.delete('Annotation::AwsSolutions-SQS3');

    expect([...ids].sort()).toEqual([...expected].sort());
  });

  it('allows no wildcard action, and a wildcard resource only below the Firehose delivery prefixes', () => {
    const allowed = Object.values(DELIVERY_PREFIXES).map((prefix) => `/${prefix}*`);
    for (const statement of allPolicyStatements(template).filter((s) => s.effect === 'Allow')) {
      expect(statement.actions.filter((action) => action.includes('*'))).toEqual([]);
      if (statement.actions.join() === 'cloudwatch:PutMetricData') {
        // No resource-level permission exists; the namespace condition is checked in the construct's tests.
        expect(statement.resources).toEqual(['*']);
        continue;
      }
      const wildcards = statement.resources.flatMap(literalParts).filter((part) => part.includes('*'));
      expect(wildcards.filter((part) => !allowed.includes(part))).toEqual([]);
    }
  });

  it('bundles the function with the local esbuild: minified ESM with a source map and the require shim', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(1);
    const assetKey: string = functions[0].Properties.Code.S3Key;
    const assetDir = join(synthesized.outdir, `asset.${assetKey.replace(/\.zip$/, '')}`);

    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(bundle.split('\n').length).toBeLessThan(100);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
  });

  it('bundles a module that loads with its template environment and answers an empty batch', () => {
    // Arrange: the function's environment from the template, references replaced by plain values.
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const assetDir = join(synthesized.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const variables = Object.entries<unknown>(fn.Properties.Environment.Variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : PLACEHOLDERS[name],
    ]);
    const env = { ...Object.fromEntries(variables), ...LAMBDA_ENVIRONMENT, PATH: process.env.PATH };

    // Act: a fresh Node process, as Lambda would start one.
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', invokeWithEmptyBatch(assetDir)],
      {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

    // Assert
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('{"batchItemFailures":[]}');
  });
});

describe('picking the example by context', () => {
  it('names the pipelines there are when the name is unknown', () => {
    expect(() => parseExamplePipeline('sqs-to-nowhere')).toThrow(
      `use -c pipeline=<${EXAMPLE_PIPELINES.join('|')}>`,
    );
    expect(parseExamplePipeline('kinesis-to-firehose')).toBe('kinesis-to-firehose');
  });
});
