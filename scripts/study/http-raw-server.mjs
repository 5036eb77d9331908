// A CPU task server on bare node:http, for http-round-trip.js: what the workers scenario's cpu-child
// does (read the JSON task, answer its result as JSON) without the adapter's Web Request and Response.
import { createServer } from 'node:http';
import runCpuTask from '../../dist/workers/cpu-kernel.js';

const server = createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const task = JSON.parse(Buffer.concat(chunks).toString());
  const json = JSON.stringify(runCpuTask(task));
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
});
server.listen(0, '127.0.0.1', () => console.log(`ready http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
