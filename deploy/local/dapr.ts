import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { config, dirs } from './config.ts';
import { capture, exists, goBinary, run, which } from './proc.ts';

/** The one Dapr runtime version the project runs (see docs/decisions/0005-dapr-runtime-build.md). */
export const DAPR_VERSION = '1.18.2';
const MODULE = 'github.com/dapr/dapr';
/** sentry is needed too: service-invocation access control reads the caller's identity from its mTLS certificate. */
const COMMANDS = ['daprd', 'placement', 'scheduler', 'sentry'] as const;
type Command = (typeof COMMANDS)[number];

export type DaprBinaries = Record<Command, string> & { source: string };

/**
 * Returns daprd, placement, scheduler and sentry of DAPR_VERSION. Each comes from PATH or ~/.dapr/bin when
 * the daprd there is this version (what `dapr init --slim` leaves: it has no sentry), else from the cache,
 * built from the Go module proxy the first time it is needed.
 */
export async function ensureDapr(log: (line: string) => void = () => {}): Promise<DaprBinaries> {
  const found: Partial<Record<Command, string>> = {};
  const installed = await findInstalledDir();
  if (installed) {
    for (const c of COMMANDS) if (await exists(join(installed, c))) found[c] = join(installed, c);
  }
  const missing = COMMANDS.filter((c) => !found[c]);
  const dir = cacheDir();
  const bin = join(dir, 'bin');
  if (missing.length > 0) {
    const stamp = join(dir, 'built.json');
    const cached = await cachedCommands(stamp);
    if (!missing.every((c) => cached.includes(c))) {
      // Rebuild what was there too: bin/ is replaced as a whole (cheap when the Go caches are warm).
      const wanted = COMMANDS.filter((c) => missing.includes(c) || cached.includes(c));
      log(
        `building Dapr ${DAPR_VERSION} (${wanted.join(', ')}) from the Go module proxy into ${dir} (first time: minutes)`,
      );
      await build(dir, wanted, log);
    }
    for (const c of missing) found[c] = join(bin, c);
  }
  const source =
    missing.length === 0
      ? `installed in ${installed}`
      : installed
        ? `${installed} + built ${missing.join(', ')} in ${bin}`
        : `built in ${bin}`;
  return {
    daprd: found.daprd!,
    placement: found.placement!,
    scheduler: found.scheduler!,
    sentry: found.sentry!,
    source,
  };
}

export function cacheDir(): string {
  return join(config.cacheDir, `dapr-${DAPR_VERSION}`);
}

async function cachedCommands(stamp: string): Promise<string[]> {
  try {
    const built = JSON.parse(await readFile(stamp, 'utf8')) as { commands?: string[] };
    const commands = built.commands ?? [];
    const present = await Promise.all(commands.map((c) => exists(join(dirname(stamp), 'bin', c))));
    return commands.filter((_, i) => present[i]);
  } catch {
    return [];
  }
}

/** The directory (PATH first, then ~/.dapr/bin) whose daprd is DAPR_VERSION. */
async function findInstalledDir(): Promise<string | undefined> {
  const onPath = await which('daprd', config.path);
  for (const dir of [onPath ? dirname(onPath) : undefined, join(config.homeDir, '.dapr', 'bin')]) {
    if (!dir || !(await exists(join(dir, 'daprd')))) continue;
    // daprd prints its bare version; the other binaries are taken from the same directory.
    const version = (await capture(join(dir, 'daprd'), ['--version']))?.trim();
    if (version === DAPR_VERSION) return dir;
  }
  return undefined;
}

/**
 * dapr's go.mod carries replace directives, which `go install module@version` refuses. So build in a
 * throwaway module that requires dapr and repeats its replaces, with dapr's go.sum (the checksum database
 * does not answer for some of its modules). Building a dependency's packages by import path needs no main.go.
 */
async function build(dir: string, commands: readonly Command[], log: (line: string) => void): Promise<void> {
  const go = await goBinary();
  const logFile = join(dirs.logs, `dapr-build-${DAPR_VERSION}.log`);
  // Per-process scratch names: two first runs at once (parallel test workers) must not trample each other.
  const work = join(dir, `module-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const env = { ...goEnv(), GOFLAGS: '-mod=mod -buildvcs=false' };

  const started = Date.now();
  const json = await captureOrThrow(
    go,
    ['mod', 'download', '-json', `${MODULE}@v${DAPR_VERSION}`],
    work,
    env,
  );
  const info = JSON.parse(json) as { Dir?: string; GoMod?: string; Error?: string };
  if (info.Error || !info.Dir)
    throw new Error(`go mod download ${MODULE}@v${DAPR_VERSION}: ${info.Error ?? 'no Dir'}`);
  const upstream = await readFile(join(info.Dir, 'go.mod'), 'utf8');
  const replaces = extractReplaces(upstream);
  await writeFile(
    join(work, 'go.mod'),
    `module daprbuild\n\ngo 1.26\n\nrequire ${MODULE} v${DAPR_VERSION}\n\n${replaces.join('\n\n')}\n`,
  );
  await copyFile(join(info.Dir, 'go.sum'), join(work, 'go.sum'));
  log(
    `dapr module downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s; compiling (log: ${logFile})`,
  );

  const out = join(dir, `bin.tmp-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await run(
    go,
    [
      'build',
      '-tags',
      'stablecomponents',
      '-ldflags',
      `-X ${MODULE}/pkg/buildinfo.version=${DAPR_VERSION}`,
      '-o',
      out + '/',
      ...commands.map((c) => `${MODULE}/cmd/${c}`),
    ],
    { cwd: work, env, logFile, label: `go build of Dapr ${DAPR_VERSION}` },
  );
  // Publish atomically: a half-built bin/ must never look like a finished cache entry.
  await rm(join(dir, 'bin'), { recursive: true, force: true });
  await rename(out, join(dir, 'bin'));
  await rm(work, { recursive: true, force: true });
  await writeFile(
    join(dir, 'built.json'),
    JSON.stringify({
      version: DAPR_VERSION,
      commands,
      seconds: (Date.now() - started) / 1000,
      at: new Date().toISOString(),
    }) + '\n',
  );
  log(`Dapr ${DAPR_VERSION} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The `replace` directives of a go.mod, blocks and single lines, verbatim. */
export function extractReplaces(goMod: string): string[] {
  const blocks = goMod.match(/^replace\s*\([\s\S]*?^\)/gm) ?? [];
  const singles = goMod.match(/^replace\s+[^(\s].*$/gm) ?? [];
  return [...blocks, ...singles];
}

/** The environment of a Go build: PATH and HOME only (the module and build caches live under HOME). */
export function goEnv(): NodeJS.ProcessEnv {
  return { PATH: config.path, HOME: config.homeDir };
}

async function captureOrThrow(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}
