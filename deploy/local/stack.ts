/**
 * The local stack (`npm run stack`): Dapr's sentry, placement and scheduler, Kafka, Redis, FerretDB, a
 * probe sidecar and the apps below, each on its own ports, supervised until Ctrl-C. Also imported by the integration
 * tests' global setup (startStack / readRunningStack).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import {
  appProcesses,
  CONFIG_DIR,
  sidecarProcess,
  TELEMETRY_MODULE,
  type AppSpec,
  type SidecarContext,
} from './apps.ts';
import { config, dirs } from './config.ts';
import { placementProcess, schedulerProcess, sentryProcess } from './controlplane.ts';
import { DAPR_VERSION, ensureDapr } from './dapr.ts';
import {
  ensureJaeger,
  installedJaeger,
  JAEGER_VERSION,
  jaegerBuildSeconds,
  jaegerEndpoints,
  jaegerProcess,
} from './jaeger.ts';
import { ensureKafka, kafkaProcess, type TopicSpec } from './kafka.ts';
import { stackPorts, type StackPorts } from './ports.ts';
import { ensureMongo, mongoProcess, mongoUrl } from './mongo.ts';
import { ensurePostgres, postgresProcess } from './postgres.ts';
import { ensureRedis, redisProcess } from './redis.ts';
import { ensureSecrets, ensureTokens, newAppTokens, type StackTokens } from './secrets.ts';
import { PieceFailedError, Supervisor, type ProcessSpec, type SupervisorEvent } from './supervisor.ts';

const DAY = 24 * 60 * 60 * 1000;

/** Topics created once Kafka is up. Dead-letter topics are named <topic>-dlq. */
export const TOPICS: readonly TopicSpec[] = [
  // Compacted: it keeps every task's newest event, so replaying it rebuilds the search index (retention.ms
  // does not apply to a compacted topic; it is kept in step with the chart).
  { topic: 'task-events', partitions: 6, retentionMs: 7 * DAY, cleanupPolicy: 'compact' },
  { topic: 'reminders', partitions: 3, retentionMs: 7 * DAY },
  { topic: 'task-events-dlq', partitions: 1, retentionMs: 30 * DAY },
  { topic: 'reminders-dlq', partitions: 1, retentionMs: 30 * DAY },
];

const appPorts = stackPorts();

/**
 * The apps of the stack, each beside its own daprd with its own Configuration (deploy/dapr/local/config/
 * <app>.yaml: who may invoke which of its operations, which secrets it may read). Add entries here (see
 * AppSpec in apps.ts).
 */
export const APPS: readonly AppSpec[] = [
  {
    name: 'tasks',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'services/tasks/src/server.ts'],
    port: appPorts.app(0),
    metricsPort: appPorts.metrics(0),
    internalPort: appPorts.appInternal(0),
    env: {
      PORT: String(appPorts.app(0)),
      MONGO_URL: mongoUrl(appPorts.mongo),
      FAILPOINTS_DIR: dirs.failpoints,
      // Every caller reaches the app through daprd on 127.0.0.1: one address for all, so no per-address
      // limit (the per-account limit and the hashing bound stay).
      AUTH_PER_IP_PER_MINUTE: '0',
    },
    health: '/healthz',
    dapr: { config: `${CONFIG_DIR}/tasks.yaml` },
    dependsOn: ['ferretdb'],
  },
  {
    name: 'chat',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'services/chat/src/server.ts'],
    port: appPorts.app(1),
    metricsPort: appPorts.metrics(1),
    internalPort: appPorts.appInternal(1),
    env: { PORT: String(appPorts.app(1)) },
    health: '/readyz',
    dapr: { config: `${CONFIG_DIR}/chat.yaml` },
    dependsOn: ['tasks'],
  },
  {
    name: 'notifications',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'services/notifications/src/server.ts'],
    port: appPorts.app(2),
    metricsPort: appPorts.metrics(2),
    internalPort: appPorts.appInternal(2),
    env: { PORT: String(appPorts.app(2)), MONGO_URL: mongoUrl(appPorts.mongo), MONGO_DB: 'notifications' },
    health: '/readyz',
    dapr: { config: `${CONFIG_DIR}/notifications.yaml` },
    dependsOn: ['ferretdb'],
  },
  {
    name: 'workflows',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'workflows/src/server.ts'],
    port: appPorts.app(3),
    metricsPort: appPorts.metrics(3),
    internalPort: appPorts.appInternal(3),
    env: { PORT: String(appPorts.app(3)) },
    health: '/readyz',
    dapr: { config: `${CONFIG_DIR}/workflows.yaml` },
    dependsOn: ['tasks'],
  },
  {
    // Search: /api/search and the indexer on task-events; the in-process engine, filled at start by
    // replaying the compacted topic from Kafka (MEILI_URL would choose Meilisearch).
    name: 'search',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'services/search/src/server.ts'],
    port: appPorts.app(4),
    metricsPort: appPorts.metrics(4),
    internalPort: appPorts.appInternal(4),
    env: { PORT: String(appPorts.app(4)), KAFKA_BROKERS: `127.0.0.1:${appPorts.kafka.broker}` },
    health: '/readyz',
    dapr: { config: `${CONFIG_DIR}/search.yaml` },
    dependsOn: ['kafka', 'tasks'],
  },
  {
    // The web app: pages rendered here, the API reached through its daprd (DAPR_HTTP_ENDPOINT).
    name: 'web',
    command: process.execPath,
    args: ['--import', TELEMETRY_MODULE, 'web/main.ts'],
    port: appPorts.app(5),
    metricsPort: appPorts.metrics(5),
    env: { PORT: String(appPorts.app(5)) },
    health: '/healthz',
    dapr: { config: `${CONFIG_DIR}/web.yaml` },
    dependsOn: ['tasks', 'chat', 'notifications'],
  },
];

