import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('npx cdk synth', () => {
  it('synthesizes the chosen example offline, with the pinned CLI and no telemetry', () => {
    // Arrange: the CLI from devDependencies, telemetry and version checks off, output in a temp dir.
    const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1', CDK_DISABLE_VERSION_CHECK: '1' };

    // Act
    const result = spawnSync(
      'npx',
      ['--no-install', 'cdk', 'synth', '--quiet', '-c', 'pipeline=sqs-to-kinesis', '--output', outdir],
      { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 240_000 },
    );

    // Assert
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const templates = readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
    expect(templates).toEqual(['lambda-async-sink-sqs-to-kinesis.template.json']);
    const template = JSON.parse(readFileSync(join(outdir, templates[0]), 'utf8'));
    const types = Object.values<{ Type: string }>(template.Resources).map((resource) => resource.Type);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::SQS::Queue', 'AWS::Kinesis::Stream', 'AWS::Lambda::EventSourceMapping']),
    );
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.artifacts)).toContain('lambda-async-sink-sqs-to-kinesis');
    expect(existsSync(join(outdir, 'validation-report.json'))).toBe(true);
  }, 300_000);
});
