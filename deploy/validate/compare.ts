/**
 * Do the local stack and the cluster agree? Dapr resource names, kinds and settings, the callers each
 * access-control policy lets in, the topics (names, partitions, retention) the chart's hook job creates
 * against TOPICS in deploy/local/stack.ts, the topics the apps subscribe to, and the control plane's mTLS.
 * Addresses differ on purpose (envRef locally, cluster DNS names in Kubernetes) and are not compared.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { APPS, PROBE_APP_ID, TOPICS } from '../local/stack.ts';
import { CHART, readDocs, REPO, type Finding } from './checks.ts';

export const DAPR_DIRS = {
  local: {
    resources: join(REPO, 'deploy/dapr/local/resources'),
    config: join(REPO, 'deploy/dapr/local/config'),
  },
  cluster: join(REPO, 'deploy/dapr/kubernetes'),
};

/**
 * What deploy/deploy.sh applies to the app namespace: the cluster's own files, and the local Resiliency as
 * it is (nothing in it depends on where it runs: one file for both).
 */
export function clusterDaprFiles(clusterDir = DAPR_DIRS.cluster, names: readonly string[]): string[] {
  return [...names.map((n) => join(clusterDir, n)), join(DAPR_DIRS.local.resources, 'resiliency.yaml')];
}

/** Component metadata that says where a thing is, not how it behaves. */
const ADDRESS_FIELDS = new Set(['brokers', 'redisHost', 'secretsFile']);
/** Component types that differ by design: the secret store is a file locally, Kubernetes Secrets in a cluster. */
const TYPE_PAIRS: Record<string, string> = { 'secretstores.local.file': 'secretstores.kubernetes' };
/**
 * App ids only the local stack has: its probe sidecar and the stack tests' probe app (tests/stack/global.ts).
 * Their entries in the local scopes are dropped before comparing with the cluster.
 */
const LOCAL_TEST_APPS = new Set([PROBE_APP_ID, 'retry-probe']);
/** Pub/sub metadata of the form `app=topic,topic;app=...`. */
const SCOPE_FIELDS = new Set(['publishingScopes', 'subscriptionScopes']);
/** Metadata of one type that has no counterpart in the other. */
const TYPE_ONLY_FIELDS = new Set(['nestedSeparator']);

type Doc = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
  scopes?: string[];
};
type MetaItem = { name: string; value?: unknown; envRef?: string; secretKeyRef?: unknown };

export type CompareInput = {
  localDocs: Doc[];
  clusterDocs: Doc[];
  /** The chart's values.yaml, parsed. */
  values: ChartValues;
  /** The local control plane's Configuration (daprsystem) and the Dapr chart values the platform installs. */
  sentry: Doc;
  daprChartValues: { global?: { mtls?: Record<string, unknown> } };
  /** Topic names each app subscribes to, with their dead-letter topics. */
  subscriptions: { app: string; topic: string; deadLetterTopic: string }[];
  localTopics: readonly { topic: string; partitions: number; retentionMs: number; cleanupPolicy?: string }[];
  /** The reconcile-cron schedule the local stack uses by default. */
  localSchedule: string;
  /** What each app of the local stack runs (APPS: the script after `node`). */
  localApps: readonly { name: string; args: readonly string[] }[];
  /** The Dockerfile: each app's image is the target of its name, its CMD what the pod runs. */
  dockerfile: string;
};

export type ChartValues = {
  apps: Record<string, { enabled: boolean; daprConfig: string; secrets?: string[] }>;
  kafka: { topics: { name: string; partitions: number; config?: Record<string, string> }[] };
};

