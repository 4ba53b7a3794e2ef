/**
 * The offline checks of `npm run validate:deploy`, each a function that returns its findings (empty: it
 * passed) so the tests can hand each one a planted fault. Nothing here reaches a network: the schemas come
 * from packages (kubernetes-validate on PyPI, the dapr Go module's CRDs).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { config } from '../local/config.ts';
import { toolEnv } from './env.ts';
import type { Tools } from './tools.ts';

export const REPO = config.repoRoot;
export const CHART = join(REPO, 'deploy', 'helm', 'todo-chatbot');
/** The values files a deploy uses; values.yaml alone, then each environment over it. */
export const VALUES_FILES = ['values.yaml', 'values-minikube.yaml', 'values-oke.yaml'] as const;
/** The Kubernetes minor the chart targets (OKE and Minikube both run it or newer). */
export const KUBERNETES_VERSION = '1.34.0';
/** Release name and namespace the deploy script uses. */
export const RELEASE = { name: 'todo-chatbot', namespace: 'todo' } as const;

export type Finding = { check: string; message: string };

/** Output of a finished command. */
export type Ran = { code: number; stdout: string; stderr: string };

/** Runs a command to its end and returns its output (a non-zero exit is a result, not an exception). */
export function exec(command: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}) {
  return new Promise<Ran>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? REPO,
      env: {
        ...toolEnv,
        HELM_CACHE_HOME: helmHome('cache'),
        HELM_CONFIG_HOME: helmHome('config'),
        HELM_DATA_HOME: helmHome('data'),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

// Helm keeps no repository or plugin state for these checks: point it away from the user's own.
function helmHome(kind: string): string {
  return join(tmpdir(), 'todo-chatbot-helm', kind);
}

function failed(check: string, r: Ran): Finding[] {
  if (r.code === 0) return [];
  const text = `${r.stdout}\n${r.stderr}`.trim();
  return [{ check, message: text.split('\n').slice(-40).join('\n') }];
}

/** Extra values for a run: files or inline YAML, applied after the values file (the tests plant faults here). */
export type ValuesOverride = { yaml?: string };

async function withValues<T>(
  override: ValuesOverride | undefined,
  f: (args: string[]) => Promise<T>,
): Promise<T> {
  if (!override?.yaml) return f([]);
  const dir = await mkdtemp(join(tmpdir(), 'todo-values-'));
  try {
    const file = join(dir, 'override.yaml');
    await writeFile(file, override.yaml);
    return await f(['-f', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function valuesArgs(file: (typeof VALUES_FILES)[number]): string[] {
  return file === 'values.yaml' ? [] : ['-f', join(CHART, file)];
}

/** `helm lint --strict` with one values file (values.schema.json is enforced here too). */
export async function helmLint(
  tools: Tools,
  file: (typeof VALUES_FILES)[number],
  override?: ValuesOverride,
): Promise<Finding[]> {
  return withValues(override, async (extra) =>
    failed(
      `helm lint --strict (${file})`,
      await exec(tools.helm, [
        'lint',
        '--strict',
        CHART,
        '--namespace',
        RELEASE.namespace,
        ...valuesArgs(file),
        ...extra,
      ]),
    ),
  );
}

/** `helm template` with one values file; throws when Helm cannot render. */
export async function helmTemplate(
  tools: Tools,
  file: (typeof VALUES_FILES)[number],
  override?: ValuesOverride,
): Promise<string> {
  return withValues(override, async (extra) => {
    const r = await exec(tools.helm, [
      'template',
      RELEASE.name,
      CHART,
      '--namespace',
      RELEASE.namespace,
      '--kube-version',
      KUBERNETES_VERSION,
      // The test pod is part of what gets deployed: validate it too.
      ...valuesArgs(file),
      ...extra,
    ]);
    if (r.code !== 0) throw new Error(`helm template (${file}) failed:\n${r.stderr}`);
    return r.stdout;
  });
}

/**
 * The Dapr control plane as deploy/platform/install.sh installs it: the dapr chart of the runtime's version
 * (from the dapr Go module) with deploy/platform/values/dapr.yaml.
 */
export async function daprControlPlane(tools: Tools, daprModule: string): Promise<string> {
  const r = await exec(tools.helm, [
    'template',
    'dapr',
    join(daprModule, 'charts', 'dapr'),
    '--namespace',
    'dapr-system',
    '--kube-version',
    KUBERNETES_VERSION,
    '-f',
    join(REPO, 'deploy', 'platform', 'values', 'dapr.yaml'),
  ]);
  if (r.code !== 0) throw new Error(`helm template dapr failed:\n${r.stderr}`);
  return r.stdout;
}

/** Where kubeconform finds schemas: the Kubernetes ones from kubernetes-validate, Dapr's converted from its CRDs. */
export type SchemaDirs = { kubernetes: string; dapr: string };

/** Writes named manifest texts into a scratch directory for one run of a checker, removed afterwards. */
async function withFiles<T>(
  manifests: Record<string, string>,
  f: (dir: string, files: string[]) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'todo-manifests-'));
  try {
    const files = await Promise.all(
      Object.entries(manifests).map(async ([name, text]) => {
        const file = join(dir, `${name.replace(/[^a-zA-Z0-9.-]+/g, '_')}.yaml`);
        await writeFile(file, text);
        return file;
      }),
    );
    return await f(dir, files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * kubeconform in strict mode (unknown fields are errors), offline, on named manifest texts in one run (each
 * schema is compiled once: the Kubernetes definitions are large).
 */
export async function kubeconform(
  tools: Tools,
  schemas: SchemaDirs,
  manifests: Record<string, string>,
): Promise<Finding[]> {
  return withFiles(manifests, async (_dir, files) => {
    const r = await exec(tools.kubeconform, [
      '-strict',
      '-summary',
      '-output',
      'text',
      '-kubernetes-version',
      KUBERNETES_VERSION,
      '-schema-location',
      join(schemas.kubernetes, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      '-schema-location',
      join(schemas.dapr, '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
      ...files,
    ]);
    return failed(`kubeconform (${Object.keys(manifests).join(', ')})`, r);
  });
}

/**
 * checkov's Kubernetes checks for the controls of the restricted Pod Security Standard (and the read-only
 * root file system the design asks for): privileged, host namespaces and ports, privilege escalation, root,
 * capabilities (ALL dropped, none added), seccomp. checkov has no check for the standard's volume types,
 * procMount or sysctls: the chart sets none of them, and the app namespace's `restricted` enforcement label
 * (deploy/deploy.sh) refuses them in the cluster.
 */
export const RESTRICTED_CHECKS = [
  'CKV_K8S_16', // privileged containers
  'CKV_K8S_17', // hostPID
  'CKV_K8S_18', // hostIPC
  'CKV_K8S_19', // hostNetwork
  'CKV_K8S_20', // allowPrivilegeEscalation
  'CKV_K8S_22', // readOnlyRootFilesystem
  'CKV_K8S_23', // runAsNonRoot / root containers
  'CKV_K8S_25', // added capabilities
  'CKV_K8S_26', // hostPort
  'CKV_K8S_28', // NET_RAW dropped
  'CKV_K8S_31', // seccomp RuntimeDefault
  'CKV_K8S_37', // capabilities: drop ALL
  'CKV_K8S_39', // SYS_ADMIN
  'CKV_K8S_27', // the Docker socket as a hostPath volume
  'CKV_K8S_29', // a pod security context
  'CKV_K8S_30', // a container security context
] as const;

/** checkov on named manifest texts in one run (its start-up is most of its time). */
export async function podSecurity(tools: Tools, manifests: Record<string, string>): Promise<Finding[]> {
  return withFiles(manifests, async (dir) => {
    const r = await exec(tools.checkov, [
      '--directory',
      dir,
      '--framework',
      'kubernetes',
      '--check',
      RESTRICTED_CHECKS.join(','),
      '--compact',
      '--quiet',
      '--skip-download',
      '--output',
      'cli',
    ]);
    return failed(`restricted pod security, checkov (${Object.keys(manifests).join(', ')})`, r);
  });
}

export async function hadolint(tools: Tools, dockerfiles: readonly string[]): Promise<Finding[]> {
  return failed('hadolint', await exec(tools.hadolint, ['--failure-threshold', 'info', ...dockerfiles]));
}

/** shellcheck on the deploy scripts, following what they source. */
export async function shellcheck(tools: Tools, scripts: readonly string[]): Promise<Finding[]> {
  return failed('shellcheck', await exec(tools.shellcheck, ['-x', ...scripts]));
}

/** The deploy scripts: deploy/*.sh and deploy/platform/*.sh. */
export async function deployScripts(root = join(REPO, 'deploy')): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [root, join(root, 'platform')]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    found.push(...names.filter((n) => n.endsWith('.sh')).map((n) => join(dir, n)));
  }
  return found.sort();
}

export async function actionlint(tools: Tools, workflows: readonly string[]): Promise<Finding[]> {
  // With shellcheck, actionlint checks every `run:` script too.
  return failed(
    'actionlint',
    await exec(tools.actionlint, ['-no-color', `-shellcheck=${tools.shellcheck}`, ...workflows]),
  );
}

/** The repository's workflow files. */
export async function workflowFiles(dir = join(REPO, '.github', 'workflows')): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.ya?ml$/.test(n)).map((n) => join(dir, n));
}

/** Parses a multi-document YAML text, skipping empty documents. */
export function parseDocs(text: string, where: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${where}: ${d.errors[0]!.message}`);
      return d.toJS() as Record<string, unknown> | null;
    })
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}

export async function readDocs(file: string): Promise<Record<string, unknown>[]> {
  return parseDocs(await readFile(file, 'utf8'), file);
}
