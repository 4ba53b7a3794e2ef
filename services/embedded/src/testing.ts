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
