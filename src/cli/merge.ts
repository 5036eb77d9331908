import { mergeShards } from '../report/merge.js';
import { canonicalPath, checkFileName, readResultFile, refuseExistingFile, writeResultFile } from '../result/io.js';
import { type Command, parseFlags, UsageError } from './command.js';

const merge: Command = {
  name: 'merge',
  summary: 'join the shard files of one run into one result file',
  help: `Usage: asyncbench merge SHARD... --out FILE [--overwrite]

Joins the result files of 'asyncbench run --shard K/N' into one result file, written atomically.
The shards must be of one run: the same schema, git commit and config (apart from the shard, the
services each started or could not start and the earlier runs beside its result file), and
together exactly the shards 1..N of one N, with no entry in two shards. Anything else is refused
with a one-line reason that names the first differing config field (exit 2).

Options:
  -o, --out FILE  where to write the merged result file (required); an existing file there is
                  refused (exit 2) unless --overwrite is given
  --overwrite     replace an existing --out FILE
  -h, --help      show this help

Exit codes: 0 merged; 2 bad usage (no --out, no shard, --out naming a shard, or an existing file
without --overwrite), a shard that cannot be read or is no valid result file, shards that are not
of one run (above), or --out that cannot be written; 4 an internal error (a bug of asyncbench).`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      out: { type: 'string', short: 'o' },
      overwrite: { type: 'boolean' },
    });
    if (!values.out) throw new UsageError('merge needs --out FILE');
    if (positionals.length === 0) throw new UsageError('merge needs the shard files to join');
    checkFileName(values.out, '--out');
    // the merged file replaced that shard, and the shards could not be merged again
    if (positionals.some((path) => canonicalPath(path) === canonicalPath(values.out as string)))
      throw new UsageError(`--out ${values.out} is one of the shards to join: writing there would replace it`);
    // as run --json: a result file there may hold samples no later run reproduces
    if (!values.overwrite) refuseExistingFile(values.out, '--out', `--out ${values.out} exists`);
    const { result, notes } = mergeShards(positionals.map((path) => ({ path, file: readResultFile(path) })));
    writeResultFile(values.out, result);
    for (const note of notes) console.error(`asyncbench: note: ${note}`);
    console.log(`merged ${positionals.length} shards (${result.results.length} entries) into ${values.out}`);
    return 0;
  },
};

export default merge;
