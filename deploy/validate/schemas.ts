/**
 * JSON schemas for kubeconform, from packages instead of the internet: the Kubernetes ones that PyPI's
 * kubernetes-validate bundles, and Dapr's, converted from the CRDs in the dapr Go module (charts/dapr/crds)
 * of the runtime version the project runs.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { config } from '../local/config.ts';
import { DAPR_VERSION } from '../local/dapr.ts';
import { exists, goBinary } from '../local/proc.ts';
import { exec, KUBERNETES_VERSION, type SchemaDirs } from './checks.ts';
import { PY_TOOLS, toolsDir, type Tools } from './tools.ts';

export async function schemaDirs(tools: Tools): Promise<SchemaDirs> {
  return { kubernetes: await kubernetesSchemas(tools), dapr: await daprSchemas() };
}

/**
 * kubernetes-validate's strict schemas for KUBERNETES_VERSION (major.minor), copied into the cache with
 * their references made relative and their `$id` (https://kubernetes.io/...) dropped: the package resolves
 * `/api/_definitions.json` with its own resolver, kubeconform would fetch it from that URL.
 */
async function kubernetesSchemas(tools: Tools): Promise<string> {
  const root = join(tools.sitePackages, 'kubernetes_validate', 'kubernetes-json-schema');
  const minor = KUBERNETES_VERSION.split('.').slice(0, 2).join('.');
  const dirs = await readdir(root);
  const source = dirs.find((d) => d.startsWith(`v${minor}.`) && d.endsWith('-local-strict'));
  if (!source)
    throw new Error(
      `kubernetes-validate has no strict schemas for Kubernetes ${minor} (it has ${dirs.filter((d) => d.endsWith('-local-strict')).join(', ')})`,
    );
  const dir = join(toolsDir(), `kubernetes-schemas-${source}-${PY_TOOLS['kubernetes-validate']}`);
  if (await exists(dir)) return dir;
  const scratch = `${dir}.partial`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  for (const name of await readdir(join(root, source))) {
    const schema = JSON.parse(await readFile(join(root, source, name), 'utf8')) as JsonSchema;
    // Without its https $id, a schema's base is its own file, so the relative reference stays offline.
    delete schema['$id'];
    const text = JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#');
    await writeFile(join(scratch, name), text);
  }
  await rename(scratch, dir);
  return dir;
}

/** Dapr's CRDs as one JSON schema per kind and version, cached by Dapr version. */
async function daprSchemas(): Promise<string> {
  const dir = join(toolsDir(), `dapr-crd-schemas-${DAPR_VERSION}`);
  if (await exists(dir)) return dir;
  const crds = join(await daprModuleDir(), 'charts', 'dapr', 'crds');
  const scratch = `${dir}.partial`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  for (const name of await readdir(crds)) {
    if (!name.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(await readFile(join(crds, name), 'utf8'))) {
      const crd = doc.toJS() as Crd | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        const schema = strict(v.schema.openAPIV3Schema);
        const file = `${crd.spec.names.kind.toLowerCase()}_${v.name}.json`;
        await writeFile(join(scratch, file), JSON.stringify(schema, null, 1));
      }
    }
  }
  await rename(scratch, dir);
  return dir;
}

type Crd = {
  kind: string;
  spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] };
};
type JsonSchema = { [k: string]: unknown };

/**
 * The CRD's structural schema made strict the way kubeconform's own strict schemas are: an object that
 * lists its properties takes no others, unless it keeps unknown fields on purpose. Kubernetes' int-or-string
 * becomes what JSON Schema can say.
 */
export function strict(s: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'x-kubernetes-int-or-string') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, JsonSchema>).map(([p, ps]) => [p, strict(ps)]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = strict(v as JsonSchema);
    } else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string']) {
    delete out['type'];
    out['oneOf'] = [{ type: 'string' }, { type: 'integer' }];
  }
  if (
    s['properties'] &&
    !s['x-kubernetes-preserve-unknown-fields'] &&
    s['additionalProperties'] === undefined
  )
    out['additionalProperties'] = false;
  // metadata is ObjectMeta, which the CRD leaves open: keep it open.
  if (out['properties'] && typeof out['properties'] === 'object') {
    const props = out['properties'] as Record<string, JsonSchema>;
    if (props['metadata']?.['type'] === 'object' && props['apiVersion'] && props['kind'])
      props['metadata'] = { type: 'object' };
  }
  return out;
}

/** The dapr module in the Go module cache (the stack's Dapr build puts it there; else it is downloaded). */
export async function daprModuleDir(): Promise<string> {
  const r = await exec(
    await goBinary(),
    ['mod', 'download', '-json', `github.com/dapr/dapr@v${DAPR_VERSION}`],
    {
      cwd: config.cacheDir,
    },
  );
  if (r.code !== 0)
    throw new Error(`go mod download github.com/dapr/dapr@v${DAPR_VERSION}: ${r.stdout}${r.stderr}`);
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download named no directory for dapr ${DAPR_VERSION}`);
  return dir;
}
