/**
 * Every TypeScript block in the README and the guides compiles against the package's own
 * sources, under the package names a user imports (`lambda-async-sink`, `/cdk`,
 * `/testing`): a documented example cannot drift from the API. Every relative link
 * points at a file that exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/** The Markdown files a reader sees: the README, docs/ and the READMEs beside the code. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file));
  const besideCode = ['lib/destinations/README.md'].filter((file) => existsSync(join(REPO, file)));
  return ['README.md', ...docs, ...besideCode];
}

interface CodeBlock {
  /** Where it is, as `file:line`. */
  readonly at: string;
  readonly code: string;
}

/** The ```ts and ```typescript blocks of a Markdown file. */
function typeScriptBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let start = -1;
  for (const [index, line] of lines.entries()) {
    if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) start = index;
    else if (start >= 0 && /^```\s*$/.test(line)) {
      blocks.push({ at: `${file}:${start + 1}`, code: lines.slice(start + 1, index).join('\n') });
      start = -1;
    }
  }
  return blocks;
}

const work = join(REPO, 'node_modules', '.cache', 'docs-code-blocks');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the docs', () => {
  const blocks = markdownFiles().flatMap(typeScriptBlocks);

  it('have TypeScript blocks to check', () => {
    // Arrange, act, assert
    expect(blocks.length).toBeGreaterThan(5);
  });

  it('compile, every TypeScript block as its own module, with strict tsc', () => {
    // Arrange: one module per block, named after where it is, so an error points at the doc.
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const names = blocks.map((block) => `${block.at.replaceAll(/[/:.]/g, '_')}.ts`);
    for (const [index, block] of blocks.entries()) {
      writeFileSync(join(work, names[index]), `${block.code}\nexport {};\n`);
    }
    const tsconfig = {
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: {
        noEmit: true,
        rootDir: REPO,
        paths: {
          'lambda-async-sink': [join(REPO, 'lib/index.ts')],
          'lambda-async-sink/cdk': [join(REPO, 'cdk/index.ts')],
          'lambda-async-sink/testing': [join(REPO, 'local/testing.ts')],
        },
      },
      files: names,
    };
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig));

    // Act
    let output = '';
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', work], {
        encoding: 'utf8',
      });
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error);
    }

    // Assert
    expect(output).toBe('');
  }, 180_000);

  it.each(markdownFiles())('%s links only to files that exist', (file) => {
    // Arrange
    const text = readFileSync(join(REPO, file), 'utf8');
    const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z]+:/.test(target));

    // Act
    const broken = links.filter((target) => !existsSync(join(REPO, dirname(file), target)));

    // Assert
    expect(broken.map((target) => relative(REPO, join(REPO, dirname(file), target)))).toEqual([]);
  });
});