export function compareLocalAndCluster(input: CompareInput): Finding[] {
  const findings: Finding[] = [];
  const add = (message: string) => findings.push({ check: 'local vs cluster Dapr resources', message });
  const byKey = (docs: Doc[]) => new Map(docs.map((d) => [`${d.kind}/${d.metadata?.name}`, d]));
  const local = byKey(input.localDocs);
  const cluster = byKey(input.clusterDocs);
  const appNames = Object.keys(input.values.apps);

  for (const key of new Set([...local.keys(), ...cluster.keys()])) {
    if (!local.has(key)) add(`${key} is in the cluster's resources but not the local stack's`);
    if (!cluster.has(key)) add(`${key} is in the local stack's resources but not the cluster's`);
  }
  for (const [key, l] of local) {
    const c = cluster.get(key);
    if (!c) continue;
    if (l.kind === 'Component') compareComponent(key, l, c, input.localSchedule, add);
    if (l.kind === 'Configuration') compareConfiguration(key, l, c, add);
  }
  for (const [key, c] of cluster) {
    for (const s of c.scopes ?? [])
      if (!appNames.includes(s)) add(`${key} scopes app ${s}, which the chart does not run`);
    if (c.kind === 'Component' && !c.scopes?.length) add(`${key} has no scopes in the cluster`);
  }
  const resiliency = [...cluster.values()].find((d) => d.kind === 'Resiliency');
  const targets = (resiliency?.spec?.['targets'] ?? {}) as { apps?: object; components?: object };
  for (const app of Object.keys(targets.apps ?? {}))
    if (!appNames.includes(app)) add(`resiliency targets app ${app}, which the chart does not run`);
  for (const comp of Object.keys(targets.components ?? {}))
    if (!cluster.has(`Component/${comp}`))
      add(`resiliency targets component ${comp}, which the cluster does not have`);
  for (const [app, v] of Object.entries(input.values.apps))
    if (v.enabled && !cluster.has(`Configuration/${v.daprConfig}`))
      add(`app ${app} uses Dapr Configuration ${v.daprConfig}, which the cluster does not have`);

  compareSecrets(input.values, cluster, add);
  compareTopics(input, add);
  compareTopicScopes(input, cluster.get('Component/pubsub'), add);
  compareCommands(input, appNames, add);
  const localMtls = (input.sentry.spec?.['mtls'] ?? {}) as Record<string, unknown>;
  const clusterMtls = input.daprChartValues.global?.mtls ?? {};
  for (const [k, v] of Object.entries(localMtls))
    if (clusterMtls[k] !== v)
      add(`mTLS ${k}: ${String(v)} locally, ${String(clusterMtls[k])} in the Dapr chart values`);
  return findings;
}

/**
 * What an app may read from the secret store is said twice in the cluster: its Configuration's
 * allowedSecrets (Dapr) and the Role on those Secrets (the chart's apps.<app>.secrets). They must agree,
 * and only apps with a secret load the secret store.
 */
function compareSecrets(values: ChartValues, cluster: Map<string, Doc>, add: (m: string) => void) {
  type Scope = { storeName: string; allowedSecrets?: string[] };
  const readers: string[] = [];
  for (const [app, v] of Object.entries(values.apps)) {
    const spec = cluster.get(`Configuration/${v.daprConfig}`)?.spec as
      { secrets?: { scopes?: Scope[] } } | undefined;
    const allowed = spec?.secrets?.scopes?.find((x) => x.storeName === 'secretstore')?.allowedSecrets ?? [];
    const granted = v.secrets ?? [];
    if (!isDeepStrictEqual([...allowed].sort(), [...granted].sort()))
      add(
        `app ${app}: its Configuration allows secrets ${allowed.join(',')}, the chart grants ${granted.join(',')}`,
      );
    if (v.enabled && granted.length > 0) readers.push(app);
  }
  const store = cluster.get('Component/secretstore');
  if (store && !isDeepStrictEqual([...(store.scopes ?? [])].sort(), readers.sort()))
    add(
      `Component/secretstore is scoped to ${(store.scopes ?? []).join(',')}, but the apps with secrets are ${readers.join(',')}`,
    );
}

/** Each app's image runs what the local stack runs for it, and every app the chart deploys has an image. */
function compareCommands(input: CompareInput, appNames: string[], add: (m: string) => void) {
  const cmds = new Map<string, string[]>();
  let target: string | undefined;
  for (const line of input.dockerfile.split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) target = from[1];
    const cmd = /^CMD\s+(\[.*\])\s*$/.exec(line);
    if (cmd && target) cmds.set(target, JSON.parse(cmd[1]!) as string[]);
  }
  for (const app of appNames)
    if (!cmds.has(app)) add(`the chart runs ${app}, but the Dockerfile has no target ${app} with a CMD`);
  for (const app of input.localApps) {
    const image = cmds.get(app.name);
    if (!image || !appNames.includes(app.name)) {
      add(`the local stack runs ${app.name}, which the chart or the Dockerfile does not`);
      continue;
    }
    const [bin, ...args] = image;
    if (bin !== 'node' || !isDeepStrictEqual(args, [...app.args]))
      add(`${app.name}: the image runs ${image.join(' ')}, the local stack node ${app.args.join(' ')}`);
  }
}

