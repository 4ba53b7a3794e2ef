import { chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { config, dirs } from './config.ts';
import { capture, exists, run, which } from './proc.ts';
import type { ProcessSpec } from './supervisor.ts';

/** Where PostgreSQL's programs are (Debian's `postgresql` package, or a PATH with postgres on it). */
export interface Postgres {
  binDir: string;
  version: string;
}

/**
 * Finds PostgreSQL (12 or newer), the store under the stack's FerretDB: Debian's /usr/lib/postgresql/<v>/bin
 * (the newest), else `postgres` on PATH; says how to get it when missing.
 */
export async function ensurePostgres(): Promise<Postgres> {
  const debian = '/usr/lib/postgresql';
  const versions = (await exists(debian))
    ? (await readdir(debian)).sort((a, b) => Number(b) - Number(a))
    : [];
  const onPath = await which('postgres', config.path);
  const binDir = versions[0] ? join(debian, versions[0], 'bin') : onPath?.slice(0, -'/postgres'.length);
  const version = binDir && (await capture(join(binDir, 'postgres'), ['--version']));
  if (!binDir || !version)
    throw new Error(
      'PostgreSQL not found: `sudo apt-get install -y postgresql` (12 or newer), or put postgres on PATH',
    );
  if (Number(/(\d+)\./.exec(version)?.[1] ?? 0) < 12)
    throw new Error(`${version.trim()} is too old: the stack's FerretDB needs PostgreSQL 12 or newer`);
  return { binDir, version: version.trim() };
}

/** The database FerretDB keeps its collections in (one schema per MongoDB database). */
// FerretDB's pool (its default is 50) is larger than twice the MongoDB connections the apps may hold
// (mongoUrl's maxPoolSize): one FerretDB operation can hold two PostgreSQL connections, and with the pool
// exhausted every request waited for another (seen in a 10,000-reminder burst: the whole stack stalled).
export const postgresUrl = (port: number) =>
  `postgres://ferretdb@127.0.0.1:${port}/postgres?pool_max_conns=200`;

/**
 * The stack's own PostgreSQL: its own port on 127.0.0.1 (no Unix socket), trust for the local `ferretdb`
 * superuser, data under .data/stack/postgres (made by initdb on first start). PostgreSQL refuses to run as
 * root, so as root (a container, CI) it runs as the `postgres` user the Debian package creates.
 */
export function postgresProcess(opts: { pg: Postgres; port: number }): ProcessSpec {
  const dir = dirs.state('postgres');
  const asRoot = process.getuid?.() === 0;
  const as = (bin: string, args: string[]) =>
    asRoot
      ? { command: 'runuser', args: ['-u', 'postgres', '--', join(opts.pg.binDir, bin), ...args] }
      : { command: join(opts.pg.binDir, bin), args };
  const server = as('postgres', [
    '-D',
    dir,
    '-p',
    String(opts.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ]);
  return {
    name: 'postgres',
    ...server,
    prepare: async () => {
      if (await exists(join(dir, 'PG_VERSION'))) return;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      if (asRoot) {
        const id = async (flag: string) => Number(await capture('id', [flag, 'postgres']));
        await chown(dir, await id('-u'), await id('-g'));
      }
      const init = as('initdb', [
        '-D',
        dir,
        '-U',
        'ferretdb',
        '--auth=trust',
        '--encoding=UTF8',
        '--no-instructions',
      ]);
      await run(init.command, init.args, {
        logFile: join(dirs.logs, 'postgres-initdb.log'),
        label: 'initdb',
      });
    },
    ready: {
      describe: `pg_isready on 127.0.0.1:${opts.port}`,
      check: async () => {
        const ok = await capture(join(opts.pg.binDir, 'pg_isready'), [
          '-h',
          '127.0.0.1',
          '-p',
          String(opts.port),
        ]);
        if (ok === undefined) throw new Error('not accepting connections yet');
      },
    },
    readyTimeoutMs: 60_000,
  };
}
