/**
 * The package as a user gets it: `npm pack`, installed into a fresh app in a temporary
 * directory with its own aws-cdk-lib, constructs, aws-cdk, esbuild and typescript (from
 * the registry; the npm cache makes it quick). Strict tsc on the user's handler, CDK app
 * and local test; the handler bundled with esbuild as the docs say and run in a fresh
 * node process against kinesalite; `cdk synth` offline with a ready-made pipeline and
 * one with the user's `entry`.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = join(REPO, 'docs', 'examples');
const STEP_TIMEOUT_MS = 600_000;
const require = createRequire(import.meta.url);

/** The version this repository has installed, so the app's install comes from the npm cache. */
function installedVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Runs a command in the app, with telemetry and notices off; throws with its output when it fails. */
function run(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: STEP_TIMEOUT_MS,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1', npm_config_update_notifier: 'false', ...env },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'consumer-'));
const app = join(work, 'app');
let tarball = '';

/** The app: its own package.json, tsconfig, the user's handler, CDK app and local test. */
function writeApp(): void {
  mkdirSync(join(app, 'src'), { recursive: true });
  const dependency = (name: string) => [name, installedVersion(name)] as const;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer-app',
      private: true,
      type: 'module',
      dependencies: { 'lambda-async-sink': `file:${tarball}` },
      devDependencies: Object.fromEntries([
        ['aws-cdk', '2.1148.1'],
        dependency('aws-cdk-lib'),
        dependency('constructs'),
        dependency('esbuild'),
        dependency('kinesalite'),
        ['typescript', '5.9.3'],
        dependency('@types/node'),
      ]),
    }),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        outDir: 'build',
        rootDir: '.',
      },
      include: ['src'],
    }),
  );
  copyFileSync(join(DOCS, 'orders-to-kinesis.ts'), join(app, 'src', 'orders-to-kinesis.ts'));
  copyFileSync(join(DOCS, 'orders-app.ts'), join(app, 'src', 'orders-app.ts'));
  copyFileSync(join(REPO, 'test', 'consumer', 'app', 'local-test.ts'), join(app, 'src', 'local-test.ts'));
}

