/**
 * The describe process: imports one user's scenario file (its bundle) and reports what it declares,
 * then ends. The harness starts it (catalog.ts) so that it never runs a user's code itself (pyperf's
 * split, as with the measuring child): a top level that spins, calls process.exit, starts timers or
 * listeners, patches globals or leaves an unhandled rejection does so here, and a process that
 * spins or never finishes is killed at the harness's deadline.
 *
 * Arguments: the bundle's file URL and the label that names it in messages (the path the user gave).
 * Output: one line on stdout, DESCRIBE_PREFIX and a DescribeReport (the ScenarioInfo, or the one-line
 * problem). Nothing else of this process counts: once that line is read the harness kills it, and
 * with its process group whatever the user's top level left running.
 */
import { UsageError } from '../result/errors.js';
import { currentRuntime } from '../runtimes/current.js';
import { exitWithParent } from '../runtimes/parent-guard.js';
import { DESCRIBE_PREFIX, type DescribeReport, describeModule } from './scenario-info.js';

exitWithParent();
const [moduleUrl, label] = (await currentRuntime()).args();
// taken before the user's module loads: a top level that replaces console.log does not silence the answer
const log = console.log.bind(console);
// An await at the module's top level that nothing is left to settle would end this process at once
// on node (exit 13) and deno (an error), where bun waits. Kept alive, it is one thing on all three:
// a load that does not finish, reported at the harness's deadline.
const keepAlive = setInterval(() => {}, 1_000_000);
let report: DescribeReport;
try {
  report = { info: await describeModule(moduleUrl, label) };
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  report = { problem: error.message };
} finally {
  clearInterval(keepAlive);
}
log(`${DESCRIBE_PREFIX}${JSON.stringify(report)}`);
