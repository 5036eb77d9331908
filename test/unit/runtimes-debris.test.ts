/**
 * Scratch directories a killed process could not remove (src/runtimes/debris.ts): the next process
 * making one of the same kind removes those of this host whose process is gone, and nothing else.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostTag, ownSuffix, ownTempPrefix, removeDebris, scratchPath } from '../../src/runtimes/debris.js';
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