beforeAll(() => {
  const packed = run(REPO, 'npm', ['pack', '--silent', '--pack-destination', work]).trim().split('\n').pop();
  tarball = join(work, packed ?? '');
  writeApp();
  run(app, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
}, STEP_TIMEOUT_MS);

afterAll(() => rmSync(work, { recursive: true, force: true }), STEP_TIMEOUT_MS);

describe('the packed package, installed into a fresh app', () => {
  it('depends at run time on neither the CDK nor the emulators, which are optional peers', () => {
    // Arrange
    const manifest = JSON.parse(
      readFileSync(join(app, 'node_modules', 'lambda-async-sink', 'package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    const heavy = ['aws-cdk-lib', 'constructs', 'dynalite', 'esbuild', 'fauxqs', 'kinesalite'];

    // Act
    const pulled = heavy.filter((name) => name in manifest.dependencies);
    const optional = heavy.filter((name) => manifest.peerDependenciesMeta[name]?.optional);

    // Assert
    expect(pulled).toEqual([]);
    expect(optional).toEqual(heavy);
  });

  it(
    'type-checks the user handler, CDK app and local test with strict tsc',
    () => {
      // Arrange, act
      const output = run(app, 'npx', ['tsc', '-p', '.']);

      // Assert
      expect(output).toBe('');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'bundles the handler with esbuild as documented, runs it against kinesalite and reads the records back',
    () => {
      // Arrange
      const bundle = 'out/orders-to-kinesis.mjs';
      run(app, 'npx', [
        'esbuild',
        'src/orders-to-kinesis.ts',
        '--bundle',
        '--platform=node',
        '--target=node22',
        '--format=esm',
        '--main-fields=module,main',
        `--outfile=${bundle}`,
      ]);

      // Act
      const output = run(app, process.execPath, ['build/src/local-test.js', `./${bundle}`]);

      // Assert
      const seen = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
        response: { batchItemFailures: unknown[] };
        stored: string[];
        missingPeer: string;
      };
      expect(seen.response.batchItemFailures).toEqual([]);
      const ids = seen.stored.map((data) => (JSON.parse(data) as { orderId: string }).orderId).sort();
      expect(ids).toEqual(['o-1', 'o-2', 'o-3']);
      expect(seen.missingPeer).toMatch(
        /^MissingPeerDependencyError: startSqsServer needs the package fauxqs/,
      );
    },
    STEP_TIMEOUT_MS,
  );

  describe('cdk synth, offline, of a ready-made pipeline and one with the user entry', () => {
    let template: Template;
    let assets: string;

    beforeAll(() => {
      // The tsc test above emits build/; run alone, this block compiles it itself.
      if (!existsSync(join(app, 'build', 'src', 'orders-app.js'))) run(app, 'npx', ['tsc', '-p', '.']);
      run(app, 'npx', [
        'cdk',
        'synth',
        '--app',
        'node build/src/orders-app.js',
        '--output',
        'cdk.out',
        '--quiet',
        '--no-notices',
      ]);
      assets = join(app, 'cdk.out');
      template = JSON.parse(readFileSync(join(assets, 'Orders.template.json'), 'utf8')) as Template;
    }, STEP_TIMEOUT_MS);

    it('gives both source queues a redrive policy to a dead-letter queue', () => {
      // Arrange, act
      const redrives = resourcesOf(template, 'AWS::SQS::Queue').filter(
        (queue) => queue.Properties.RedrivePolicy,
      );

      // Assert
      expect(redrives).toHaveLength(2);
      for (const queue of redrives)
        expect(queue.Properties.RedrivePolicy).toHaveProperty('deadLetterTargetArn');
    });

    it('turns ReportBatchItemFailures on for both mappings', () => {
      // Arrange, act
      const mappings = resourcesOf(template, 'AWS::Lambda::EventSourceMapping');

      // Assert
      expect(mappings.map((mapping) => mapping.Properties.FunctionResponseTypes)).toEqual([
        ['ReportBatchItemFailures'],
        ['ReportBatchItemFailures'],
      ]);
    });

    it('raises alarms on dead-letter depth, errors and throttles', () => {
      // Arrange, act
      const metrics = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(
        (alarm) => alarm.Properties.MetricName,
      );

      // Assert: two source dead-letter queues and the poison queue; errors and throttles per function.
      expect(metrics.filter((name) => name === 'ApproximateNumberOfMessagesVisible')).toHaveLength(3);
      expect(metrics.filter((name) => name === 'Errors')).toHaveLength(2);
      expect(metrics.filter((name) => name === 'Throttles')).toHaveLength(2);
    });

    it("bundles the user's code for the entry pipeline and the shipped function for the other", () => {
      // Arrange
      const codeOf = (pipeline: string) => assetCode(assets, functionOf(template, pipeline));

      // Act
      const user = codeOf('OrdersToEvents');
      const readyMade = codeOf('Clicks');

      // Assert: the user's conversion stamps queuedAt; the ready-made one reads PARTITION_KEY_FIELD.
      expect(user).toContain('queuedAt');
      expect(readyMade).not.toContain('queuedAt');
      expect(readyMade).toContain('PARTITION_KEY_FIELD');
    });

    it('sets every variable the documented handler reads', () => {
      // Arrange
      const source = readFileSync(join(DOCS, 'orders-to-kinesis.ts'), 'utf8');
      const read = [...source.matchAll(/required\('([A-Z_]+)'\)/g)].map((match) => match[1]);

      // Act
      const variables = Object.keys(functionOf(template, 'OrdersToEvents').Properties.Environment.Variables);

      // Assert
      expect(read.length).toBeGreaterThan(0);
      expect(variables).toEqual(expect.arrayContaining(read));
    });
  });
});

interface Resource {
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON.
  readonly Properties: any;
  readonly Metadata?: Record<string, string>;
}
interface Template {
  readonly Resources: Record<string, Resource>;
}

function resourcesOf(template: Template, type: string): Resource[] {
  return Object.values(template.Resources).filter((resource) => resource.Type === type);
}

/** The Lambda function a pipeline created (by the construct path CDK records). */
function functionOf(template: Template, pipeline: string): Resource {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter((resource) =>
    resource.Metadata?.['aws:cdk:path']?.includes(`/${pipeline}/Function/`),
  );
  expect(found).toHaveLength(1);
  return found[0];
}

/** The bundled code of a function, from its asset directory in cdk.out. */
function assetCode(assets: string, lambda: Resource): string {
  const directory = join(assets, lambda.Metadata?.['aws:asset:path'] ?? '');
  const files = readdirSync(directory).filter((file) => /\.(m?js)$/.test(file));
  return files.map((file) => readFileSync(join(directory, file), 'utf8')).join('\n');
}
