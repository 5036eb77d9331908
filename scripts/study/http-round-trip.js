#!/usr/bin/env node
// What one task's HTTP round trip costs the workers scenario's child-processes case, apart from the
// task: every client runtime (its fetch; on node also node:http's request) against every server of
// the case (dist/workers/cpu-child.js on each runtime, whose node server is the adapter's serve() on
// node:http) and a bare node:http server of the same task (http-raw-server.mjs). Trivial tasks, one
// request at a time, rounds interleaved; prints the median per cell. Needs `node scripts/build.js`.
//
//   node scripts/study/http-round-trip.js [--rounds 3]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { medianOf, root } from './common.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const bin = join(root, 'node_modules/.bin');
const run = { node: [join(bin, 'node')], deno: [join(bin, 'deno'), 'run', '-A'], bun: [join(bin, 'bun')] };
const child = join(root, 'dist/workers/cpu-child.js');
const servers = {
  'node serve()': [...run.node, child],
  'node:http': [...run.node, join(root, 'scripts/study/http-raw-server.mjs')],
  'deno serve()': [...run.deno, child],
  'bun serve()': [...run.bun, child],
};
const client = join(root, 'scripts/study/http-round-trip-client.mjs');

const cells = new Map();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [runtime, command] of Object.entries(run)) {
    for (const [server, serverCommand] of Object.entries(servers)) {
      const out = execFileSync(command[0], [...command.slice(1), client, JSON.stringify(serverCommand)], {
        encoding: 'utf8',
      });
      for (const [how, figures] of Object.entries(JSON.parse(out.trim().split('\n').at(-1)))) {
        const key = `${runtime} ${how} | ${server}`;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(figures);
      }
    }
  }
  console.error(`round ${round + 1} of ${values.rounds} done`);
}
console.log('| client | server | µs per request | server CPU µs per request |\n|---|---|--:|--:|');
for (const [key, rounds] of cells) {
  const [clientName, server] = key.split(' | ');
  const us = medianOf(rounds.map((r) => r.us)).toFixed(0);
  console.log(`| ${clientName} | ${server} | ${us} | ${medianOf(rounds.map((r) => r.serverCpuUs)).toFixed(0)} |`);
}
