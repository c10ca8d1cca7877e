/**
 * A local TCP proxy that can turn into a black hole: while it is on, bytes in both directions are
 * dropped and connections stay open, as when a database server or the network vanishes without
 * closing TCP. Connections that saw the black hole stay dead afterwards; new ones work again.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  blackhole(on: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let holing = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    let dead = holing;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (holing) dead = true;
        if (!dead) to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    // Without a black hole, one side closing closes the other, as a plain connection would.
    client.on('end', () => !dead && upstream.end());
    upstream.on('end', () => !dead && client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    blackhole(on) {
      holing = on;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
