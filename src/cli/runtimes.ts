import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../harness/catalog.js';
import { discoverRuntimes } from '../runtimes/discover.js';
import { type Command, parseFlags } from './command.js';

const runtimes: Command = {
  name: 'runtimes',
  summary: 'list the runtimes found, their versions and engines',
  help: `Usage: asyncbench runtimes [--json]

Lists the runtimes asyncbench can measure: the pinned node, deno and bun from node_modules/.bin
(devDependencies, so every machine with the same lockfile measures the same builds), and the
host's own node when it differs (not run unless named with --runtime).

Options:
  --json      print the list as JSON
  -h, --help  show this help`,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } }, false);
    const found = await discoverRuntimes(fileURLToPath(PROJECT_ROOT));
    if (values.json) {
      console.log(JSON.stringify(found, null, 2));
      return 0;
    }
    for (const rt of found) {
      const star = rt.default ? '' : '  (not run by default)';
      console.log(
        `${rt.label.padEnd(16)} ${rt.version.padEnd(10)} ${rt.engine.name} ${rt.engine.version.padEnd(18)} ${rt.executable}${star}`,
      );
    }
    return 0;
  },
};
export default runtimes;
