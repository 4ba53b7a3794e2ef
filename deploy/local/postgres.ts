import { chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { config, dirs } from './config.ts';
import { capture, exists, run, which } from './proc.ts';
import type { ProcessSpec } from './supervisor.ts';

/** Where PostgreSQL's programs are (Debian's `postgresql` package, or a PATH with postgres on it). */
export interface Postgres {
  binDir: string;
  version: string;
  /** Its data directory (see dataDir). */
  dataDir: string;
}

/** PostgreSQL refuses to run as root, so as root (a container, CI) it runs as the `postgres` user. */
const asRoot = process.getuid?.() === 0;

/**
 * Where the stack's PostgreSQL keeps its data: .data/stack/postgres, unless it runs as the `postgres` user,
 * which may not enter the checkout (a clone in root's home or in a `mktemp -d` folder is private). Then it is
 * under that user's home, one directory per checkout.
 */
async function dataDir(): Promise<string> {
  const inCheckout = dirs.state('postgres');
  if (!asRoot) return inCheckout;
  const home = (await capture('getent', ['passwd', 'postgres']))?.trim().split(':')[5];
  if (!home) throw new Error('no `postgres` user: `sudo apt-get install -y postgresql` creates it');
  const key = createHash('sha256').update(inCheckout).digest('hex').slice(0, 16);
  return join(home, 'todo-chatbot', key);
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
  return { binDir, version: version.trim(), dataDir: await dataDir() };
}

/** The database FerretDB keeps its collections in (one schema per MongoDB database). */
// FerretDB's pool (its default is 50) is larger than twice the MongoDB connections the apps may hold
// (mongoUrl's maxPoolSize): one FerretDB operation can hold two PostgreSQL connections, and with the pool
// exhausted every request waited for another (seen in a 10,000-reminder burst: the whole stack stalled).
export const postgresUrl = (port: number) =>
  `postgres://ferretdb@127.0.0.1:${port}/postgres?pool_max_conns=200`;

/**
 * As root the cluster lives outside the checkout, so it could outlive the rest of the stack's data (a fresh
 * clone at the same path, or a removed .data/stack): a store holding tasks that Kafka's log, Redis and the
 * search index never saw. A mark written in both places at initdb ties their lives: a cluster whose mark
 * is not the stack's belongs to data that is gone, and is dropped, as is any cluster whose stack folder is
 * gone (a CI clone in a `mktemp -d` folder leaves one behind each run).
 */
const clusterMark = (dir: string) => `${dir}.cluster`;
const readMark = (file: string) =>
  readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as { id: string; stack: string })
    .catch(() => undefined);

/** Drops `dir` unless it carries the stack's mark, and every other cluster beside it whose stack is gone. */
export async function dropOrphanClusters(dir: string, stack = config.dataDir): Promise<void> {
  const drop = (cluster: string) =>
    Promise.all([rm(cluster, { recursive: true, force: true }), rm(clusterMark(cluster), { force: true })]);
  const parent = dirname(dir);
  for (const name of await readdir(parent).catch(() => [])) {
    const other = join(parent, name.slice(0, -'.cluster'.length));
    const its = name.endsWith('.cluster') && other !== dir && (await readMark(join(parent, name)));
    if (its && !(await exists(its.stack))) await drop(other);
  }
  if (!(await exists(join(dir, 'PG_VERSION')))) return;
  const [mine, its] = [await readMark(join(stack, 'postgres.cluster')), await readMark(clusterMark(dir))];
  if (!mine || mine.id !== its?.id) await drop(dir);
}

/** Marks a new cluster `dir` as the stack's. */
export async function markCluster(dir: string, stack = config.dataDir): Promise<void> {
  const mark = JSON.stringify({ id: randomUUID(), stack });
  await writeFile(clusterMark(dir), mark);
  await writeFile(join(stack, 'postgres.cluster'), mark);
}

/**
 * The stack's own PostgreSQL: its own port on 127.0.0.1 (no Unix socket), trust for the local `ferretdb`
 * superuser, data in `pg.dataDir` (made by initdb on first start); as root it runs as the `postgres` user,
 * from `/` so that it never needs to enter the checkout.
 */
export function postgresProcess(opts: { pg: Postgres; port: number }): ProcessSpec {
  const dir = opts.pg.dataDir;
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
    cwd: '/',
    prepare: async () => {
      if (asRoot) await dropOrphanClusters(dir);
      if (await exists(join(dir, 'PG_VERSION'))) return;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      if (asRoot) {
        const id = async (flag: string) => Number(await capture('id', [flag, 'postgres']));
        const [uid, gid] = [await id('-u'), await id('-g')];
        // And the folder above it, made here in the user's home: the user must reach its data.
        for (const d of [dirname(dir), dir]) await chown(d, uid, gid);
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
        cwd: '/',
        logFile: join(dirs.logs, 'postgres-initdb.log'),
        label: 'initdb',
      });
      if (asRoot) await markCluster(dir);
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