/** The sidecar with no app that proves sentry, placement, scheduler and the components work; tests may use it. */
export const PROBE_APP_ID = 'stack-probe';

export type StackInfo = {
  pid: number;
  /** STACK_PORT_BASE of this stack: every port is an offset of it (ports.ts). */
  portBase: number;
  startedAt: string;
  readyAt: string;
  daprVersion: string;
  kafkaVersion: string;
  dataDir: string;
  logsDir: string;
  kafka: { brokers: string[] };
  redis: { host: string; port: number };
  /** The MongoDB-wire task store (FerretDB). */
  mongo: { url: string };
  /** daprd of each app id (the probe included): where to call it, and its slot in ports.ts. */
  sidecars: Record<string, SidecarPorts>;
  /** HTTP port of each app (its public listener), by name. */
  apps: Record<string, number>;
  /** The /metrics port of each app, by name (Prometheus' text format at /metrics). */
  metrics: Record<string, number>;
  /** The internal listener of each app that has one (daprd's app port; every route, app token needed). */
  internalPorts: Record<string, number>;
  /** Jaeger, when installed (`npm run stack:install`): every app and daprd sends it traces. */
  jaeger?: ReturnType<typeof jaegerEndpoints>;
  /** Env of every daprd for the component files' envRef (STACK_*). */
  componentEnv: Record<string, string>;
  /** Each app's own Dapr API and app API tokens, by app id (the probe's included). */
  tokens: StackTokens;
};

/** Where the stack put one daprd: its sidecar slot (ports.ts) and its ports. */
export type SidecarPorts = { slot: number; http: number; grpc: number; metrics: number };

export type RunningStack = { info: StackInfo; supervisor: Supervisor; stop: () => Promise<void> };

type Log = (line: string) => void;

