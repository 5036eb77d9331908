/**
 * Keeps results safe as they arrive: every finished fork is appended to a journal (`<file>.partial.jsonl`)
 * at once, so a crash or Ctrl-C loses nothing; the result file itself is written atomically
 * (temp file + rename) at the end, or at the interruption, and the journal removed.
 *
 * The journal's first line is a header naming the run and its plan (journal.ts), every other line
 * one finished fork: `{"key", "fork", "record"}`, the fork record kept as the JSON it was, so fields
 * this version does not know round-trip through a resume. `asyncbench run --resume` reads it back.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { deriveFigures } from './derive.js';
import { errorCode, UsageError } from './errors.js';
import { isPlan, JOURNAL_FORMAT, type JournalHeader, type JournalLine, RUN_ID } from './journal.js';
import { maskKnown, redactText } from './redact.js';
import {
  entryKey,
  isEntryStatus,
  type ResultEntry,
  type ResultFile,
  ResultFileError,
  validateResultFile,
} from './schema.js';

const JOURNAL_SUFFIX = '.partial.jsonl';

/** `.<run id>` (`newRunId`): `.2026-11-24T09-36-12-552Z-k3vd` */
const RUN_ID_SUFFIX = new RegExp(`\\.${RUN_ID.source}$`);

/**
 * The journal of one run. A run never reuses another's journal: when `<file>.partial.jsonl` is
 * taken (an interrupted run left it), this run's is `<file>.<run id>.partial.jsonl`.
 */
