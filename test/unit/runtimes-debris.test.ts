/**
 * Scratch directories a killed process could not remove (src/runtimes/debris.ts): the next process
 * making one of the same kind removes those of this host whose process is gone, and nothing else.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hostTag,
  makeScratch,
  ownSuffix,
  ownTempPrefix,
  removeDebris,
  scratchPath,
} from '../../src/runtimes/debris.js';
import { tempDir } from '../support/cli.js';

// no host hands out a pid above 2^22 (pid_max's ceiling)
const GONE = 2 ** 22 + 1;

describe('removeDebris', () => {
  it("removes a dead process's entries of this host under the prefix, and keeps the rest", () => {
    const dir = tempDir('debris');
    const names = {
      dead: `run-1.${hostTag()}.${GONE}.abc123`,
      deadMkdtemp: `run-2.${hostTag()}.${GONE}.AbC9xZ`,
      alive: `run-3.${ownSuffix()}`,
      otherHost: `run-4.${hostTag('another-host')}.${GONE}.abc123`,
      otherPrefix: `compare-5.${hostTag()}.${GONE}.abc123`,
      unsuffixed: 'run-6',
    };
    for (const name of Object.values(names)) mkdirSync(join(dir, name, 'inside'), { recursive: true });
    removeDebris(dir, 'run-');
    expect(readdirSync(dir).sort()).toEqual([names.alive, names.otherHost, names.otherPrefix, names.unsuffixed].sort());
  });

  it('reads the names mkdtemp makes from ownTempPrefix as its own, and a missing directory as empty', () => {
    const dir = tempDir('debris');
    const mine = mkdtempSync(join(dir, ownTempPrefix('asyncbench-pg-')));
    const dead = join(dir, `asyncbench-pg-${hostTag()}.${GONE}.AbC9xZ`);
    mkdirSync(dead);
    removeDebris(dir, 'asyncbench-pg-');
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(dead)).toBe(false);
    expect(() => removeDebris(join(dir, 'nowhere'))).not.toThrow();
  });
});

describe('scratchPath', () => {
  it("clears a dead process's scratch of its kind, and names one that the next clearing keeps while this process lives", () => {
    const dir = tempDir('debris');
    const dead = join(dir, `run-1.${hostTag()}.${GONE}.abc123`);
    const otherKind = join(dir, `compare-2.${hostTag()}.${GONE}.abc123`);
    for (const path of [dead, otherKind]) mkdirSync(path);
    const mine = scratchPath(dir, 'run-', '3');
    expect(mine.startsWith(join(dir, 'run-3.'))).toBe(true);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(otherKind)).toBe(true);
    mkdirSync(mine);
    scratchPath(dir, 'run-', '4');
    expect(existsSync(mine)).toBe(true);
  });
});

describe('makeScratch', () => {
  it('makes the scratch in <root>/.tmp; in an installed package it removes a .tmp it made when that is left empty', () => {
    const installed = join(tempDir('scratch-root'), 'node_modules', 'asyncbench');
    mkdirSync(installed, { recursive: true });
    const scratch = makeScratch(installed, 'run-', '5');
    expect(scratch.path.startsWith(join(installed, '.tmp', 'run-5.'))).toBe(true);
    expect(existsSync(scratch.path)).toBe(true);
    scratch.remove();
    expect(readdirSync(installed)).toEqual([]);
    // a checkout keeps its .tmp, where tests and other runs make theirs at any moment
    const checkout = tempDir('scratch-root');
    makeScratch(checkout, 'run-', '5').remove();
    expect(readdirSync(checkout)).toEqual(['.tmp']);
  });

  it('keeps a .tmp it found, or one that holds more than its scratch', () => {
    const found = tempDir('scratch-root');
    mkdirSync(join(found, '.tmp'));
    makeScratch(found, 'run-', '6').remove();
    expect(readdirSync(join(found, '.tmp'))).toEqual([]);
    const shared = join(tempDir('scratch-root'), 'node_modules', 'asyncbench');
    mkdirSync(shared, { recursive: true });
    const scratch = makeScratch(shared, 'run-', '7');
    const other = join(shared, '.tmp', `run-8.${ownSuffix()}`);
    mkdirSync(other);
    scratch.remove();
    expect(readdirSync(join(shared, '.tmp'))).toEqual([basename(other)]);
  });

  it("falls back to the OS temp directory where <root>/.tmp cannot be made (a read-only package), clearing a dead run's debris there", () => {
    // root writes anywhere, whatever the mode: a .tmp that is a file fails mkdir as EROFS does
    const root = tempDir('scratch-root');
    writeFileSync(join(root, '.tmp'), 'a file');
    const dead = join(tmpdir(), `asyncbench-run-1.${hostTag()}.${GONE}.abc123`);
    mkdirSync(dead, { recursive: true });
    const scratch = makeScratch(root, 'run-', '9');
    // named as in .tmp, so that the next run of the kind removes it if this one is killed
    expect(dirname(scratch.path)).toBe(tmpdir());
    expect(basename(scratch.path)).toMatch(
      new RegExp(`^asyncbench-run-9\\.${hostTag()}\\.${process.pid}\\.[a-z0-9]+$`),
    );
    expect(existsSync(scratch.path)).toBe(true);
    expect(existsSync(dead)).toBe(false);
    scratch.remove();
    expect(existsSync(scratch.path)).toBe(false);
    expect(readFileSync(join(root, '.tmp'), 'utf8')).toBe('a file');
  });
});
