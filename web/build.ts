import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = import.meta.dirname;
/** The server bundle `react-router build` writes; its age tells whether the sources moved on. */
export const serverBuild = join(root, 'build/server/index.js');
const sources = ['app', 'react-router.config.ts', 'vite.config.ts', 'package.json'];
const LOCK_STALE_MS = 5 * 60_000;

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  // Tests beside the code are not part of the app: editing one needs no new build.
  const names = readdirSync(path).filter((name) => !name.endsWith('.test.ts'));
  return Math.max(0, ...names.map((name) => newest(join(path, name))));
}

/** Whether the build is missing or older than any source file. */
export function buildIsStale(): boolean {
  if (!existsSync(serverBuild)) return true;
  const built = statSync(serverBuild).mtimeMs;
  return sources.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > built);
}

/**
 * Builds the web app (Vite, through the React Router CLI) when it is missing or stale, so `npm start` on a
 * fresh clone just works; answers how long it took in ms, or 0 when the build was current.
 */
export function ensureBuild(log: (msg: string) => void = () => {}): number {
  if (!buildIsStale()) return 0;
  const started = performance.now();
  // Several processes may start at once (test files run in parallel): one builds, the others wait for it.
  const lock = acquire(join(root, 'build.lock'));
  try {
    if (!buildIsStale()) return 0;
    log('building the web app (first start or changed sources)');
    // The CLI's bin is not an export of the package: find it beside an export that is.
    const cli = join(dirname(createRequire(import.meta.url).resolve('@react-router/dev/vite')), '../bin.cjs');
    const r = spawnSync(process.execPath, [cli, 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0)
      throw new Error(`web build failed (exit ${r.status}): run npm run build -w web to see why`);
  } finally {
    closeSync(lock);
    unlinkSync(join(root, 'build.lock'));
  }
  return Math.round(performance.now() - started);
}

/** An exclusive lock file (O_EXCL); one older than five minutes is a crashed builder's and is taken over. */
function acquire(path: string): number {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(path).mtimeMs > LOCK_STALE_MS) unlinkSync(path);
      } catch {
        // released meanwhile
      }
      // Start-up is synchronous here: sleep the thread, there is nothing else to do yet.
      Atomics.wait(nap, 0, 0, 200);
    }
  }
}

if (import.meta.main) {
  const ms = ensureBuild(console.log);
  console.log(ms ? `web app built in ${(ms / 1000).toFixed(1)} s` : 'web app build is current');
}
