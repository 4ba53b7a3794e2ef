// Every checker of validate:deploy, given the repository as it is (it passes) and then a planted fault of
// its kind (it must refuse). Run by `npm run validate:deploy` after the checks themselves (vitest project
// `deploy`): the tools are installed by then.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  actionlint,
  CHART,
  hadolint,
  helmLint,
  helmTemplate,
  kubeconform,
  podSecurity,
  REPO,
  deployScripts,
  shellcheck,
  workflowFiles,
  type SchemaDirs,
} from './checks.ts';
import { clusterDaprFiles, compareLocalAndCluster, DAPR_DIRS, loadCompareInput } from './compare.ts';
import { schemaDirs } from './schemas.ts';
import { ensureTools, type Tools } from './tools.ts';

let tools: Tools;
let schemas: SchemaDirs;
let clean: string;
let scratch: string;

beforeAll(async () => {
  tools = (await ensureTools()).tools;
  schemas = await schemaDirs(tools);
  clean = await helmTemplate(tools, 'values.yaml');
  scratch = await mkdtemp(join(tmpdir(), 'todo-validate-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The cluster's Dapr resources as one text, from `dir` (a copy may carry a fault). */
async function daprText(dir: string): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml'));
  const texts = await Promise.all(clusterDaprFiles(dir, names).map((f) => readFile(f, 'utf8')));
  return texts.join('\n---\n');
}

/** A copy of deploy/dapr/kubernetes with `edit` applied to one file. */
async function daprCopy(file: string, edit: (doc: Record<string, any>) => void): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'dapr-'));
  await cp(DAPR_DIRS.cluster, dir, { recursive: true });
  const doc = parse(await readFile(join(dir, file), 'utf8')) as Record<string, any>;
  edit(doc);
  await writeFile(join(dir, file), stringify(doc));
  return dir;
}

describe('helm lint --strict', () => {
  it('passes the chart and refuses a value its schema forbids', async () => {
    expect(await helmLint(tools, 'values-oke.yaml')).toEqual([]);
    const findings = await helmLint(tools, 'values.yaml', { yaml: 'apps:\n  tasks:\n    replicas: 0\n' });
    expect(findings.map((f) => f.message).join('\n')).toMatch(/replicas/);
  });
});

describe('kubeconform, Kubernetes schemas', () => {
  it('passes every rendered object and refuses a field the API does not have', async () => {
    const bad = await helmTemplate(tools, 'values.yaml', {
      yaml: 'apps:\n  chat:\n    extraEnv:\n      - name: X\n        valueFrom: { secretKeyRf: { name: a, key: b } }\n',
    });
    // One run (each schema is compiled once): only the planted file's Deployment is refused.
    const findings = await kubeconform(tools, schemas, { clean, planted: bad });
    expect(findings).toHaveLength(1);
    const errors = findings[0]!.message.split('\n').filter((l) => !l.startsWith('Summary'));
    expect(errors.join('\n')).toMatch(
      /planted\.yaml - Deployment todo-chatbot-chat is invalid: .*secretKeyRf/,
    );
    expect(errors.join('\n')).not.toMatch(/clean\.yaml/);
  });
});

describe('kubeconform, Dapr CRD schemas', () => {
  it("passes the cluster's Dapr resources and refuses a component metadata item without a name", async () => {
    const dir = await daprCopy('pubsub.yaml', (d) => {
      d['spec'].metadata[0] = { nmae: 'brokers', value: 'x:9092' };
    });
    const findings = await kubeconform(tools, schemas, {
      clean: await daprText(DAPR_DIRS.cluster),
      planted: await daprText(dir),
    });
    expect(findings).toHaveLength(1);
    const errors = findings[0]!.message.split('\n').filter((l) => !l.startsWith('Summary'));
    expect(errors.join('\n')).toMatch(
      /planted\.yaml - Component pubsub is invalid: .*missing property 'name'/,
    );
    expect(errors.join('\n')).not.toMatch(/clean\.yaml/);
  });
});

describe('restricted Pod Security Standard (checkov)', () => {
  it('passes the chart and refuses a privileged container that may escalate', async () => {
    const bad = await helmTemplate(tools, 'values.yaml', {
      yaml: 'apps:\n  web:\n    containerSecurityContext: { privileged: true, allowPrivilegeEscalation: true, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }\n',
    });
    // One run (checkov's start-up is most of its time): only the planted file fails, on those two checks.
    const findings = await podSecurity(tools, { clean, planted: bad });
    expect(findings).toHaveLength(1);
    const failedChecks = [...findings[0]!.message.matchAll(/Check: (CKV_K8S_\d+)/g)].map((m) => m[1]);
    expect(new Set(failedChecks)).toEqual(new Set(['CKV_K8S_16', 'CKV_K8S_20']));
    expect(findings[0]!.message).toMatch(/planted\.yaml/);
    expect(findings[0]!.message).not.toMatch(/clean\.yaml/);
  });
});

describe('hadolint', () => {
  it('passes the Dockerfile and refuses unpinned apt packages', async () => {
    const dockerfile = join(REPO, 'Dockerfile');
    expect(await hadolint(tools, [dockerfile])).toEqual([]);
    const bad = join(scratch, 'Dockerfile');
    const text = await readFile(dockerfile, 'utf8');
    await writeFile(
      bad,
      text.replace(
        'WORKDIR /app\nCOPY --from=prod-deps',
        'WORKDIR /app\nRUN apt-get update && apt-get install -y curl\nCOPY --from=prod-deps',
      ),
    );
    const findings = await hadolint(tools, [bad]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/DL3008/);
  });
});

