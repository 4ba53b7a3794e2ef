import { join } from 'node:path';
import { config } from './config.ts';
import { CONTROL_PLANE, readTrustAnchors } from './controlplane.ts';
import type { DaprBinaries } from './dapr.ts';
import { allReady, httpReady } from './health.ts';
import type { StackPorts } from './ports.ts';
import type { StackTokens } from './secrets.ts';
import type { ProcessSpec, Readiness } from './supervisor.ts';

const DAPR_LOCAL = join(config.repoRoot, 'deploy', 'dapr', 'local');
/** Components and resiliency shared by every sidecar. */
export const RESOURCES_DIR = join(DAPR_LOCAL, 'resources');
/** Dapr Configurations: <app>.yaml for each app of the stack, default.yaml (nothing allowed) for the rest. */
export const CONFIG_DIR = join(DAPR_LOCAL, 'config');

/**
 * An application of the stack, declared as data. The supervisor runs it beside its own daprd (unless
 * `dapr: false`), starts the sidecar first, and gives the app where to reach it:
 * APP_ID, APP_PORT, INTERNAL_PORT, DAPR_HTTP_PORT, DAPR_GRPC_PORT, DAPR_HTTP_ENDPOINT, DAPR_GRPC_ENDPOINT,
 * DAPR_API_TOKEN (send it as `dapr-api-token`) and APP_API_TOKEN (daprd sends it to the app as
 * `dapr-api-token`); both tokens are the app's own (tokens[appId]).
 */
export type AppSpec = {
  /** Process name, and the Dapr app id unless dapr.appId says otherwise. */
  name: string;
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** The port the app serves HTTP on (PORT): its public listener, or its only one. */
  port?: number;
  /** Where the app serves /metrics apart (given to it as METRICS_PORT). */
  metricsPort?: number;
  /**
   * The app's internal listener (INTERNAL_PORT, loopback): daprd's app port, where it delivers
   * invocations, events and bindings. Without it daprd is given `port`.
   */
  internalPort?: number;
  /** A path on the app's port that answers 2xx when it is ready, or any Readiness. */
  health: string | Readiness;
  dapr?: false | SidecarOptions;
  /** Other pieces (by name) to wait for, besides the infrastructure and its own sidecar. */
  dependsOn?: readonly string[];
  readyTimeoutMs?: number;
};

export type SidecarOptions = {
  appId?: string;
  /** A Configuration file; default deploy/dapr/local/config/default.yaml. */
  config?: string;
  /** Default: deploy/dapr/local/resources. */
  resourcesPaths?: readonly string[];
  /** More daprd flags, e.g. ['--app-max-concurrency', '32']. */
  args?: readonly string[];
  /** Env for this daprd only, over the stack's component env (e.g. STACK_RECONCILE_SCHEDULE). */
  env?: Readonly<Record<string, string>>;
};

/** What every sidecar gets from the stack. */
export type SidecarContext = {
  bin: DaprBinaries;
  ports: StackPorts;
  /** Each app's own tokens, by app id (a sidecar without an entry fails to start). */
  tokens: StackTokens;
  /** Env for envRef in the component files (STACK_*). */
  componentEnv: Readonly<Record<string, string>>;
  /** Infrastructure pieces every sidecar waits for. */
  dependsOn: readonly string[];
  /** The trace collector when the stack runs one: daprd exports OTLP/gRPC, the apps OTLP/HTTP. */
  tracing?: { otlpGrpc: string; otlpHttp: string } | undefined;
};

/**
 * Node apps are started with this loaded first (`--import`, from the repository root as in the image): the
 * OpenTelemetry SDK, on when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const TELEMETRY_MODULE = './services/server/src/telemetry.ts';

export function sidecarName(app: { name: string }): string {
  return `${app.name}-daprd`;
}

/** The processes for one app: the app and, unless disabled, its daprd in sidecar slot `slot`. */
export function appProcesses(app: AppSpec, slot: number, ctx: SidecarContext): ProcessSpec[] {
  const appReady = typeof app.health === 'string' ? appHealth(app, app.health) : app.health;
  if (app.dapr === false) {
    return [{ ...base(app), ready: appReady, dependsOn: app.dependsOn ?? [] }];
  }
  const appId = app.dapr?.appId ?? app.name;
  const side = ctx.ports.sidecar(slot);
  const tokens = appTokens(ctx, appId);
  const sidecar = sidecarProcess(
    {
      ...app.dapr,
      appId,
      name: sidecarName(app),
      appPort: app.internalPort ?? app.port,
      appHealthPath: typeof app.health === 'string' ? app.health : undefined,
      slot,
    },
    ctx,
  );
  const appEnv: Record<string, string> = {
    APP_ID: appId,
    DAPR_HTTP_PORT: String(side.http),
    DAPR_GRPC_PORT: String(side.grpc),
    DAPR_HTTP_ENDPOINT: `http://127.0.0.1:${side.http}`,
    DAPR_GRPC_ENDPOINT: `http://127.0.0.1:${side.grpc}`,
    DAPR_API_TOKEN: tokens.daprApiToken,
    APP_API_TOKEN: tokens.appApiToken,
    ...(app.port ? { APP_PORT: String(app.port) } : {}),
    ...(app.metricsPort ? { METRICS_PORT: String(app.metricsPort) } : {}),
    ...(app.internalPort ? { INTERNAL_PORT: String(app.internalPort) } : {}),
    ...(ctx.tracing
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: ctx.tracing.otlpHttp,
          OTEL_SERVICE_NAME: appId,
          // Spans reach the collector within half a second (the SDK's default waits 5 s).
          OTEL_BSP_SCHEDULE_DELAY: '500',
        }
      : {}),
  };
  return [
    sidecar,
    {
      ...base(app),
      env: { ...appEnv, ...app.env },
      // The sidecar is ready for outbound calls (secrets, state, publish) before the app starts; it
      // finishes its own start-up (subscriptions, bindings) once the app listens, hence the second check.
      dependsOn: [sidecar.name, ...(app.dependsOn ?? [])],
      ready: allReady(appReady, httpReady(`http://127.0.0.1:${side.http}/v1.0/healthz`, [204])),
    },
  ];
}

