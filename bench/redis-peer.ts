// Starts a throwaway redis-server: the peer the data-type benchmark measures slotdb against, and
// the reference the differential tests compare replies with (test/support/redis-server.ts).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function redisServerPath(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningRedis {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startRedis(extra: string[] = []): Promise<RunningRedis> {
  const path = redisServerPath();
  if (path === undefined)
    throw new Error('redis-server is not installed (apt-get install redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'slotdb-redis-'));
  const child: ChildProcess = spawn(
    path,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  const started = Date.now();
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        const probe = connect(port, '127.0.0.1', () => {
          probe.end();
          resolve();
        });
        probe.on('error', reject);
      });
      break;
    } catch {
      if (Date.now() - started > 10_000) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
