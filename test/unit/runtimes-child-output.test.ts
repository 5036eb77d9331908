import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { childHandle, KEPT_CHARS, signalGroup, signalGroupMembers, textSink } from '../../src/runtimes/child-output.js';
import type { ChildExit } from '../../src/runtimes/types.js';

/** a handle over a stdout sink keeping `keepChars`, and the means to end its process */
function handleOver(keepChars: number) {
  const stdout = textSink(keepChars);
  let exit: (value: ChildExit) => void = () => {};
  const exited = new Promise<ChildExit>((resolve) => {
    exit = resolve;
  });
  const handle = childHandle({ pid: 1, exited, stdout, stderr: textSink(16), stdoutPiped: true, kill: () => {} });
  return { handle, stdout, exit: () => exit({ code: 0, signal: null }) };
}

const isReady = (line: string) => line.startsWith('ready ');

describe('waitForLine', () => {
  it('finds a line split over chunks, with or without \\r', async () => {
    const { handle, stdout } = handleOver(1 << 10);
    const line = handle.waitForLine(isReady);
    for (const chunk of ['boot\nrea', 'dy http://127.0', '.0.1:80\r\nmore\n']) stdout.append(chunk);
    await expect(line).resolves.toBe('ready http://127.0.0.1:80');
  });

  it('never takes the tail of a line whose head the sink dropped for a line', async () => {
    const { handle, stdout, exit } = handleOver(16);
    // the sink keeps the last 16 characters: 'ready 123456789\n', the tail of a line that is no ready line
    stdout.append(`${'x'.repeat(40)}ready 123456789\n`);
    expect(stdout.text).toBe('ready 123456789\n');
    stdout.append('ready ok\n');
    await expect(handle.waitForLine(isReady)).resolves.toBe('ready ok');
    exit();
  });

  it('takes the first kept line where the sink dropped whole lines only', async () => {
    const { handle, stdout, exit } = handleOver(16);
    // a line of 24 characters, then one of 16: the sink keeps the second whole
    stdout.append(`${'x'.repeat(23)}\n`);
    stdout.append('ready 123456789\n');
    expect(stdout.text).toBe('ready 123456789\n');
    await expect(handle.waitForLine(isReady)).resolves.toBe('ready 123456789');
    exit();
  });

  it('skips a line longer than stdout keeps (KEPT_CHARS), and finds the next', async () => {
    const { handle, stdout, exit } = handleOver(1 << 10);
    const line = handle.waitForLine((l) => l.endsWith('ready x'));
    const long = 'y'.repeat(1 << 20);
    for (let n = 0; n <= KEPT_CHARS.stdout / long.length; n++) stdout.append(long);
    stdout.append('ready x\nzz ready x\n');
    await expect(line).resolves.toBe('zz ready x');
    exit();
  });

  it('takes the unterminated last line once the process has exited, unless its head is gone', async () => {
    const whole = handleOver(1 << 10);
    const found = whole.handle.waitForLine(isReady);
    whole.stdout.append('ready now');
    whole.exit();
    await expect(found).resolves.toBe('ready now');

    const cut = handleOver(1 << 10);
    const missed = cut.handle.waitForLine((l) => l.endsWith('ready now'));
    for (let n = 0; n <= KEPT_CHARS.stdout / (1 << 20); n++) cut.stdout.append('y'.repeat(1 << 20));
    cut.stdout.append('ready now');
    cut.exit();
    await expect(missed).rejects.toThrow(/exited \(0\) before the awaited line/);
  });
});

describe('signalGroup', () => {
  it("never signals -0 (this process's group) or -1 (every process): no child's group has that number", () => {
    // process.kill is replaced: a broken guard must not reach the machine's processes
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      for (const pid of [0, 1, -1, -4242, Number.NaN]) signalGroup(pid, 'SIGKILL');
      expect(kill).not.toHaveBeenCalled();
      signalGroup(4242, 'SIGKILL');
      expect(kill).toHaveBeenCalledWith(-4242, 'SIGKILL');
    } finally {
      kill.mockRestore();
    }
  });
});

describe('signalGroupMembers', () => {
  it('signals only the matching members of the group it is given, never for a group under 2', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      // this process's own group holds this process: a guard that let 0 or 1 through would find it
      for (const group of [0, 1, -1, Number.NaN]) expect(signalGroupMembers(group, 'SIGTERM', () => true)).toEqual([]);
      expect(kill).not.toHaveBeenCalled();
      const group = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
      const self = (argv: string[]) => argv.includes(process.argv[1]);
      expect(signalGroupMembers(group, 'SIGTERM', self)).toContain(process.pid);
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGTERM');
      kill.mockClear();
      expect(signalGroupMembers(group, 'SIGTERM', self, new Set([process.pid]))).not.toContain(process.pid);
      expect(signalGroupMembers(group, 'SIGTERM', () => false)).toEqual([]);
      expect(kill).not.toHaveBeenCalledWith(process.pid, 'SIGTERM');
    } finally {
      kill.mockRestore();
    }
  });
});