function compareComponent(key: string, l: Doc, c: Doc, localSchedule: string, add: (m: string) => void) {
  const lt = String(l.spec?.['type']);
  const ct = String(c.spec?.['type']);
  if (lt !== ct && TYPE_PAIRS[lt] !== ct) add(`${key}: type ${lt} locally, ${ct} in the cluster`);
  if (l.spec?.['version'] !== c.spec?.['version']) add(`${key}: version differs`);
  const meta = (d: Doc) => new Map(((d.spec?.['metadata'] ?? []) as MetaItem[]).map((m) => [m.name, m]));
  const lm = meta(l);
  const cm = meta(c);
  for (const name of new Set([...lm.keys(), ...cm.keys()])) {
    if (ADDRESS_FIELDS.has(name) || TYPE_ONLY_FIELDS.has(name)) continue;
    const a = lm.get(name);
    const b = cm.get(name);
    if (!a || !b) {
      add(`${key}: metadata ${name} is only in the ${a ? 'local' : 'cluster'} resource`);
      continue;
    }
    // A setting read from the stack's environment locally is a value in the cluster: the stack's default.
    let av = a.envRef === 'STACK_RECONCILE_SCHEDULE' ? localSchedule : a.envRef ? undefined : a.value;
    if (SCOPE_FIELDS.has(name) && typeof av === 'string')
      av = av
        .split(';')
        .filter((entry) => !LOCAL_TEST_APPS.has(entry.split('=')[0]!))
        .join(';');
    if (av !== undefined && !isDeepStrictEqual(av, b.value))
      add(`${key}: ${name} is ${String(av)} locally, ${String(b.value)} in the cluster`);
    if (!isDeepStrictEqual(a.secretKeyRef, b.secretKeyRef)) add(`${key}: ${name} names a different secret`);
  }
  const ls = (l.scopes ?? []).filter((app) => !LOCAL_TEST_APPS.has(app));
  if (ls.length > 0 && !isDeepStrictEqual([...ls].sort(), [...(c.scopes ?? [])].sort()))
    add(`${key}: scopes ${ls.join(',')} locally, ${(c.scopes ?? []).join(',')} in the cluster`);
}

function compareConfiguration(key: string, l: Doc, c: Doc, add: (m: string) => void) {
  type Policy = { appId: string; defaultAction?: string; operations?: unknown[] };
  type Acl = { defaultAction?: string; trustDomain?: string; policies?: Policy[] };
  const la = (l.spec?.['accessControl'] ?? {}) as Acl;
  const ca = (c.spec?.['accessControl'] ?? {}) as Acl;
  if (la.defaultAction !== ca.defaultAction)
    add(`${key}: access control default ${la.defaultAction} locally, ${ca.defaultAction} in the cluster`);
  if (la.trustDomain !== ca.trustDomain) add(`${key}: trust domain differs`);
  const callers = (a: Acl) => (a.policies ?? []).map((p) => p.appId).sort();
  if (!isDeepStrictEqual(callers(la), callers(ca)))
    add(`${key}: callers ${callers(la).join(',')} locally, ${callers(ca).join(',')} in the cluster`);
  // What each caller may do must match too (namespaces differ on purpose: default locally).
  for (const p of la.policies ?? []) {
    const q = (ca.policies ?? []).find((x) => x.appId === p.appId);
    if (q && (p.defaultAction !== q.defaultAction || !isDeepStrictEqual(p.operations, q.operations)))
      add(`${key}: what ${p.appId} may invoke differs`);
  }
  for (const field of ['secrets', 'metric', 'workflow', 'features'] as const)
    if (!isDeepStrictEqual(l.spec?.[field], c.spec?.[field])) add(`${key}: ${field} differs`);
  const lr = (l.spec?.['tracing'] as { samplingRate?: string } | undefined)?.samplingRate;
  const cr = (c.spec?.['tracing'] as { samplingRate?: string } | undefined)?.samplingRate;
  if (lr !== cr) add(`${key}: tracing sampling rate ${lr} locally, ${cr} in the cluster`);
}

/**
 * The pub/sub's topic scopes (the local ones must equal these) let each app subscribe to what its code
 * subscribes to, dead-letter drains included, and publish to the dead-letter topics daprd writes for it.
 */
