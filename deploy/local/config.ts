import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Configuration of the local stack, read from the environment once. Nothing else in deploy/local reads
 * process.env (child processes get an explicit env built from this and from their spec).
 */
const schema = z.object({
  XDG_CACHE_HOME: z.string().min(1).optional(),
  HOME: z.string().min(1).optional(),
  /** Where the stack keeps its data, logs and generated files; default <repo>/.data/stack. */
  STACK_DATA_DIR: z.string().min(1).optional(),
  /** Go toolchain used to build the Dapr runtime when no matching binaries are installed. */
  GO: z.string().min(1).optional(),
  JAVA: z.string().min(1).default('java'),
  MVN: z.string().min(1).default('mvn'),
  REDIS_SERVER: z.string().min(1).default('redis-server'),
  PATH: z.string().default(''),
  /**
   * Base of the port block the stack uses; every port is an offset from it (see ports.ts). Below the
   * ephemeral ranges (Linux 32768-60999, macOS/Windows 49152-65535): with 50000, client connections of an
   * `npm test` run just before (thousands, to FerretDB) held stack ports such as 50112 and the start failed.
   */
  STACK_PORT_BASE: z.coerce.number().int().min(1024).max(60000).default(20000),
  /** `off` runs the stack without Jaeger and traces even when Jaeger is installed (e.g. for a benchmark). */
  STACK_TRACING: z.enum(['on', 'off']).default('on'),
  /**
   * Apps (by name, comma-separated) run with `--cpu-prof`: each writes a V8 CPU profile to
   * <data>/profiles when the stack stops it (e.g. `workflows,notifications` during a benchmark).
   */
  STACK_CPU_PROF: z.string().default(''),
  /** When the reconcile-cron binding fires (bindings.cron syntax); the stack tests use `@every 2s`. */
  STACK_RECONCILE_SCHEDULE: z.string().min(1).default('@every 1m'),
});

const INHERITED =
  /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TZ|TMPDIR|JAVA_HOME|GO[A-Z0-9]*|XDG_[A-Z_]+|(HTTPS?|NO)_PROXY|(https?|no)_proxy)$/;

const parsed = schema.safeParse(process.env);
if (!parsed.success) {
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid environment for the local stack:\n${lines.join('\n')}`);
}
const env = parsed.data;

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const home = env.HOME ?? homedir();

export const config = {
  repoRoot,
  /** Cache of built/downloaded runtimes, outside the repo and keyed by version. */
  cacheDir: join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'todo-chatbot'),
  homeDir: home,
  dataDir: env.STACK_DATA_DIR ? resolve(env.STACK_DATA_DIR) : join(repoRoot, '.data', 'stack'),
  go: env.GO,
  java: env.JAVA,
  mvn: env.MVN,
  redisServer: env.REDIS_SERVER,
  path: env.PATH,
  portBase: env.STACK_PORT_BASE,
  reconcileSchedule: env.STACK_RECONCILE_SCHEDULE,
  tracing: env.STACK_TRACING === 'on',
  cpuProfiled: env.STACK_CPU_PROF.split(',').filter(Boolean),
  /** The part of the environment children inherit; everything else they get is explicit in their spec. */
  inheritedEnv: Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && INHERITED.test(e[0]),
    ),
  ),
} as const;

export const dirs = {
  logs: join(config.dataDir, 'logs'),
  resources: join(config.dataDir, 'resources'),
  secrets: join(config.dataDir, 'secrets.json'),
  tokens: join(config.dataDir, 'tokens.json'),
  /** Test-only fault injection: the task service acts on (and deletes) files it finds here. */
  failpoints: join(config.dataDir, 'failpoints'),
  /** The CPU profiles of the apps named in STACK_CPU_PROF. */
  profiles: join(config.dataDir, 'profiles'),
  /** What a running stack publishes for tests and tools: ports, addresses, tokens, pid. */
  info: join(config.dataDir, 'stack.json'),
  state: (piece: string) => join(config.dataDir, piece),
} as const;
