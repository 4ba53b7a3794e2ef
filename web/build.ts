import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = import.meta.dirname;
/** The server bundle `react-router build` writes; its age tells whether the sources moved on. */
export const serverBuild = join(root, 'build/server/index.js');
const sources = ['app', 'react-router.config.ts', 'vite.config.ts', 'package.json'];

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
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
  log('building the web app (first start or changed sources)');
  // The CLI's bin is not an export of the package: find it beside an export that is.
  const cli = join(dirname(createRequire(import.meta.url).resolve('@react-router/dev/vite')), '../bin.cjs');
  const r = spawnSync(process.execPath, [cli, 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`web build failed (exit ${r.status}): run npm run build -w web to see why`);
  return Math.round(performance.now() - started);
}

if (import.meta.main) {
  const ms = ensureBuild(console.log);
  console.log(ms ? `web app built in ${(ms / 1000).toFixed(1)} s` : 'web app build is current');
}
