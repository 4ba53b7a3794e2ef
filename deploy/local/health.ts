import { connect } from 'node:net';
import type { Readiness } from './supervisor.ts';

/** Ready when GET url answers one of the statuses (default: any 2xx). */
export function httpReady(url: string, statuses?: readonly number[]): Readiness {
  return {
    describe: `GET ${url}${statuses ? ` → ${statuses.join('|')}` : ' → 2xx'}`,
    check: async (signal) => {
      const res = await fetch(url, { signal });
      await res.body?.cancel();
      const ok = statuses ? statuses.includes(res.status) : res.status >= 200 && res.status < 300;
      if (!ok) throw new Error(`answered ${res.status}`);
    },
  };
}

/** Ready when every one of the checks is. */
export function allReady(...checks: Readiness[]): Readiness {
  return {
    describe: checks.map((c) => c.describe).join(' and '),
    check: async (signal) => {
      for (const c of checks) await c.check(signal);
    },
  };
}

/**
 * Sends raw RESP commands over TCP and resolves with the reply once it holds `expect` (or rejects).
 * Enough for readiness (AUTH + PING → +PONG) without a Redis client.
 */
export function tcpExchange(
  host: string,
  port: number,
  send: string,
  expect: string,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (err?: Error) => {
      socket.destroy();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(reply);
    };
    const onAbort = () => done(new Error(`no answer from ${host}:${port} (${reply.trim() || 'nothing'})`));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(send));
    socket.on('data', (d: string) => {
      reply += d;
      if (reply.includes(expect)) done();
      else if (reply.startsWith('-') || reply.includes('\r\n-')) done(new Error(`answered ${reply.trim()}`));
    });
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(new Error(`connection closed (${reply.trim() || 'no reply'})`)));
  });
}