/**
 * One daprd. With appPort it waits for the app (ready = outbound healthz, see appProcesses); without, it is
 * a sidecar with no app, ready when its healthz answers 204 and `extraReady` passes.
 */
export function sidecarProcess(
  o: SidecarOptions & {
    name: string;
    appId: string;
    appPort?: number | undefined;
    /** Where daprd checks the app's health: while it fails, daprd pauses deliveries (decision 0032). */
    appHealthPath?: string | undefined;
    slot: number;
    extraReady?: Readiness;
  },
  ctx: SidecarContext,
): ProcessSpec {
  const p = ctx.ports.sidecar(o.slot);
  const tokens = appTokens(ctx, o.appId);
  const http = `http://127.0.0.1:${p.http}`;
  const ready = o.appPort
    ? httpReady(`${http}/v1.0/healthz/outbound`, [204])
    : httpReady(`${http}/v1.0/healthz`, [204]);
  return {
    name: o.name,
    command: ctx.bin.daprd,
    args: [
      '--mode',
      'standalone',
      '--app-id',
      o.appId,
      ...(o.appPort
        ? ['--app-port', String(o.appPort), '--app-protocol', 'http', '--app-channel-address', '127.0.0.1']
        : []),
      ...(o.appPort && o.appHealthPath ? appHealthCheckArgs(o.appHealthPath) : []),
      '--dapr-listen-addresses',
      '127.0.0.1',
      '--dapr-http-port',
      String(p.http),
      '--dapr-grpc-port',
      String(p.grpc),
      '--dapr-internal-grpc-port',
      String(p.internalGrpc),
      '--dapr-internal-grpc-listen-address',
      '127.0.0.1',
      '--metrics-port',
      String(p.metrics),
      '--metrics-listen-address',
      '127.0.0.1',
      '--placement-host-address',
      `127.0.0.1:${ctx.ports.placement.grpc}`,
      '--scheduler-host-address',
      `127.0.0.1:${ctx.ports.scheduler.grpc}`,
      '--enable-mtls',
      '--sentry-address',
      `127.0.0.1:${ctx.ports.sentry.grpc}`,
      '--control-plane-trust-domain',
      CONTROL_PLANE.trustDomain,
      '--control-plane-namespace',
      CONTROL_PLANE.namespace,
      ...(o.resourcesPaths ?? [RESOURCES_DIR]).flatMap((r) => ['--resources-path', r]),
      '--config',
      o.config ?? join(CONFIG_DIR, 'default.yaml'),
      '--log-level',
      'warn',
      ...(o.args ?? []),
    ],
    env: {
      ...ctx.componentEnv,
      // daprd takes its exporter from the standard variables when its Configuration names none.
      ...(ctx.tracing
        ? {
            OTEL_EXPORTER_OTLP_ENDPOINT: ctx.tracing.otlpGrpc,
            OTEL_EXPORTER_OTLP_INSECURE: 'true',
            OTEL_SERVICE_NAME: `${o.appId}-daprd`,
          }
        : {}),
      DAPR_API_TOKEN: tokens.daprApiToken,
      APP_API_TOKEN: tokens.appApiToken,
      // Over the tokens: a test may run a daprd without an app token (an empty value is none).
      ...o.env,
      NAMESPACE: CONTROL_PLANE.namespace,
      // Name resolution (mDNS) advertises this address: keep service invocation on loopback.
      DAPR_HOST_IP: '127.0.0.1',
    },
    prepare: async () => ({ env: { DAPR_TRUST_ANCHORS: await readTrustAnchors() } }),
    dependsOn: ctx.dependsOn,
    ready: o.extraReady ? allReady(ready, o.extraReady) : ready,
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 15_000,
  };
}

function appTokens(ctx: SidecarContext, appId: string) {
  const tokens = ctx.tokens[appId];
  if (!tokens) throw new Error(`no Dapr API tokens for app id ${appId}`);
  return tokens;
}

function base(app: AppSpec) {
  return {
    name: app.name,
    command: app.command,
    args: app.args,
    ...(app.env ? { env: app.env } : {}),
    ...(app.cwd ? { cwd: app.cwd } : {}),
    ...(app.readyTimeoutMs ? { readyTimeoutMs: app.readyTimeoutMs } : {}),
  };
}

function appHealth(app: AppSpec, path: string): Readiness {
  if (!app.port) throw new Error(`${app.name}: health is a path but the app has no port`);
  return httpReady(`http://127.0.0.1:${app.port}${path.startsWith('/') ? path : `/${path}`}`);
}

/**
 * daprd's app health check, as the chart's annotations set it (deploy/helm/todo-chatbot deployments.yaml):
 * an app that fails 3 checks 5 s apart (2 s each) is unhealthy, and daprd stops delivering to it (its
 * subscriptions, bindings and actors) until a check passes again, so an outage does not use up the
 * redeliveries and send everything to the dead letters.
 */
export function appHealthCheckArgs(path: string): string[] {
  return [
    '--enable-app-health-check',
    '--app-health-check-path',
    path.startsWith('/') ? path : `/${path}`,
    '--app-health-probe-interval',
    '5',
    '--app-health-probe-timeout',
    '2000',
    '--app-health-threshold',
    '3',
  ];
}
