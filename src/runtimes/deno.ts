/**
 * Deno: native APIs where Deno has its own (Deno.serve, Deno.Command, signal listeners, memory,
 * exit), the Web Worker for workers, and the Node compatibility layer for the rest (see
 * node-compat.ts).
 * Deno is reached through a cast of globalThis, so this module loads harmlessly on node and bun.
 */
import { spawnDenoCommand } from './deno-command.js';
import { nodeCompatMembers, v8Gc } from './node-compat.js';
import { handlerFailed } from './serve-error.js';
import { withSpawnScript } from './spawn-script.js';
import type { HttpHandler, HttpServerHandle, RuntimeAdapter, Signal } from './types.js';
import { importUndiciBare } from './undici.js';
import { spawnWebWorker, webWorkerPort } from './web-worker.js';

/** The part of the Deno namespace this adapter uses. */
interface DenoGlobal {
  version: { deno: string; v8: string };
  args: string[];
  env: { get(name: string): string | undefined };
  execPath(): string;
  exit(code: number): never;
  memoryUsage(): { rss: number; heapUsed: number };
  addSignalListener(signal: Signal, listener: () => void): void;
  removeSignalListener(signal: Signal, listener: () => void): void;
  permissions: { querySync(descriptor: { name: string }): { state: 'granted' | 'denied' | 'prompt' } };
  serve(
    options: {
      hostname: string;
      port: number;
      onListen: (addr: { port: number }) => void;
      onError: (error: unknown) => Response;
    },
    handler: (request: Request, info: { remoteAddr: { port: number } }) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
}

const PERMISSIONS = ['net', 'read', 'write', 'env', 'run', 'sys', 'ffi', 'import'] as const;

function deno(): DenoGlobal {
  return (globalThis as unknown as { Deno: DenoGlobal }).Deno;
}

export function createDenoAdapter(): RuntimeAdapter {
  const Deno = deno();
  const flags = startupFlags();
  return withSpawnScript(
    {
      ...nodeCompatMembers,
      name: 'deno',
      version: Deno.version.deno,
      engine: { name: 'v8', version: Deno.version.v8 },
      now: () => performance.now(),
      gc: v8Gc,
      memory() {
        const { rss, heapUsed } = Deno.memoryUsage();
        return { rss, heapUsed };
      },
      execPath: () => Deno.execPath(),
      args: () => [...Deno.args],
      flags: flags.recorded,
      spawn: spawnDenoCommand,
      spawnWorker: spawnWebWorker,
      workerPort: webWorkerPort,
      onSignal(signal, listener) {
        // Deno keeps a signal's listeners in a set: the same function added twice would be one
        // listener, called once and removed by either registration's off (the signal then kills
        // the process); a closure of its own makes each registration a listener, as on node and bun
        const own = () => listener();
        Deno.addSignalListener(signal, own);
        let listening = true;
        return () => {
          if (listening) Deno.removeSignalListener(signal, own);
          listening = false;
        };
      },
      exit: (code) => Deno.exit(code),
      serve: denoServe,
      importUndici: importUndiciBare,
    },
    flags.launch,
  );
}

/**
 * Deno does not expose its command line flags (process.execArgv is empty), so they are rebuilt from
 * what is observable: the granted permissions, the V8 flags of DENO_V8_FLAGS (how the orchestrator
 * hands a fork its V8 seed, see withSeed in discover.ts) and whether V8 exposes gc.
 */
function startupFlags(): DenoFlags {
  const granted = PERMISSIONS.filter((name) => {
    try {
      return deno().permissions.querySync({ name }).state === 'granted';
    } catch {
      // a permission this deno does not know (deno 2.0 has no 'import')
      return false;
    }
  });
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  return denoFlags(environmentV8Flags(), gcExposed, granted, readsNodeModulesDir(deno().version.deno));
}

/**
 * --node-modules-dir=manual: npm packages resolve from node_modules, as node resolves them. Deno 1's
 * --node-modules-dir takes no mode, so from deno 2 on only
 */
export const NODE_MODULES_DIR_FLAG = '--node-modules-dir=manual';
export function readsNodeModulesDir(denoVersion: string): boolean {
  return Number.parseInt(denoVersion, 10) >= 2;
}

export interface DenoFlags {
  /** every flag this process runs with: what the result file records */
  recorded: string[];
  /**
   * what spawnScript gives a child: the same less the V8 flags of DENO_V8_FLAGS, which reach the
   * child through the environment it inherits and would otherwise be given twice
   */
  launch: string[];
}

/**
 * `nodeModulesDir` (deno 2 on): a child is also given --node-modules-dir=manual, as the harness's own
 * forks are (discover.ts), so that a script it starts from an installed asyncbench, which lies in
 * node_modules where deno reads no deno.json, finds npm packages; it is not observable in this
 * process, so it is not recorded
 */
export function denoFlags(
  inheritedV8: readonly string[],
  gcExposed: boolean,
  granted: readonly string[],
  nodeModulesDir = false,
): DenoFlags {
  const gcFlag = gcExposed && !inheritedV8.includes('--expose-gc') ? ['--expose-gc'] : [];
  const permissions = granted.map((name) => `--allow-${name}`);
  const line = (v8: readonly string[]) => [...(v8.length > 0 ? [`--v8-flags=${v8.join(',')}`] : []), ...permissions];
  const packages = nodeModulesDir ? [NODE_MODULES_DIR_FLAG] : [];
  return { recorded: line([...new Set([...inheritedV8, ...gcFlag])]), launch: [...packages, ...line(gcFlag)] };
}

/** DENO_V8_FLAGS as a list; empty where this process may not read the environment (no --allow-env) */
function environmentV8Flags(): string[] {
  try {
    return (deno().env.get('DENO_V8_FLAGS') ?? '').split(',').filter((flag) => flag !== '');
  } catch {
    // the variable still reached V8 and still reaches a child through the environment
    return [];
  }
}

async function denoServe(handler: HttpHandler, options: { port?: number } = {}): Promise<HttpServerHandle> {
  let listening: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const server = deno().serve(
    {
      hostname: '127.0.0.1',
      port: options.port ?? 0,
      onListen: (addr) => listening(addr.port),
      onError: handlerFailed,
    },
    (request, info) => handler(request, { remotePort: info.remoteAddr.port }),
  );
  const bound = await port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    // shutdown() stops accepting and resolves once in-flight requests have been answered
    close: () => server.shutdown(),
  };
}
