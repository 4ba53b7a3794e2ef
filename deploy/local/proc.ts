import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { config } from './config.ts';

/** Runs a command to completion, teeing output to logFile; throws with the last lines when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string; label?: string },
): Promise<void> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  out.write(`\n$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
  });
  await new Promise<void>((resolve) => out.end(resolve));
  if (code !== 0) {
    const tail = await lastLines(opts.logFile, 20);
    throw new Error(`${opts.label ?? command} exited with ${code}; last lines of ${opts.logFile}:\n${tail}`);
  }
}

/** Runs a command and returns its stdout (for short queries such as `--version`), or undefined on failure. */
export async function capture(
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', () => resolve(undefined));
    child.once('close', (c) => resolve(c === 0 ? text : undefined));
  });
}

/** The last n non-empty lines of a file from byte offset `from` on ('' when it does not exist). */
export async function lastLines(file: string, n: number, from = 0): Promise<string> {
  try {
    const text = (await readFile(file)).subarray(from).toString('utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-n)
      .join('\n');
  } catch {
    return '';
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** First executable called name on PATH, or undefined. */
export async function which(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/** The Go toolchain that builds the Dapr runtime and FerretDB: GO, else PATH, else /usr/local/go. */
export async function goBinary(): Promise<string> {
  if (config.go) return config.go;
  const onPath = await which('go', config.path);
  if (onPath) return onPath;
  if (await exists('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'Go (1.26 or newer) is needed once to build the Dapr runtime and FerretDB: install it or set GO',
  );
}