/** Installs what is missing (cached by version), starts every piece, resolves when all are ready. */
export async function startStack(
  opts: {
    apps?: readonly AppSpec[];
    probe?: boolean;
    /** The reconcile-cron binding's schedule; default STACK_RECONCILE_SCHEDULE or `@every 1m`. */
    reconcileSchedule?: string;
    log?: Log;
    signal?: AbortSignal;
  } = {},
): Promise<RunningStack> {
  const log = opts.log ?? (() => {});
  const apps = opts.apps ?? APPS;
  const running = await readRunningStack();
  if (running)
    throw new Error(`a stack is already running (pid ${running.pid}, ${dirs.info}); stop it first`);

  const installed = Date.now();
  const [bin, kafka, redisBin, mongoBin, pg, secrets, tokens, jaegerBin] = await Promise.all([
    ensureDapr(log),
    ensureKafka(log),
    ensureRedis(),
    ensureMongo(),
    ensurePostgres(),
    ensureSecrets(),
    ensureTokens([PROBE_APP_ID, ...apps.filter((a) => a.dapr !== false).map(appIdOf)]),
    installedJaeger(),
  ]);
  log(
    `runtimes ready in ${secondsSince(installed)} (dapr ${DAPR_VERSION}: ${bin.source}; kafka ${kafka.version})`,
  );

  const ports = stackPorts();
  await assertPortsFree(ports, apps);
  const brokers = [`127.0.0.1:${ports.kafka.broker}`];
  const redis = { host: '127.0.0.1', port: ports.redis };
  const componentEnv = {
    STACK_KAFKA_BROKERS: brokers.join(','),
    STACK_REDIS_HOST: `${redis.host}:${redis.port}`,
    STACK_SECRETS_FILE: dirs.secrets,
    STACK_RECONCILE_SCHEDULE: opts.reconcileSchedule ?? config.reconcileSchedule,
  };
  const jaeger = jaegerBin ? jaegerEndpoints(ports) : undefined;
  const ctx: SidecarContext = {
    bin,
    ports,
    tokens,
    componentEnv,
    dependsOn: ['sentry', 'placement', 'scheduler', 'kafka', 'redis', ...(jaeger ? ['jaeger'] : [])],
    tracing: jaeger,
  };
  await mkdir(dirs.failpoints, { recursive: true });
  const sidecars: StackInfo['sidecars'] = {};
  const specs = [
    sentryProcess(bin, ports),
    placementProcess(bin, ports),
    schedulerProcess(bin, ports),
    redisProcess({ bin: redisBin, port: redis.port, password: secrets['redis-password'] }),
    kafkaProcess({
      lib: kafka.lib,
      brokerPort: ports.kafka.broker,
      controllerPort: ports.kafka.controller,
      topics: TOPICS,
    }),
    postgresProcess({ pg, port: ports.postgres }),
    mongoProcess({ bin: mongoBin, port: ports.mongo, postgresPort: ports.postgres }),
    ...(jaegerBin ? [jaegerProcess(jaegerBin, ports)] : []),
  ];
  if (opts.probe ?? true) {
    specs.push(
      sidecarProcess(
        {
          name: `${PROBE_APP_ID}-daprd`,
          appId: PROBE_APP_ID,
          slot: 0,
          extraReady: connectedToControlPlane(ports.sidecar(0).http, tokens[PROBE_APP_ID]!.daprApiToken),
        },
        ctx,
      ),
    );
    sidecars[PROBE_APP_ID] = pick(ports.sidecar(0), 0);
  }
  const appPortsByName: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  const internalPorts: Record<string, number> = {};
  apps.forEach((app, i) => {
    if (app.metricsPort) metricsPorts[app.name] = app.metricsPort;
    const profiled = config.cpuProfiled.includes(app.name);
    const spec = profiled
      ? { ...app, args: ['--cpu-prof', '--cpu-prof-dir', dirs.profiles, ...app.args] }
      : app;
    specs.push(...appProcesses(spec, i + 1, ctx));
    if (app.dapr !== false) sidecars[appIdOf(app)] = pick(ports.sidecar(i + 1), i + 1);
    if (app.port) appPortsByName[app.name] = app.port;
    if (app.internalPort) internalPorts[app.name] = app.internalPort;
  });

  const started = Date.now();
  const supervisor = new Supervisor(specs, { logsDir: dirs.logs, onEvent: (e) => log(describeEvent(e)) });
  // Whoever started the stack may exit without stopping it (a crash, process.exit): leave no orphans.
  const killOnExit = () => supervisor.killAllNow();
  process.on('exit', killOnExit);
  const stop = async () => {
    await supervisor.stop();
    await rm(dirs.info, { force: true });
    process.off('exit', killOnExit);
  };
  const onAbort = () => void supervisor.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (opts.signal?.aborted) throw new Error('stack start aborted');
    await supervisor.start();
  } catch (err) {
    await stop();
    throw opts.signal?.aborted ? new Error('stack start aborted', { cause: err }) : err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  log(`all ready in ${secondsSince(started)} (${secondsSince(installed)} with installs)`);
  const info: StackInfo = {
    pid: process.pid,
    portBase: config.portBase,
    startedAt: new Date(installed).toISOString(),
    readyAt: new Date().toISOString(),
    daprVersion: DAPR_VERSION,
    kafkaVersion: kafka.version,
    dataDir: config.dataDir,
    logsDir: dirs.logs,
    kafka: { brokers },
    redis,
    mongo: { url: mongoUrl(ports.mongo) },
    sidecars,
    apps: appPortsByName,
    metrics: metricsPorts,
    internalPorts,
    ...(jaeger ? { jaeger } : {}),
    componentEnv,
    tokens,
  };
  await writeFile(dirs.info, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  return { info, supervisor, stop };
}

/** The stack described by .data/stack/stack.json when its supervisor is still alive. */
export async function readRunningStack(): Promise<StackInfo | undefined> {
  let info: StackInfo;
  try {
    info = JSON.parse(await readFile(dirs.info, 'utf8')) as StackInfo;
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined; // left behind by a supervisor that was killed
  }
}

export type AttachedApps = {
  /** Sidecars of the attached apps, by app id. */
  sidecars: Record<string, SidecarPorts>;
  /** The attached apps' own tokens (made for this run, kept nowhere), by app id. */
  tokens: StackTokens;
  supervisor: Supervisor;
  stop: () => Promise<void>;
};

/**
 * Runs more apps, each beside its own daprd, against a running stack (its Kafka, Redis, control plane and
 * secrets), under a supervisor of their own that the caller stops. The tests use it for their probe apps, so
 * the same code path serves a stack they started and one `npm run stack` left running. Sidecars take the
 * slots after the stack's; `app.port` should come from stackPorts(info.portBase).app(n) with n past the
 * stack's apps.
 */
export async function attachApps(
  info: StackInfo,
  apps: readonly AppSpec[],
  opts: { log?: Log } = {},
): Promise<AttachedApps> {
  const log = opts.log ?? (() => {});
  const bin = await ensureDapr(log);
  const ports = stackPorts(info.portBase);
  const tokens: StackTokens = Object.fromEntries(
    apps.filter((a) => a.dapr !== false).map((a) => [appIdOf(a), newAppTokens()]),
  );
  const ctx: SidecarContext = {
    bin,
    ports,
    tokens,
    componentEnv: info.componentEnv,
    dependsOn: [],
    tracing: info.jaeger,
  };
  const first = Math.max(...Object.values(info.sidecars).map((s) => s.slot)) + 1;
  const specs: ProcessSpec[] = [];
  const sidecars: Record<string, SidecarPorts> = {};
  apps.forEach((app, i) => {
    specs.push(...appProcesses(app, first + i, ctx));
    if (app.dapr !== false) sidecars[appIdOf(app)] = pick(ports.sidecar(first + i), first + i);
  });
  const busy = (
    await Promise.all(
      apps.flatMap((app, i) =>
        [
          ...Object.values(ports.sidecar(first + i)),
          ...(app.port ? [app.port] : []),
          ...(app.internalPort ? [app.internalPort] : []),
        ].map(async (p) => ((await portFree(p)) ? undefined : `${p} (${app.name})`)),
      ),
    )
  ).filter((x) => x !== undefined);
  if (busy.length > 0) throw new Error(`ports in use by another process: ${busy.join(', ')}`);
  const supervisor = new Supervisor(specs, { logsDir: info.logsDir, onEvent: (e) => log(describeEvent(e)) });
  const killOnExit = () => supervisor.killAllNow();
  process.on('exit', killOnExit);
  const stop = async () => {
    await supervisor.stop();
    process.off('exit', killOnExit);
  };
  try {
    await supervisor.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { sidecars, tokens, supervisor, stop };
}

function appIdOf(app: AppSpec): string {
  return (app.dapr !== false && app.dapr?.appId) || app.name;
}

/**
 * The probe is ready when daprd reports its actor runtime connected to placement and its scheduler client
 * connected: healthz alone does not wait for either.
 */
function connectedToControlPlane(httpPort: number, daprApiToken: string) {
  return {
    describe: 'daprd metadata: placement and scheduler connected',
    check: async (signal: AbortSignal) => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1.0/metadata`, {
        signal,
        headers: { 'dapr-api-token': daprApiToken },
      });
      if (res.status !== 200) throw new Error(`metadata answered ${res.status}`);
      const meta = (await res.json()) as {
        actorRuntime?: { placement?: string };
        scheduler?: { connected_addresses?: string[] };
      };
      const placement = meta.actorRuntime?.placement ?? 'unknown';
      const scheduler = meta.scheduler?.connected_addresses ?? [];
      if (!placement.includes('connected') || placement.includes('disconnected'))
        throw new Error(`placement: ${placement}`);
      if (scheduler.length === 0) throw new Error('scheduler: not connected');
    },
  };
}

/** Fails before anything starts, naming the piece and port, when another process holds one of the ports. */
async function assertPortsFree(ports: StackPorts, apps: readonly AppSpec[]): Promise<void> {
  const wanted: [string, number][] = [
    ...Object.entries(ports.sentry).map(([k, p]): [string, number] => [`sentry ${k}`, p]),
    ...Object.entries(ports.placement).map(([k, p]): [string, number] => [`placement ${k}`, p]),
    ...Object.entries(ports.scheduler).map(([k, p]): [string, number] => [`scheduler ${k}`, p]),
    ['redis', ports.redis],
    ['ferretdb', ports.mongo],
    ['postgres', ports.postgres],
    ['kafka broker', ports.kafka.broker],
    ['kafka controller', ports.kafka.controller],
  ];
  for (let slot = 0; slot <= apps.length; slot++) {
    const name = slot === 0 ? PROBE_APP_ID : apps[slot - 1]!.name;
    for (const [k, p] of Object.entries(ports.sidecar(slot))) wanted.push([`${name} daprd ${k}`, p]);
  }
  for (const app of apps) {
    if (app.port) wanted.push([app.name, app.port]);
    if (app.metricsPort) wanted.push([`${app.name} metrics`, app.metricsPort]);
    if (app.internalPort) wanted.push([`${app.name} internal`, app.internalPort]);
  }
  const busy = (
    await Promise.all(
      wanted.map(async ([what, port]) => ((await portFree(port)) ? undefined : `${port} (${what})`)),
    )
  ).filter((x) => x !== undefined);
  if (busy.length > 0) {
    throw new Error(
      `ports in use by another process: ${busy.join(', ')}. Stop it, or move the whole stack with STACK_PORT_BASE=<n>.`,
    );
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function pick(p: { http: number; grpc: number; metrics: number }, slot: number): SidecarPorts {
  return { slot, http: p.http, grpc: p.grpc, metrics: p.metrics };
}

function secondsSince(t: number): string {
  return `${((Date.now() - t) / 1000).toFixed(1)} s`;
}

function describeEvent(e: SupervisorEvent): string {
  switch (e.type) {
    case 'starting':
      return e.attempt > 1 ? `${e.name}: starting (attempt ${e.attempt})` : `${e.name}: starting`;
    case 'ready':
      return `${e.name}: ready in ${(e.ms / 1000).toFixed(1)} s`;
    case 'stopped':
      return `${e.name}: stopped`;
    case 'failed': {
      const then =
        e.restartInMs === undefined ? 'giving up' : `restarting in ${(e.restartInMs / 1000).toFixed(0)} s`;
      const tail = e.logTail
        ? '\n' +
          e.logTail
            .split('\n')
            .map((l) => `    | ${l}`)
            .join('\n')
        : '';
      return `${e.name}: FAILED: ${e.reason}; ${then}${tail}`;
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'install-only': { type: 'boolean', default: false } } });
  const t0 = Date.now();
  const log: Log = (line) =>
    console.log(`[stack +${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  if (values['install-only']) {
    const [bin, kafka, redis, mongo, pg, jaeger] = await Promise.all([
      ensureDapr(log),
      ensureKafka(log),
      ensureRedis(),
      ensureMongo(),
      ensurePostgres(),
      ensureJaeger(log),
    ]);
    log(
      `installed: dapr ${DAPR_VERSION} (${bin.source}), kafka ${kafka.version} (${kafka.lib}), ${redis}, ${mongo}, ${pg.version}, jaeger ${JAEGER_VERSION} (${jaeger}, built in ${(await jaegerBuildSeconds())?.toFixed(0) ?? '?'} s)`,
    );
    return;
  }
  let stack: RunningStack | undefined;
  let stopping = false;
  const starting = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping) {
      log(`${signal} again: killing everything now`);
      process.exit(130); // startStack's exit hook SIGKILLs every child
    }
    stopping = true;
    log(`${signal}: stopping (again to kill)`);
    if (!stack) return starting.abort(); // startStack stops what it started, then rejects
    await stack.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    stack = await startStack({ log, signal: starting.signal });
  } catch (err) {
    if (stopping) log('stopped before the stack was up');
    else if (err instanceof PieceFailedError) log(`stack not started: ${err.message}`);
    else log(`stack not started: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = stopping ? 130 : 1;
    return;
  }
  const { info } = stack;
  log(
    `up. logs: ${info.logsDir}; Kafka ${info.kafka.brokers.join(',')}; Redis ${info.redis.host}:${info.redis.port}; MongoDB ${info.mongo.url}`,
  );
  for (const [id, p] of Object.entries(info.sidecars)) log(`  daprd ${id}: http ${p.http}, grpc ${p.grpc}`);
  for (const [app, port] of Object.entries(info.metrics))
    log(`  metrics ${app}: http://127.0.0.1:${port}/metrics`);
  log(
    info.jaeger
      ? `traces: Jaeger at ${info.jaeger.query}/api/traces?service=tasks (its UI is a placeholder when built from the module proxy)`
      : 'traces: off (no Jaeger; `npm run stack:install` builds it)',
  );
  log(`details (ports, tokens) in ${dirs.info}; Ctrl-C stops everything`);
}

if (import.meta.main) await main();
