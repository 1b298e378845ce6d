import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleRootFor, findLockFile } from '../../cdk/bundle-root.js';

/** A user's app on disk: a lock file at its root, a handler deep inside, and a directory outside. */
const outside = mkdtempSync(join(tmpdir(), 'bundle-root-'));
const app = join(outside, 'app');
const handlerDir = join(app, 'src', 'handlers');
mkdirSync(handlerDir, { recursive: true });
writeFileSync(join(app, 'package-lock.json'), '{}');
const entry = join(handlerDir, 'orders.ts');
writeFileSync(entry, 'export const handler = () => undefined;');

afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('bundleRootFor', () => {
  it('takes the nearest lock file above the working directory, and its directory as the project root', () => {
    // Arrange, act
    const root = bundleRootFor(entry, {}, handlerDir);

    // Assert
    expect(root).toEqual({ projectRoot: app, depsLockFilePath: join(app, 'package-lock.json') });
  });

  it('takes the project root and lock file given', () => {
    // Arrange
    const lock = join(app, 'package-lock.json');

    // Act
    const root = bundleRootFor(entry, { projectRoot: join(app, 'src'), depsLockFilePath: lock }, outside);

    // Assert
    expect(root).toEqual({ projectRoot: join(app, 'src'), depsLockFilePath: lock });
  });

  it('says to set projectRoot when the entry is outside it', () => {
    // Arrange
    const elsewhere = join(outside, 'elsewhere.ts');

    // Act
    const root = bundleRootFor(elsewhere, {}, app);

    // Assert
    expect(root).toMatch(/entry .*elsewhere\.ts is not under the project root .*app: set projectRoot/);
  });

  it('says to set depsLockFilePath when there is no lock file above the working directory', () => {
    // Arrange, act
    const root = bundleRootFor(entry, {}, '/');

    // Assert
    expect(root).toMatch(
      /No lock file .* at or above \/: run cdk synth in your app's directory, or set depsLockFilePath/,
    );
  });

  it('names a lock file given that does not exist', () => {
    // Arrange, act
    const root = bundleRootFor(entry, { depsLockFilePath: join(app, 'yarn.lock') }, app);

    // Assert
    expect(root).toMatch(/depsLockFilePath .*yarn\.lock does not exist/);
  });
});

describe('findLockFile', () => {
  it('finds none above the file system root', () => {
    // Arrange, act, assert
    expect(findLockFile('/')).toBeUndefined();
  });
});
