import { createServer } from 'node:net';

/** Resolves when the port is free on 127.0.0.1; rejects with a message that names the port and the setting. */
export async function assertPortFree(port: number, setting: string, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} (${what}) is already in use. Stop whatever holds it or choose another port with ${setting}.`
            : `cannot bind port ${port} (${what}): ${err.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
