// Vitest globalSetup of the `stack` project: uses the stack `npm run stack` left running (.data/stack/stack.json)
// or starts one (and stops it afterwards, its reconcile-cron firing every 2 s), then runs the tests' probe
// app beside it with its own daprd: `retry-probe` (subscribes to task-events). Tests read everything with
// `inject('stack')`.
import type { TestProject } from 'vitest/node';
import type { AppSpec } from '../../deploy/local/apps.ts';
import { stackPorts } from '../../deploy/local/ports.ts';
import {
  APPS,
  attachApps,
  readRunningStack,
  startStack,
  type RunningStack,
  type SidecarPorts,
  type StackInfo,
} from '../../deploy/local/stack.ts';

export type StackTestInfo = StackInfo & {
  /** The probe app: its HTTP port (GET /deliveries) and its sidecar. */
  probes: Record<'retryProbe', { port: number; sidecar: SidecarPorts }>;
};

/** How often reconcile-cron fires in a stack the tests start (a running one keeps its own schedule). */
export const TEST_RECONCILE_SCHEDULE = '@every 2s';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const log = (line: string) =>
    console.log(`[stack +${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  let started: RunningStack | undefined;
  let info = await readRunningStack();
  if (info) {
    log(`using the running stack (pid ${info.pid}, up since ${info.readyAt})`);
  } else {
    log('no stack running: starting one (stopped after the tests)');
    started = await startStack({ log, reconcileSchedule: TEST_RECONCILE_SCHEDULE });
    info = started.info;
  }
  // A stack.json written before these fields existed, or a stack started before an app joined APPS.
  const missing = APPS.map((a) => a.name).filter((name) => !(name in (info.apps ?? {})));
  if (info.portBase === undefined) missing.push('portBase');
  if (missing.length > 0) {
    await started?.stop();
    throw new Error(
      `the running stack (pid ${info.pid}) has no ${missing.join(', ')}: it predates them; restart \`npm run stack\``,
    );
  }
  if ('retry-probe' in info.sidecars) {
    await started?.stop();
    throw new Error(
      "the running stack already has an app retry-probe: the tests' probe would share its app id",
    );
  }

  const ports = stackPorts(info.portBase);
  const retryProbe = {
    name: 'retry-probe',
    command: process.execPath,
    args: ['tests/stack/probe-app.ts'],
    port: ports.app(30),
    env: { PORT: String(ports.app(30)), PROBE_TOPIC: 'task-events' },
    health: '/healthz',
  } satisfies AppSpec;
  let attached;
  try {
    attached = await attachApps(info, [retryProbe], { log });
  } catch (err) {
    await started?.stop();
    throw err;
  }
  log(
    `probe app ready; ${started ? 'stack started' : 'stack reused'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  project.provide('stack', {
    ...info,
    tokens: { ...info.tokens, ...attached.tokens },
    probes: {
      retryProbe: { port: ports.app(30), sidecar: attached.sidecars['retry-probe']! },
    },
  });
  return async () => {
    await attached.stop();
    await started?.stop();
  };
}
