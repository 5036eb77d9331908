import { builtinScenarios } from '../harness/catalog.js';
import { type Command, parseFlags } from './command.js';

const list: Command = {
  name: 'list',
  summary: 'list the scenarios, their cases and params',
  help: `Usage: asyncbench list [--json]

Lists the built-in scenarios with their kind, cases and params: every value (the full matrix,
--full), then where a param is narrowed, the values a default run uses ('run:') and those --quick
uses ('--quick:').

Options:
  --json      print the list as JSON
  -h, --help  show this help

Exit codes: 0 listed; 2 bad usage (an unknown flag, or a word after list); 4 an internal error
(a bug of asyncbench).`,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: 'boolean' } }, false);
    const scenarios = await builtinScenarios();
    if (values.json) {
      console.log(
        JSON.stringify(
          scenarios.map(({ module: _module, ...s }) => s),
          null,
          2,
        ),
      );
      return 0;
    }
    for (const s of scenarios) {
      console.log(`${s.id}  [${s.kind}]  ${s.title}  (seed: ${s.pattern})`);
      console.log(`  cases:  ${s.cases.join(', ')}`);
      for (const [key, values] of Object.entries(s.params)) {
        const run = s.defaults[key] ? `   (run: ${s.defaults[key].join(', ')})` : '';
        const quick = s.quick[key] ? `   (--quick: ${s.quick[key].join(', ')})` : '';
        console.log(`  ${key}: ${values.join(', ')}${run}${quick}`);
      }
      if (s.requires.length) console.log(`  requires: ${s.requires.join(', ')}`);
    }
    return 0;
  },
};
export default list;
