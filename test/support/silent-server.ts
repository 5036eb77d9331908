import { type AddressInfo, createServer, type Server } from 'node:net';

/**
 * A 127.0.0.1 server that accepts connections and never answers, as a DATABASE_URL of a host that
 * hangs: `connected` settles at the first connection, when a setup is waiting on it.
 */
export async function silentServer(): Promise<{ server: Server; port: number; connected: Promise<void> }> {
  let connected = () => {};
  const first = new Promise<void>((resolve) => (connected = resolve));
  const server = createServer((socket) => {
    connected();
    socket.on('data', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connected: first };
}