describe('shellcheck', () => {
  it('passes the deploy scripts and refuses an unquoted expansion', async () => {
    const scripts = await deployScripts();
    expect(scripts.map((f) => f.slice(REPO.length + 1))).toEqual(
      expect.arrayContaining(['deploy/deploy.sh', 'deploy/minikube.sh', 'deploy/platform/install.sh']),
    );
    expect(await shellcheck(tools, scripts)).toEqual([]);
    const bad = join(scratch, 'deploy.sh');
    const text = await readFile(join(REPO, 'deploy', 'deploy.sh'), 'utf8');
    await writeFile(
      bad,
      text.replace('kubectl create namespace "$namespace"', 'kubectl create namespace $namespace'),
    );
    const findings = await shellcheck(tools, [bad]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/SC2086/);
  });
});

describe('actionlint', () => {
  it('passes the workflows and refuses a job that needs one that does not exist', async () => {
    const files = await workflowFiles();
    expect(files.length).toBe(3);
    expect(await actionlint(tools, files)).toEqual([]);
    const dir = join(scratch, 'workflows');
    await cp(join(REPO, '.github', 'workflows'), dir, { recursive: true });
    const e2e = join(dir, 'e2e.yml');
    await writeFile(
      e2e,
      (await readFile(e2e, 'utf8')).replace(
        '    runs-on: ubuntu-24.04',
        '    needs: build\n    runs-on: ubuntu-24.04',
      ),
    );
    const findings = await actionlint(tools, await workflowFiles(dir));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/build/);
  });
});

describe('local vs cluster', () => {
  it('finds the repository in agreement', async () => {
    expect(compareLocalAndCluster(await loadCompareInput())).toEqual([]);
  });

  it('refuses a renamed component, a dropped caller, an image that runs another file, a topic with other partitions', async () => {
    const renamed = await daprCopy('pubsub.yaml', (d) => {
      d['metadata'].name = 'kafka-pubsub';
    });
    expect(
      compareLocalAndCluster(await loadCompareInput({ clusterDir: renamed })).map((f) => f.message),
    ).toEqual(
      expect.arrayContaining([
        "Component/pubsub is in the local stack's resources but not the cluster's",
        "Component/kafka-pubsub is in the cluster's resources but not the local stack's",
      ]),
    );

    const noChat = await daprCopy('config-tasks.yaml', (d) => {
      d['spec'].accessControl.policies = d['spec'].accessControl.policies.filter(
        (p: { appId: string }) => p.appId !== 'chat',
      );
    });
    const dropped = compareLocalAndCluster(await loadCompareInput({ clusterDir: noChat })).map(
      (f) => f.message,
    );
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatch(
      /^Configuration\/tasks: callers (\w+,)*chat,.* locally, (?!.*chat).* in the cluster$/,
    );

    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const wrongCmd = dockerfile.replace('"services/tasks/src/server.ts"]', '"services/tasks/src/main.ts"]');
    expect(
      compareLocalAndCluster(await loadCompareInput({ dockerfile: wrongCmd })).map((f) => f.message),
    ).toEqual([
      'tasks: the image runs node --import ./services/server/src/telemetry.ts services/tasks/src/main.ts, the local stack node --import ./services/server/src/telemetry.ts services/tasks/src/server.ts',
    ]);

    const values = parse(await readFile(join(CHART, 'values.yaml'), 'utf8')) as {
      kafka: { topics: { name: string; partitions: number }[] };
    };
    values.kafka.topics.find((t) => t.name === 'task-events')!.partitions = 5;
    expect(
      compareLocalAndCluster(await loadCompareInput({ valuesYaml: stringify(values) })).map((f) => f.message),
    ).toEqual(['topic task-events: 6 partitions locally, 5 in the chart']);
  });

  it('refuses a caller given more operations, a wider publishing scope, a dead-letter drain without its scope, and a secret the chart does not grant', async () => {
    const messages = async (clusterDir: string) =>
      compareLocalAndCluster(await loadCompareInput({ clusterDir })).map((f) => f.message);

    const wider = await daprCopy('config-tasks.yaml', (d) => {
      d['spec'].accessControl.policies
        .find((p: { appId: string }) => p.appId === 'chat')
        .operations.push({ name: '/internal/**', httpVerb: ['GET'], action: 'allow' });
    });
    expect(await messages(wider)).toEqual(['Configuration/tasks: what chat may invoke differs']);

    const publisher = await daprCopy('pubsub.yaml', (d) => {
      d['spec'].metadata.find((m: { name: string }) => m.name === 'publishingScopes').value +=
        ';chat=reminders';
    });
    const published = await messages(publisher);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatch(
      /^Component\/pubsub: publishingScopes is .* locally, .*chat=reminders in the cluster$/,
    );

    const drainless = await daprCopy('pubsub.yaml', (d) => {
      const scopes = d['spec'].metadata.find((m: { name: string }) => m.name === 'subscriptionScopes');
      scopes.value = scopes.value.replace('workflows=task-events,task-events-dlq', 'workflows=task-events');
    });
    expect(await messages(drainless)).toContain(
      'workflows subscribes to task-events-dlq, which its subscriptionScopes do not allow',
    );

    const secret = await daprCopy('config-workflows.yaml', (d) => {
      d['spec'].secrets.scopes[0].allowedSecrets = ['jwt-signing-key'];
    });
    expect(await messages(secret)).toEqual([
      'Configuration/workflows: secrets differs',
      'app workflows: its Configuration allows secrets jwt-signing-key, the chart grants ',
    ]);
  });
});
