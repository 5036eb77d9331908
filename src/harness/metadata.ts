/** What a result must say about where it was measured: the machine and the git state of the code. */
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { MachineInfo, ResultFile } from '../result/schema.js';
import type { RuntimeAdapter } from '../runtimes/types.js';

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
  };
}

async function git(runtime: RuntimeAdapter, cwd: string, args: string[]): Promise<string | null> {
  try {
    const child = runtime.spawn('git', args, { cwd, stdout: 'pipe', stderr: 'ignore' });
    const exit = await child.exited;
    return exit.code === 0 ? child.stdout().trim() : null;
  } catch {
    return null;
  }
}

export async function gitInfo(runtime: RuntimeAdapter, cwd: string): Promise<ResultFile['git']> {
  const [commit, branch, status] = await Promise.all([
    git(runtime, cwd, ['rev-parse', 'HEAD']),
    git(runtime, cwd, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(runtime, cwd, ['status', '--porcelain', '--untracked-files=no']),
  ]);
  if (commit === null) return null;
  return { commit, branch: branch ?? 'unknown', dirty: (status ?? '') !== '' };
}
