/**
 * `npm run validate:deploy`: everything about deploying that can be checked without a cluster or a
 * network. Installs its tools on first use (tools.ts), then: helm lint --strict and helm template with
 * each values file; kubeconform on every rendered object and on the cluster's Dapr resources (Kubernetes
 * and Dapr CRD schemas, strict); the restricted Pod Security Standard (checkov); hadolint; shellcheck; actionlint; the
 * local-versus-cluster comparison. Prints the time of every stage; exits 1 on any finding.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  actionlint,
  daprControlPlane,
  hadolint,
  helmLint,
  helmTemplate,
  kubeconform,
  podSecurity,
  REPO,
  shellcheck,
  deployScripts,
  VALUES_FILES,
  workflowFiles,
  type Finding,
} from './checks.ts';
import { clusterDaprFiles, compareLocalAndCluster, DAPR_DIRS, loadCompareInput } from './compare.ts';
import { daprModuleDir, schemaDirs } from './schemas.ts';
import { ensureTools } from './tools.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);
const timings: { stage: string; ms: number }[] = [];

async function stage<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    const ms = Math.round(performance.now() - t0);
    timings.push({ stage: name, ms });
    log(`  ${name}: ${(ms / 1000).toFixed(1)} s`);
  }
}

const started = performance.now();
const { tools, steps } = await stage('tools', () => ensureTools(log));
for (const s of steps)
  log(`    ${s.tool}: ${s.cached ? 'cached' : 'installed'} in ${(s.ms / 1000).toFixed(1)} s`);
const schemas = await stage('schemas', () => schemaDirs(tools));

const findings: Finding[] = [];
const rendered = new Map<string, string>();
let controlPlane = '';
await stage('helm lint + template', async () => {
  for (const file of VALUES_FILES) {
    findings.push(...(await helmLint(tools, file)));
    rendered.set(file, await helmTemplate(tools, file));
  }
  controlPlane = await daprControlPlane(tools, await daprModuleDir());
});
await stage('kubeconform', async () => {
  const names = (await readdir(DAPR_DIRS.cluster)).filter((n) => n.endsWith('.yaml'));
  const dapr = await Promise.all(clusterDaprFiles(DAPR_DIRS.cluster, names).map((f) => readFile(f, 'utf8')));
  findings.push(
    ...(await kubeconform(tools, schemas, {
      ...Object.fromEntries([...rendered].map(([file, text]) => [`chart-${file}`, text])),
      'dapr-kubernetes': dapr.join('\n---\n'),
      'dapr-control-plane': controlPlane,
    })),
  );
});
await stage('pod security (checkov)', async () => {
  findings.push(
    ...(await podSecurity(
      tools,
      Object.fromEntries([...rendered].map(([file, text]) => [`chart-${file}`, text])),
    )),
  );
});
await stage('hadolint', async () => findings.push(...(await hadolint(tools, [join(REPO, 'Dockerfile')]))));
await stage('shellcheck', async () => findings.push(...(await shellcheck(tools, await deployScripts()))));
await stage('actionlint', async () => {
  const files = await workflowFiles();
  if (files.length === 0) findings.push({ check: 'actionlint', message: 'no workflow in .github/workflows' });
  else findings.push(...(await actionlint(tools, files)));
});
await stage('local vs cluster', async () =>
  findings.push(...compareLocalAndCluster(await loadCompareInput())),
);

log(
  `validate:deploy: ${timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(1)} s`).join(', ')}; total ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
if (findings.length > 0) {
  for (const f of findings) log(`\n✗ ${f.check}\n${f.message}`);
  log(`\nvalidate:deploy: ${findings.length} finding(s)`);
  process.exit(1);
}
log('validate:deploy: every check passed');
