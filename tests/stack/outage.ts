// Takes an app of the stack down for as long as a test wants, although the supervisor restarts what dies.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './helpers.ts';

/** The pid of the process listening on a loopback TCP port, if any. */
function listenerPid(port: number): number | undefined {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Listens on the app's port and resets every connection: its daprd sees the app as gone. */
async function occupy(port: number): Promise<Server | undefined> {
  const server = createServer((socket) => socket.resetAndDestroy());
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Kills the app serving on `port` (SIGKILL, found by its port so that no other stack's process is hit)
 * and holds the port until `restore()`, so each restart the supervisor tries fails with EADDRINUSE. Give
 * it the port daprd delivers to (the app's internal listener, which the app binds first), so that no
 * restart serves daprd even for a moment. After
 * `restore()` the supervisor's next try (at most 30 s later, its longest backoff) brings the app back;
 * `restore()` resolves once `healthUrl` answers again; calling it again only waits for that.
 */
export async function takeDown(port: number, healthUrl: string): Promise<{ restore: () => Promise<void> }> {
  let held: Server | undefined;
  for (let attempt = 0; !held; attempt++) {
    if (attempt === 20) throw new Error(`could not hold port ${port}: something keeps taking it`);
    const pid = listenerPid(port);
    if (pid !== undefined) {
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(5);
    }
    held = await occupy(port); // the supervisor restarts the app 1 s after it died at the earliest
  }
  const server = held;
  return {
    restore: async () => {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await waitFor(
        `the app on port ${port} to be back`,
        async () => ((await fetch(healthUrl)).ok ? true : undefined),
        { timeoutMs: 90_000, everyMs: 500 },
      );
    },
  };
}
