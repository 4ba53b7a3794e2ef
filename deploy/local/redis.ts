import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config, dirs } from './config.ts';
import { tcpExchange } from './health.ts';
import { capture, which } from './proc.ts';
import type { ProcessSpec } from './supervisor.ts';

/** Finds redis-server (Debian's redis-server package, Redis 7) and says how to get it when missing. */
export async function ensureRedis(): Promise<string> {
  const bin = config.redisServer.includes('/')
    ? config.redisServer
    : await which(config.redisServer, config.path);
  const version = bin ? await capture(bin, ['--version']) : undefined;
  if (!bin || !version) {
    throw new Error(
      'redis-server not found: `sudo apt-get install -y redis-server` (Redis 7), or set REDIS_SERVER=/path/to/redis-server',
    );
  }
  const major = Number(/v=(\d+)\./.exec(version)?.[1] ?? 0);
  if (major < 7)
    throw new Error(`redis-server ${version.trim()} is too old: the stack needs Redis 7 or newer`);
  return bin;
}

/**
 * The stack's own Redis: its own port on 127.0.0.1, AOF on, data under .data/stack/redis, password from the
 * stack's secrets. Config goes in a 0600 file so the password is not on the command line.
 */
export function redisProcess(opts: { bin: string; port: number; password: string }): ProcessSpec {
  const dir = dirs.state('redis');
  const conf = join(dir, 'redis.conf');
  return {
    name: 'redis',
    command: opts.bin,
    args: [conf],
    prepare: async () => {
      await mkdir(dir, { recursive: true });
      const lines = [
        'bind 127.0.0.1',
        `port ${opts.port}`,
        'protected-mode yes',
        'daemonize no',
        'logfile ""', // stdout, i.e. the stack's log folder
        'loglevel warning',
        `dir ${dir}`,
        'appendonly yes',
        'appendfsync everysec',
        'save ""',
        `requirepass ${opts.password}`,
      ];
      await writeFile(conf, lines.join('\n') + '\n', { mode: 0o600 });
    },
    ready: {
      describe: `redis PING on 127.0.0.1:${opts.port}`,
      check: async (signal) => {
        await tcpExchange('127.0.0.1', opts.port, `AUTH ${opts.password}\r\nPING\r\n`, '+PONG', signal);
      },
    },
    readyTimeoutMs: 20_000,
  };
}
