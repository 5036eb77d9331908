// Run on node, deno or bun by http-round-trip.js: starts a CPU task server (argv[2], a JSON command
// line), then POSTs trivial tasks ({seed, rounds: 1}) one at a time, as the workers scenario's
// child-processes case does with real ones, and prints one JSON line: the wall time per request and
// the server's CPU time per request (from /proc), for the runtime's fetch and, on node, also for
// node:http's request (keep-alive agent), to tell the client's cost from the server's.
// REQUESTS=N in the environment measures N requests instead of 1 000 (a profile of the server wants more).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const WARMUP = 300;
const REQUESTS = Number(process.env.REQUESTS ?? 1000);
const [command, ...args] = JSON.parse(process.argv[2]);
const server = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (data) => {
    out += data;
    const ready = /ready (\S+)/.exec(out);
    if (ready) resolve(ready[1]);
  });
});

/** utime + stime of the server process in µs (clock ticks of 10 ms) */
function serverCpuUs() {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const body = (seed) => JSON.stringify({ seed, rounds: 1 });
async function viaFetch(seed) {
  const response = await fetch(url, { method: 'POST', body: body(seed) });
  return response.json();
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function viaNodeHttp(seed) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    request.on('error', reject);
    request.end(body(seed));
  });
}

async function measure(send) {
  for (let i = 0; i < WARMUP; i++) await send(i);
  const cpu = serverCpuUs();
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) await send(i);
  return { us: ((performance.now() - start) * 1000) / REQUESTS, serverCpuUs: (serverCpuUs() - cpu) / REQUESTS };
}

const result = { fetch: await measure(viaFetch) };
if (typeof globalThis.Deno === 'undefined' && typeof globalThis.Bun === 'undefined')
  result['node:http'] = await measure(viaNodeHttp);
console.log(JSON.stringify(result));
server.kill();