function compareTopicScopes(input: CompareInput, pubsub: Doc | undefined, add: (m: string) => void) {
  const metadata = (pubsub?.spec?.['metadata'] ?? []) as MetaItem[];
  const scopes = (field: string) =>
    new Map(
      String(metadata.find((m) => m.name === field)?.value ?? '')
        .split(';')
        .filter(Boolean)
        .map((entry) => {
          const [app, topics = ''] = entry.split('=');
          return [app!, new Set(topics.split(','))] as const;
        }),
    );
  const subscribing = scopes('subscriptionScopes');
  const publishing = scopes('publishingScopes');
  for (const s of input.subscriptions) {
    if (!subscribing.get(s.app)?.has(s.topic))
      add(`${s.app} subscribes to ${s.topic}, which its subscriptionScopes do not allow`);
    if (!publishing.get(s.app)?.has(s.deadLetterTopic))
      add(`${s.app} dead-letters to ${s.deadLetterTopic}, which its publishingScopes do not allow`);
  }
}

function compareTopics(input: CompareInput, add: (m: string) => void) {
  const chart = new Map(input.values.kafka.topics.map((t) => [t.name, t]));
  const local = new Map(input.localTopics.map((t) => [t.topic, t]));
  for (const name of new Set([...chart.keys(), ...local.keys()])) {
    const l = local.get(name);
    const c = chart.get(name);
    if (!l || !c) {
      add(`topic ${name} is only in ${l ? 'deploy/local/stack.ts (TOPICS)' : 'the chart (kafka.topics)'}`);
      continue;
    }
    if (l.partitions !== c.partitions)
      add(`topic ${name}: ${l.partitions} partitions locally, ${c.partitions} in the chart`);
    if (String(l.retentionMs) !== c.config?.['retention.ms'])
      add(`topic ${name}: retention ${l.retentionMs} ms locally, ${c.config?.['retention.ms']} in the chart`);
    if (l.cleanupPolicy !== undefined && l.cleanupPolicy !== (c.config?.['cleanup.policy'] ?? 'delete'))
      add(
        `topic ${name}: cleanup.policy ${l.cleanupPolicy} locally, ${c.config?.['cleanup.policy'] ?? 'delete'} in the chart`,
      );
  }
  for (const s of input.subscriptions)
    for (const t of [s.topic, s.deadLetterTopic])
      if (!local.has(t) || !chart.has(t))
        add(`${s.app} subscribes with topic ${t}, which the local stack or the chart does not create`);
}

/** Everything the comparison reads, from the repository (clusterDir may be a copy with a planted fault). */
export async function loadCompareInput(
  opts: { clusterDir?: string; valuesYaml?: string; dockerfile?: string } = {},
): Promise<CompareInput> {
  const { readdir, readFile } = await import('node:fs/promises');
  const clusterDir = opts.clusterDir ?? DAPR_DIRS.cluster;
  const names = (await readdir(clusterDir)).filter((n) => n.endsWith('.yaml')).sort();
  const localFiles = [
    ...(await readdir(DAPR_DIRS.local.resources)).map((n) => join(DAPR_DIRS.local.resources, n)),
    // Every Configuration but sentry's (the control plane's, compared with the Dapr chart's mTLS values).
    ...(await readdir(DAPR_DIRS.local.config))
      .filter((n) => n !== 'sentry.yaml')
      .map((n) => join(DAPR_DIRS.local.config, n)),
  ].filter((f) => f.endsWith('.yaml'));
  const [localDocs, clusterDocs] = await Promise.all(
    [localFiles, clusterDaprFiles(clusterDir, names)].map(async (files) =>
      (await Promise.all(files.map(readDocs))).flat(),
    ),
  );
  const values = parse(
    opts.valuesYaml ?? (await readFile(join(CHART, 'values.yaml'), 'utf8')),
  ) as ChartValues;
  const [sentry] = await readDocs(join(DAPR_DIRS.local.config, 'sentry.yaml'));
  const daprChartValues = parse(
    await readFile(join(REPO, 'deploy/platform/values/dapr.yaml'), 'utf8'),
  ) as CompareInput['daprChartValues'];
  const { subscriptions } = await import('./subscriptions.ts');
  const { config } = await import('../local/config.ts');
  return {
    localDocs: localDocs as Doc[],
    clusterDocs: clusterDocs as Doc[],
    values,
    sentry: sentry as Doc,
    daprChartValues,
    subscriptions: subscriptions(),
    localTopics: TOPICS,
    localSchedule: config.reconcileSchedule,
    localApps: APPS.map((a) => ({ name: a.name, args: a.args })),
    dockerfile: opts.dockerfile ?? (await readFile(join(REPO, 'Dockerfile'), 'utf8')),
  };
}
