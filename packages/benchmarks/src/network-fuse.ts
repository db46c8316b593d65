import net from 'node:net';

/**
 * Runs `fn` with outgoing connections forbidden: any socket connect or fetch throws
 * and is recorded, and a recorded attempt fails the run even if the SDK that made it
 * swallowed the error. Evaluation benchmarks use it to prove the peers are offline.
 */
export async function withoutNetwork<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const attempts: string[] = [];
  const proto = net.Socket.prototype;
  const connect = proto.connect;
  const fetch = globalThis.fetch;
  const refuse = (detail: string): Error => {
    attempts.push(detail);
    return new Error(`${what} must not use the network (attempted ${detail})`);
  };
  proto.connect = function refusedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    throw refuse(`socket connect ${JSON.stringify(args[0])}`);
  } as typeof connect;
  globalThis.fetch = (async (input: unknown) => {
    throw refuse(`fetch ${String(input)}`);
  }) as typeof fetch;
  try {
    const result = await fn();
    if (attempts.length > 0) throw new Error(`${what} tried to use the network: ${attempts.join('; ')}`);
    return result;
  } finally {
    proto.connect = connect;
    globalThis.fetch = fetch;
  }
}
