/** What a result must say about where it was measured: the machine and the git state of the code. */
import { createHash } from 'node:crypto';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import type { MachineInfo, ResultFile } from '../result/schema.js';
import type { RuntimeAdapter } from '../runtimes/types.js';

/**
 * The machine, with a stable id: a hash of hostname, cpu model, cores and memory (the hostname
 * itself stays out of result files). Two runs on one machine share the id; two CI runners, even of
 * one kind, do not, which is what `compare` needs to tell a same-machine comparison from a cross-machine one.
 * The page-fault probe runs once per process, on the first call (when a run or an A/B session starts).
 */
export function machineInfo(runtime: Pick<RuntimeAdapter, 'now' | 'pageFaults'>): MachineInfo {
  const cores = cpus();
  const info = {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
  };
  const identity = [hostname(), info.cpuModel, info.cores, info.memoryBytes].join('|');
  pageFault ??= { us: pageFaultMicros(runtime) };
  return {
    ...info,
    id: createHash('sha256').update(identity).digest('hex').slice(0, 12),
    ...(pageFault.us === undefined ? {} : { pageFaultUs: pageFault.us }),
  };
}

let pageFault: { us: number | undefined } | undefined;

const PROBE_PAGES = 1024;
const PAGE_BYTES = 4096;

/** a new mapping of never-touched pages; undefined where the address space is capped (ulimit -v) */
function freshPages(bytes: number): Uint8Array | undefined {
  try {
    return new Uint8Array(new WebAssembly.Memory({ initial: bytes / 65536 }).buffer);
  } catch {
    return undefined;
  }
}

/**
 * What one minor page fault costs on this machine, µs. On bare metal a fault is well under 1 µs; on
 * a VM that shadows the guest's page tables it can be 10-20 µs, and then a case whose ops take
 * fresh memory in one fork and not in another splits its forks (docs/architecture.md, "Fresh
 * memory"). Each probe writes one byte to every page of a new WebAssembly memory (a fresh mapping:
 * malloc could hand back pages already touched) and divides the time by the faults the kernel
 * counted; the median of three. Undefined when too few faults happened to price one (huge pages).
 */
export function pageFaultMicros(runtime: Pick<RuntimeAdapter, 'now' | 'pageFaults'>): number | undefined {
  const costs: number[] = [];
  for (let probe = 0; probe < 3; probe++) {
    const pages = freshPages(PROBE_PAGES * PAGE_BYTES);
    const before = runtime.pageFaults();
    if (pages === undefined || before === undefined) return undefined;
    const t0 = runtime.now();
    for (let i = 0; i < pages.length; i += PAGE_BYTES) pages[i] = 1;
    const ms = runtime.now() - t0;
    const faults = (runtime.pageFaults() ?? before) - before;
    if (faults < PROBE_PAGES / 2) return undefined;
    costs.push((ms * 1000) / faults);
  }
  costs.sort((a, b) => a - b);
  return Number(costs[1].toFixed(3));
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
