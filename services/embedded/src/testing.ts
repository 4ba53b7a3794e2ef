import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface Embedded {
  base: string;
  child: ChildProcess;
}

/** Starts the embedded profile as `npm start` does, on a free port, and answers the origin it prints. */
export function startEmbedded(dataDir: string, env: Record<string, string> = {}): Promise<Embedded> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'main.ts')], {
    // The child is run by absolute path: it needs no PATH or anything else from this environment.
    env: { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /running at (http:\/\/[\d.:]+)\/api/.exec(out);
      if (m) resolve({ base: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`main.ts exited with ${code}: ${out}`)));
  });
}

/** An instant `s` seconds from now, to the second (as a client would write it). */
export const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** Polls `probe` until it answers something, for up to `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
