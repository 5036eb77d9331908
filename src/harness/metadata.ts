/** What a result must say about where it was measured: the machine and the git state of the code. */
import { createHash } from 'node:crypto';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import type { MachineInfo, ResultFile } from '../result/schema.js';
import type { RuntimeAdapter } from '../runtimes/types.js';

/**
 * The machine, with a stable id: a hash of hostname, cpu model, cores and memory (the hostname
 * itself stays out of result files). Two runs on one machine share the id; two CI runners, even of
 * one kind, do not, which is what `compare` needs to tell a same-machine comparison from a cross-machine one.
 */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  const info = {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
  };
  const identity = [hostname(), info.cpuModel, info.cores, info.memoryBytes].join('|');
  return { ...info, id: createHash('sha256').update(identity).digest('hex').slice(0, 12) };
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
