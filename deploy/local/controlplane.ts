import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config, dirs } from './config.ts';
import type { DaprBinaries } from './dapr.ts';
import { httpReady } from './health.ts';
import { exists } from './proc.ts';
import type { StackPorts } from './ports.ts';
import type { ProcessSpec } from './supervisor.ts';

/** The Dapr control plane's trust domain and namespace: the defaults of every binary, spelled out once. */
export const CONTROL_PLANE = { trustDomain: 'localhost', namespace: 'default' } as const;

const LOG = ['--log-level', 'warn'] as const;

/** Where sentry keeps the CA it generates on its first start (root and issuer certificates, keys). */
export function sentryCredentialsDir(): string {
  return join(dirs.state('sentry'), 'credentials');
}

/** The trust anchors every other piece needs: sentry's root certificate. */
export function trustAnchorsFile(): string {
  return join(sentryCredentialsDir(), 'ca.crt');
}

export async function readTrustAnchors(): Promise<string> {
  return readFile(trustAnchorsFile(), 'utf8');
}

function metrics(port: number): string[] {
  return ['--metrics-port', String(port), '--metrics-listen-address', '127.0.0.1'];
}

function healthz(port: number): string[] {
  return ['--healthz-port', String(port), '--healthz-listen-address', '127.0.0.1'];
}

function mtls(ports: StackPorts): string[] {
  return [
    '--tls-enabled',
    '--trust-domain',
    CONTROL_PLANE.trustDomain,
    '--trust-anchors-file',
    trustAnchorsFile(),
    '--sentry-address',
    `127.0.0.1:${ports.sentry.grpc}`,
  ];
}

const env = { NAMESPACE: CONTROL_PLANE.namespace };

/**
 * Sentry, the CA: issues every sidecar's and control-plane service's mTLS certificate. Without it, access
 * control can not tell callers apart (it reads the caller's SPIFFE id from its certificate).
 */
export function sentryProcess(bin: DaprBinaries, ports: StackPorts): ProcessSpec {
  const credentials = sentryCredentialsDir();
  return {
    name: 'sentry',
    command: bin.sentry,
    args: [
      '--mode',
      'standalone',
      '--config',
      join(config.repoRoot, 'deploy', 'dapr', 'local', 'config', 'sentry.yaml'),
      '--issuer-credentials',
      credentials,
      '--trust-domain',
      CONTROL_PLANE.trustDomain,
      '--port',
      String(ports.sentry.grpc),
      '--listen-address',
      '127.0.0.1',
      ...healthz(ports.sentry.healthz),
      ...metrics(ports.sentry.metrics),
      ...LOG,
    ],
    env,
    prepare: async () => {
      await mkdir(credentials, { recursive: true, mode: 0o700 });
    },
    ready: {
      ...httpReady(`http://127.0.0.1:${ports.sentry.healthz}/healthz`),
      check: async (signal) => {
        await httpReady(`http://127.0.0.1:${ports.sentry.healthz}/healthz`).check(signal);
        if (!(await exists(trustAnchorsFile()))) throw new Error(`no ${trustAnchorsFile()} yet`);
      },
    },
    readyTimeoutMs: 30_000,
  };
}

/** Placement: the actor (and so workflow) placement table. Raft log in memory: one node, nothing to keep. */
export function placementProcess(bin: DaprBinaries, ports: StackPorts): ProcessSpec {
  return {
    name: 'placement',
    command: bin.placement,
    args: [
      '--mode',
      'standalone',
      '--id',
      'dapr-placement-0',
      '--initial-cluster',
      `dapr-placement-0=127.0.0.1:${ports.placement.raft}`,
      '--port',
      String(ports.placement.grpc),
      '--listen-address',
      '127.0.0.1',
      ...healthz(ports.placement.healthz),
      ...metrics(ports.placement.metrics),
      ...mtls(ports),
      ...LOG,
    ],
    env,
    dependsOn: ['sentry'],
    ready: httpReady(`http://127.0.0.1:${ports.placement.healthz}/healthz`),
    readyTimeoutMs: 30_000,
  };
}

/** Scheduler: jobs, actor reminders and workflow timers, kept in its embedded etcd under .data/stack/scheduler. */
export function schedulerProcess(bin: DaprBinaries, ports: StackPorts): ProcessSpec {
  const dir = dirs.state('scheduler');
  return {
    name: 'scheduler',
    command: bin.scheduler,
    args: [
      '--mode',
      'standalone',
      '--id',
      'dapr-scheduler-server-0',
      '--port',
      String(ports.scheduler.grpc),
      '--listen-address',
      '127.0.0.1',
      '--etcd-data-dir',
      join(dir, 'etcd'),
      '--etcd-client-port',
      String(ports.scheduler.etcdClient),
      '--etcd-client-listen-address',
      '127.0.0.1',
      '--etcd-initial-cluster',
      `dapr-scheduler-server-0=http://127.0.0.1:${ports.scheduler.etcdPeer}`,
      // Its own certificate goes here instead of a path in /tmp shared by every scheduler on the machine.
      '--identity-directory-write',
      join(dir, 'identity'),
      ...healthz(ports.scheduler.healthz),
      ...metrics(ports.scheduler.metrics),
      ...mtls(ports),
      ...LOG,
    ],
    env,
    dependsOn: ['sentry'],
    prepare: async () => {
      await mkdir(join(dir, 'etcd'), { recursive: true, mode: 0o700 });
    },
    ready: httpReady(`http://127.0.0.1:${ports.scheduler.healthz}/healthz`),
    readyTimeoutMs: 60_000,
  };
}
