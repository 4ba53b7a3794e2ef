// Vitest globalSetup of the `stack` project: uses the stack `npm run stack` left running (.data/stack/stack.json)
// or starts one (and stops it afterwards), then runs the tests' probe apps beside it, each with its own
// daprd: `retry-probe` (subscribes to task-events) and `workflows` (a stand-in that receives the
// reconcile-cron binding, firing every 2 s for its sidecar). Tests read everything with `inject('stack')`.
import type { TestProject } from 'vitest/node';
import type { AppSpec } from '../../deploy/local/apps.ts';
import { stackPorts } from '../../deploy/local/ports.ts';
import {
  APPS,
  attachApps,
  readRunningStack,
  startStack,
  type RunningStack,
  type Sidecar,
  type StackInfo,
} from '../../deploy/local/stack.ts';

export type StackTestInfo = StackInfo & {
  /** The probe apps: HTTP port of each (GET /deliveries, GET /cron) and its sidecar. */
  probes: Record<'retryProbe' | 'workflows', { port: number; sidecar: Sidecar }>;
};

/** How often the stand-in `workflows` sidecar fires reconcile-cron in the tests. */
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
    started = await startStack({ log });
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
  for (const id of ['retry-probe', 'workflows']) {
    if (id in info.sidecars) {
      await started?.stop();
      throw new Error(
        `the running stack already has an app ${id}: the tests' stand-in would share its app id`,
      );
    }
  }

  const ports = stackPorts(info.portBase);
  const probe = (
    name: string,
    n: number,
    env: Record<string, string>,
    daprEnv: Record<string, string> = {},
  ) =>
    ({
      name,
      command: process.execPath,
      args: ['tests/stack/probe-app.ts'],
      port: ports.app(n),
      env: { PORT: String(ports.app(n)), ...env },
      health: '/healthz',
      dapr: { env: daprEnv },
    }) satisfies AppSpec;
  let attached;
  try {
    attached = await attachApps(
      info,
      [
        probe('retry-probe', 30, { PROBE_TOPIC: 'task-events' }),
        probe('workflows', 31, {}, { STACK_RECONCILE_SCHEDULE: TEST_RECONCILE_SCHEDULE }),
      ],
      { log },
    );
  } catch (err) {
    await started?.stop();
    throw err;
  }
  log(
    `probe apps ready; ${started ? 'stack started' : 'stack reused'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  project.provide('stack', {
    ...info,
    probes: {
      retryProbe: { port: ports.app(30), sidecar: attached.sidecars['retry-probe']! },
      workflows: { port: ports.app(31), sidecar: attached.sidecars['workflows']! },
    },
  });
  return async () => {
    await attached.stop();
    await started?.stop();
  };
}