export class ResultJournal {
  readonly path: string;
  /** `attemptId`: this process's own run id (a resumed run's header keeps the interrupted run's) */
  constructor(resultPath: string, header: JournalHeader, attemptId = header.runId) {
    // checked before anything is measured: the result file is written only at the end. The
    // directory first: statSync of a path under a file (--out FILE) throws ENOTDIR, a stack trace
    makeDirectory(dirname(resultPath));
    if (statSync(resultPath, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`${resultPath} is a directory: the result needs a file name (--json FILE, or --out DIR)`);
    const first = `${resultPath}${JOURNAL_SUFFIX}`;
    const fd = openExclusive(first) ?? openExclusive(`${resultPath}.${attemptId}${JOURNAL_SUFFIX}`);
    if (fd === undefined) throw new UsageError(`cannot create a journal beside ${resultPath}: both names are taken`);
    this.path = fd.path;
    try {
      writeSync(fd.fd, `${JSON.stringify(header)}\n`);
      fsyncSync(fd.fd);
    } finally {
      closeSync(fd.fd);
    }
    syncDirectory(dirname(this.path));
  }
  append(line: JournalLine): void {
    this.write(`${JSON.stringify(line)}\n`);
  }
  /** Appends many lines in one write (the forks a resumed run keeps). */
  appendAll(lines: readonly JournalLine[]): void {
    if (lines.length > 0) this.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
  /**
   * Appended and flushed to the disk before the run goes on, so a power cut keeps every fork measured
   * (a fork takes a process start: the fsync is small beside it). A full disk ends the run in one
   * line (exit 2), not a stack trace; what the journal holds is kept
   */
  private write(text: string): void {
    try {
      const fd = openSync(this.path, 'a');
      try {
        const bytes = Buffer.from(text);
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new UsageError(
        `cannot write the journal ${this.path}: ${errorCode(error)}; the forks it holds are kept (run --resume continues from them)`,
      );
    }
  }
  remove(): void {
    rmSync(this.path, { force: true });
  }
}

/**
 * Throws where a path given for a file ends in a separator: resolve() drops it, so `--json out/`
 * wrote a file named out where the user meant a directory, and a write to `out/` failed with ENOENT.
 */
export function checkFileName(path: string, flag: string): void {
  if (path.endsWith('/') || path.endsWith(sep))
    throw new UsageError(`${flag} ${path} names a directory (it ends in ${sep}): ${flag} takes a file's path`);
}

/**
 * Throws where a file is already at `path` and the user did not say --overwrite: a result file holds
 * raw samples no later run reproduces, and an output over it replaced them silently. `exists` is the
 * refusal's first clause (what is there); a path under a file or a directory is left to the write.
 */
export function refuseExistingFile(path: string, flag: string, exists: string): void {
  // existsSync first: statSync throws ENOTDIR for a path under a file, which is refused later, in one line
  if (!existsSync(path) || !statSync(path).isFile()) return;
  throw new UsageError(`${exists}: give ${flag} another path, or add --overwrite to replace it`);
}

/**
 * Throws the one line makeDirectory would where `dir` cannot be made (a file on the way to it),
 * without making anything: a command checks every place it writes to before it writes any.
 */
export function checkMakeDirectory(dir: string): void {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  if (!statSync(d, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`cannot create ${resolve(dir)}: ENOTDIR (${d} is not a directory)`);
}

/**
 * `dir` and its missing parents, created one level at a time; a failure is one line (exit 2), not a
 * stack trace. Not mkdirSync's `recursive`: under /proc or /sys, where mkdir answers ENOENT for a
 * parent that exists, node 20 and 24 retry it for ever at 100% CPU.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  if (!statSync(d, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`cannot create ${resolve(dir)}: ENOTDIR (${d} is not a directory)`);
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(level).isDirectory()) continue; // made meanwhile
      throw new UsageError(`cannot create ${level}: ${errorCode(error)}`);
    }
  }
}

/** A new file's name is on the disk once its directory is flushed (a power cut would lose the file else). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // a file system that cannot flush a directory (EINVAL on some): the file itself still is
  }
}

function openExclusive(path: string): { fd: number; path: string } | undefined {
  try {
    return { fd: openSync(path, 'wx'), path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new UsageError(`cannot create ${path}: ${errorCode(error)}`);
  }
}

/** The journals of runs that wrote to `resultPath`: `<file>.partial.jsonl` and `<file>.<run id>.partial.jsonl`. */
export function findJournals(resultPath: string): string[] {
  const dir = dirname(resultPath);
  const name = basename(resultPath);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((path) => resultPathOfJournal(path) === join(dir, name))
    .sort();
}

/** The result file a journal belongs to: `r.json.partial.jsonl` and `r.json.<run id>.partial.jsonl` -> `r.json`. */
export function resultPathOfJournal(journalPath: string): string | undefined {
  if (!journalPath.endsWith(JOURNAL_SUFFIX)) return undefined;
  const stem = journalPath.slice(0, -JOURNAL_SUFFIX.length);
  const runId = RUN_ID_SUFFIX.exec(stem);
  return runId ? stem.slice(0, -runId[0].length) : stem;
}

export interface JournalContents {
  header: JournalHeader;
  lines: JournalLine[];
  /** 1 when the last line was cut short (the process died while writing it); it is ignored */
  torn: number;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${errorCode(error)}`);
  }
}

/**
 * Reads a journal. A last line cut short by a crash is ignored; anything else that is not a
 * journal (no header, a broken line in the middle, a line without key/fork/record) is one
 * UsageError line: the caller exits 2.
 */
export function readJournal(path: string): JournalContents {
  const text = readText(path);
  const rows = text.split('\n');
  // a complete journal ends with a newline: whatever follows the last one is a torn write
  const tail = rows.pop() ?? '';
  const corrupt = (what: string) => new UsageError(`${path} is not a usable journal: ${what}`);
  const parse = (row: string, n: number): unknown => {
    try {
      return JSON.parse(row);
    } catch {
      throw corrupt(`line ${n} is not JSON`);
    }
  };
  if (rows.length === 0) throw corrupt(tail === '' ? 'the file is empty' : 'its header line is cut short');
  const header = parse(rows[0], 1) as JournalHeader;
  if (header?.journal !== JOURNAL_FORMAT || !isPlan(header.plan))
    throw corrupt(`line 1 is not a header of ${JOURNAL_FORMAT}`);
  const lines = rows.slice(1).map((row, i) => {
    const line = parse(row, i + 2) as JournalLine;
    const ok =
      typeof line?.key === 'string' &&
      Number.isInteger(line.fork) &&
      typeof line.record === 'object' &&
      line.record !== null &&
      isEntryStatus(line.record.status) &&
      Array.isArray(line.record.samples);
    if (!ok) throw corrupt(`line ${i + 2} is not a finished fork`);
    return line;
  });
  return { header, lines, torn: tail.trim() === '' ? 0 : 1 };
}

/** The path with its links resolved, where it exists: two names of one file compare equal. */
export function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** When the file at `path` was last modified; undefined when there is none. */
export function modifiedAt(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a reader never sees half
 * of it; a symbolic link's file is replaced so, the link kept (as the shell's `>` writes through
 * one). A stream is written into as it stands: a rename would replace the device or the pipe with
 * a plain file. A failure (a directory of that name, no permission, a full disk) is one line, and
 * leaves no temporary file behind.
 */
export function writeFileAtomic(path: string, text: string): void {
  makeDirectory(dirname(path));
  let tmp: string | undefined;
  try {
    const fd = ownDescriptor(path);
    if (fd !== undefined) writeFileSync(fd, text);
    else if (isSpecialFile(path)) writeFileSync(path, text);
    else {
      const target = linkTarget(path) ?? path;
      tmp = `${target}.${Date.now()}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, target);
    }
  } catch (error) {
    // existsSync first: rmSync itself throws where the path cannot be (under a file)
    if (tmp !== undefined && existsSync(tmp)) rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${path}: ${errorCode(error)}`);
  }
}

/** Something other than a file or a directory at `path`: a device, a pipe, a socket. */
function isSpecialFile(path: string): boolean {
  // existsSync first: deno's and bun's statSync throw ENOTDIR for a path under a file, which is
  // refused later, in one line
  if (!existsSync(path)) return false;
  const stat = statSync(path);
  return !stat.isFile() && !stat.isDirectory();
}

/**
 * The descriptor of this process that `path` names (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N): written through the descriptor itself, at its offset, so `report --md
 * /dev/stdout >> log` appends as the shell does (opened anew, the file was truncated)
 */
function ownDescriptor(path: string): number | undefined {
  const named = /^\/(?:dev\/(stdout|stderr)|dev\/fd\/(\d+)|proc\/self\/fd\/(\d+))$/.exec(resolve(path));
  if (!named) return undefined;
  return named[1] === 'stdout' ? 1 : named[1] === 'stderr' ? 2 : Number(named[2] ?? named[3]);
}

/** Where a symbolic link at `path` leads (a file to create, for a dangling one); undefined for no link. */
function linkTarget(path: string): string | undefined {
  if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return undefined;
  return existsSync(path) ? realpathSync(path) : resolve(dirname(path), readlinkSync(path));
}

/** An output written into a stream (a descriptor, a device, a pipe): a 'wrote' line would land in it. */
export function writesIntoStream(path: string): boolean {
  return ownDescriptor(path) !== undefined || isSpecialFile(path);
}

/** A run's result is kept, resumed and checked for other writers by its file: a device or a pipe is none. */
export function refuseSpecialFile(resultPath: string): void {
  if (isSpecialFile(resultPath))
    throw new UsageError(`${resultPath} is a device or a pipe, not a file: the result needs a file name (--json FILE)`);
}

export function writeResultFile(path: string, result: ResultFile): void {
  writeFileAtomic(path, `${JSON.stringify(result)}\n`);
}

const MAX_DEPTH = 64;

/** Control characters a terminal acts on (ESC, BEL, NUL, CR, ...); tab and newline are text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * A parsed file with every string in it, keys included, safe to show: redacted, so no report,
 * comparison or refusal shows a secret the file carries (a runtime's note, a case's name, an error
 * quoted in a reason), and without control characters, which would recolour or rewrite a terminal
 * and make an SVG ill-formed XML (each becomes U+FFFD).
 */
function safeStrings(value: unknown, path: string, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value).replace(CONTROL, '\uFFFD');
  if (value === null || typeof value !== 'object') return value;
  // a result file nests a few levels; thousands would overflow the stack here and in every reader
  if (depth > MAX_DEPTH) throw new UsageError(`${path} nests deeper than ${MAX_DEPTH} levels: not a result file`);
  if (Array.isArray(value)) return value.map((v) => safeStrings(v, path, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      safeStrings(key, path) as string,
      // a cell's key, and a session's decision naming one, are matched as they are: not as free text
      key === 'key' && typeof v === 'string'
        ? maskKnown(v).replace(CONTROL, '\uFFFD')
        : safeStrings(v, path, depth + 1),
    ]),
  );
}

/**
 * An entry's key, from its coordinates, and an ok entry's figures, from its forks (derive.ts): never
 * the file's word for them.
 */
function derivedEntry(entry: ResultEntry): ResultEntry {
  // the key is what the cell's coordinates make it, as the harness wrote it: one that says another
  // cell (an edit, a redaction of a param named like a secret: pass=1) would pair the wrong cells
  const key = entryKey(entry.scenario, entry.case, entry.params, entry.runtime);
  if (entry.status !== 'ok') return { ...entry, key };
  const { stats, steady, latency, cold, extra, ...cell } = entry;
  return { ...cell, key, ...deriveFigures(entry.forks, stats?.ci.sessions) };
}

/**
 * Reads and validates a result file; any problem is a one-line UsageError (exit 2). A cell's key and
 * figures are read as its coordinates and forks give them (derivedEntry).
 */
export function readResultFile(path: string): ResultFile {
  // a byte-order mark, as some editors save JSON, is not part of the document
  const text = readText(path).replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    // cut short: nothing there, an object or array never closed, or an error at the very end
    const body = text.trim();
    const at = Number(/position (\d+)/.exec(message)?.[1] ?? -1);
    const truncated =
      body === '' ||
      (/^[[{]/.test(body) && !/[}\]]$/.test(body)) ||
      at >= body.length - 1 ||
      /end of (JSON )?input|Unterminated/i.test(message);
    throw new UsageError(`${path} is not valid JSON${truncated ? ' (truncated?)' : ''}: ${message}`);
  }
  try {
    const file = validateResultFile(safeStrings(data, path), path);
    return { ...file, results: file.results.map(derivedEntry) };
  } catch (error) {
    if (error instanceof ResultFileError) throw new UsageError(error.message);
    throw error;
  }
}
