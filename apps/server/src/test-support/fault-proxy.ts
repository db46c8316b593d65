/**
 * A TCP proxy on loopback that can cut a link silently, for partition tests (fault
 * matrix F5, F9). Nothing is refused or reset by the proxy itself: a partition looks to
 * both ends like packets that stop arriving.
 *
 * - `blackhole()`: stop forwarding in both directions. Bytes wait in the kernel (like TCP
 *   retransmitting through a partition); new connections are accepted and held.
 * - `blackhole({ forget: true })`: as above, and the far side gives up on the existing
 *   connections (Redis closes them; the news never crosses the partition). Their near ends
 *   stay open and silent forever: zombie connections, as after a long partition.
 * - `heal()`: forward again; held connections go through.
 */
import { once } from 'node:events';
import net from 'node:net';

interface Link {
  near: net.Socket;
  far: net.Socket | null;
}

export interface FaultProxy {
  readonly port: number;
  blackhole(options?: { forget?: boolean }): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const links = new Set<Link>();
  const held: net.Socket[] = [];
  let blocked = false;

  const connectFar = (link: Link): void => {
    const far = net.connect(targetPort, '127.0.0.1');
    link.far = far;
    link.near.on('data', (chunk: Buffer) => {
      if (link.far === far) far.write(chunk);
    });
    far.on('data', (chunk: Buffer) => link.near.write(chunk));
    const end = (): void => {
      // A forgotten link's far side closing must not reach the near side.
      if (link.far !== far) return;
      links.delete(link);
      link.near.destroy();
      far.destroy();
    };
    far.on('close', end);
    far.on('error', () => {});
    link.near.resume();
  };

  const server = net.createServer((near) => {
    near.on('error', () => {});
    near.pause();
    const link: Link = { near, far: null };
    links.add(link);
    near.on('close', () => {
      links.delete(link);
      link.far?.destroy();
    });
    if (blocked) held.push(near);
    else connectFar(link);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    blackhole({ forget = false } = {}) {
      blocked = true;
      for (const link of links) {
        link.near.pause();
        link.far?.pause();
        if (forget && link.far) {
          const far = link.far;
          link.far = null;
          far.destroy();
        }
      }
    },
    heal() {
      blocked = false;
      for (const link of links) {
        if (link.far) {
          link.far.resume();
          link.near.resume();
        } else if (held.includes(link.near)) {
          connectFar(link);
        }
        // else: a forgotten link stays a zombie (paused, no far side).
      }
      held.length = 0;
    },
    async close() {
      for (const link of links) {
        link.near.destroy();
        link.far?.destroy();
      }
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
