/**
 * RuntimeAdapter: the only door to runtime-specific APIs (Deno.*, Bun.*, process.*, node:*-only
 * modules). Scenarios, patterns and the measuring child see the runtime through this interface, so
 * the same built JavaScript runs unchanged on node, deno and bun.
 */

export type RuntimeName = 'node' | 'deno' | 'bun';
export const RUNTIME_NAMES: readonly RuntimeName[] = ['node', 'deno', 'bun'];

import type { EngineInfo } from '../result/schema.js';

export type { EngineInfo };

export interface MemoryUsage {
  /** resident set size in bytes: the one memory figure comparable across engines (PITFALLS 7) */
  rss: number;
  /** bytes of JS heap in use, as the engine reports it (not comparable across engines) */
  heapUsed: number;
}

/**
 * An object postMessage moves to the other side rather than copies (an ArrayBuffer, a MessagePort,
 * ...): the DOM lib's `Transferable`, named here so that a project compiled without that lib (node's
 * types only, `skipLibCheck` off) can read these declarations.
 */
export type TransferItem = object;

/** The parent's end of a worker. Messages use the structured clone algorithm. */
export interface WorkerHandle {
  postMessage(message: unknown, transfer?: TransferItem[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** called once when the worker throws an uncaught error or dies */
  onError(listener: (error: Error) => void): void;
  terminate(): Promise<void>;
}

/** The worker's end, obtained inside a worker module through `workerPort()`. */
export interface WorkerPort {
  postMessage(message: unknown, transfer?: TransferItem[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /**
   * Resolves once workerData has arrived. Under node:worker_threads it is there at once; a Web
   * Worker (deno) receives it from the parent in an init handshake that workerPort() starts, so
   * await this before reading workerData.
   */
  readonly ready: Promise<void>;
  /** data given to spawnWorker({ workerData }); reading it before `ready` resolved throws */
  readonly workerData: unknown;
  close(): void;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** 'pipe' collects output into ChildHandle.stdout/stderr; 'inherit' passes it through; 'ignore' drops it */
  stdout?: 'pipe' | 'inherit' | 'ignore';
  stderr?: 'pipe' | 'inherit' | 'ignore';
  /**
   * start the child in its own process group; kill() then signals the whole group, so nothing the
   * child started outlives it (the harness spawns every measuring process this way)
   */
  group?: boolean;
}

export interface ChildExit {
  /** exit code, or null when killed by a signal */
  code: number | null;
  signal: string | null;
}

export interface ChildHandle {
  readonly pid: number;
  /** resolves when the process has exited */
  readonly exited: Promise<ChildExit>;
  kill(signal?: 'SIGTERM' | 'SIGINT' | 'SIGKILL'): void;
  /** collected output (only when spawned with stdout/stderr 'pipe'); final once `exited` resolved */
  stdout(): string;
  stderr(): string;
  /** resolves with the first line written to stdout that satisfies `match` (stdout must be 'pipe') */
  waitForLine(match: (line: string) => boolean): Promise<string>;
}

/** What a server knows of the connection a request came on. */
export interface ConnectionInfo {
  /** the client's port: it tells the connections of one client apart */
  remotePort: number;
}

/** A request handler in the Web standard shape, as Deno.serve and Bun.serve take it. */
export type HttpHandler = (request: Request, connection?: ConnectionInfo) => Response | Promise<Response>;

export interface HttpServerHandle {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** stops accepting, lets in-flight requests finish, then resolves */
  close(): Promise<void>;
}

export type Signal = 'SIGINT' | 'SIGTERM';

export interface UndiciModule {
  /** the real `undici` package (never Bun's built-in shim) */
  module: typeof import('undici');
  /** how it was loaded, recorded in the run's metadata, e.g. 'node_modules/undici/index.js (by path)' */
  source: string;
}

export interface RuntimeAdapter {
  readonly name: RuntimeName;
  readonly version: string;
  readonly engine: EngineInfo;
  /** monotonic clock in milliseconds, sub-microsecond resolution where the runtime has it */
  now(): number;
  /** forces a full garbage collection; false where the runtime was started without the ability */
  gc(): boolean;
  memory(): MemoryUsage;
  /** minor page faults this process has taken so far; undefined where the runtime cannot count them */
  pageFaults(): number | undefined;
  /** logical cores */
  cpus(): number;
  /** the runtime's own executable (process.execPath / Deno.execPath()) */
  execPath(): string;
  /** runtime flags this process must be given to behave as measured (e.g. --expose-gc) */
  readonly flags: readonly string[];
  env(name: string): string | undefined;
  /** the current working directory */
  cwd(): string;
  /** the command-line arguments after the script path */
  args(): string[];
  /** spawns a module worker from a file path or file: URL */
  spawnWorker(module: string | URL, options?: { workerData?: unknown }): WorkerHandle;
  /** inside a worker module: the channel to the parent */
  workerPort(): WorkerPort;
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildHandle;
  /**
   * starts a script (a file path or file: URL) on this same runtime executable with the flags this
   * process runs with (deno: `run` and its permissions): how a scenario or a worker module starts a
   * child runtime measured under the same settings as itself
   */
  spawnScript(script: string | URL, args?: readonly string[], options?: SpawnOptions): ChildHandle;
  /** returns a function that removes the listener */
  onSignal(signal: Signal, listener: () => void): () => void;
  exit(code: number): never;
  /**
   * from now on, notes the first write to stdout that failed (a full disk), which node reports a
   * tick later and otherwise drops, exiting 0; returns what it noted. A reader that went away
   * (`| head`: EPIPE) took what it wanted: no failure
   */
  watchStdout(): () => Error | undefined;
  /**
   * an HTTP server bound to 127.0.0.1 (port 0 = any free port). A handler that throws or rejects is
   * answered 500 with an empty body, and the server goes on serving (see serve-error.ts).
   * The Response's statusText is not sent: Deno.serve and Bun.serve have no way to send a reason
   * phrase of the handler's, they send the standard one of the status (`200 OK`, `404 Not Found`),
   * and node's serve does the same. For a status without a standard phrase the runtimes still
   * differ, in the runtime itself: node sends `unknown`, deno nothing, bun 1.4.5 `HM` (for 299).
   * A HEAD request gets the status and headers that GET would, Content-Length included where the
   * body is all there at once (a string, bytes), and no body. One difference stays, in Bun itself: a
   * Content-Type implied by the body (`text/plain;charset=utf-8` for a string) is left out of Bun's
   * Response headers and so of its HEAD answer; a handler that sets Content-Type gets it everywhere.
   */
  serve(handler: HttpHandler, options?: { port?: number }): Promise<HttpServerHandle>;
  importUndici(): Promise<UndiciModule>;
  /** synchronous file append, used for the child's result channel */
  appendFileSync(path: string, text: string): void;
  readFileSync(path: string): string;
}
