// Keeps a browser signed in past its access token's life (docs/decisions/0019): the session cookie holds a
// token of minutes, the refresh cookie its session's refresh token. No React here: web/server.ts and the
// embedded profile wrap their listeners with it.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { REFRESH_COOKIE, SESSION_COOKIE, tokenExpiry } from '@todo/server';
import { route, type ApiTarget } from './app/lib/target.ts';

/** Refresh this long before the token runs out, so a page's several calls do not straddle its end. */
const EARLY_MS = 10_000;
/**
 * How long the answer to one refresh token is kept for the requests that arrive with that same token
 * meanwhile (a page and its stream at once, or a request sent before the browser took the new cookies):
 * a second use of a refresh token would end the session.
 */
const SHARED_MS = 60_000;
const REFRESH_PATH = '/api/auth/refresh';
const FORWARDED = ['user-agent', 'x-forwarded-proto', 'x-forwarded-for'];

interface Refreshed {
  /** The API's Set-Cookie headers: both new cookies, or both cleared when the refresh was refused. */
  setCookies: string[];
}

export interface RefreshOptions {
  /** The clock the token's expiry is compared with (tests move it). */
  now?: () => number;
  log?: (msg: string) => void;
}

/**
 * Wraps a listener: a request whose session cookie is missing or about to expire, and that carries the
 * refresh cookie, is first refreshed at the API; the request then goes on with the new token in its
 * Cookie header, and the browser gets the new cookies with the answer (unless the answer sets its own).
 * `target` may be a getter, for a process that learns its own origin only once it listens.
 */
export function withFreshSession(
  target: ApiTarget | (() => ApiTarget | undefined),
  listener: RequestListener,
  { now = Date.now, log }: RefreshOptions = {},
): RequestListener {
  const shared = new Map<string, { at: number; answer: Promise<Refreshed | undefined> }>();
  async function refresh(token: string, req: IncomingMessage): Promise<Refreshed | undefined> {
    const to = typeof target === 'function' ? target() : target;
    if (!to) return undefined;
    const { url, headers } = route(to, REFRESH_PATH);
    for (const name of FORWARDED) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, cookie: `${REFRESH_COOKIE}=${token}`, 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      // A refusal clears both cookies, which the browser should learn too; any other failure changes nothing.
      if (res.ok || res.status === 401) return { setCookies: res.headers.getSetCookie() };
      log?.(`session refresh: the API answered ${res.status}`);
    } catch (err) {
      log?.(`session refresh failed: ${String(err)}`);
    }
    return undefined;
  }
  function once(token: string, req: IncomingMessage) {
    const at = now();
    for (const [k, v] of shared) if (at - v.at > SHARED_MS) shared.delete(k);
    let entry = shared.get(token);
    if (!entry) {
      entry = { at, answer: refresh(token, req) };
      shared.set(token, entry);
    }
    return entry.answer;
  }
  return (req, res) => {
    const jar = parseCookies(req.headers.cookie);
    const token = jar.get(REFRESH_COOKIE);
    const access = jar.get(SESSION_COOKIE);
    const expires = access ? tokenExpiry(access)?.getTime() : undefined;
    const fresh = expires !== undefined && expires - now() > EARLY_MS;
    // A bearer header speaks for itself; the refresh route must not wait for itself (the embedded
    // profile's refresh call comes back through this same listener).
    if (!token || fresh || req.headers.authorization || req.url?.startsWith(REFRESH_PATH))
      return listener(req, res);
    void once(token, req).then((refreshed) => {
      if (refreshed) {
        for (const c of refreshed.setCookies) {
          const [name, value] = pairOf(c);
          if (value) jar.set(name, value);
          else jar.delete(name);
        }
        req.headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        addCookies(res, refreshed.setCookies);
      }
      listener(req, res);
    });
  };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) jar.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return jar;
}

/** A Set-Cookie header's name and value. */
function pairOf(setCookie: string): [string, string] {
  const pair = setCookie.split(';', 1)[0]!;
  const at = pair.indexOf('=');
  return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/**
 * Adds Set-Cookie headers to whatever the listener answers, when it writes its head, except for a cookie
 * the answer sets itself (a sign-in or sign-out page knows better). Set at writeHead because a listener
 * may pass its headers there, which would replace any set before.
 */
function addCookies(res: ServerResponse, cookies: string[]): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const given = args.find(
      (a): a is Record<string, unknown> => !!a && typeof a === 'object' && !Array.isArray(a),
    );
    const key = given && Object.keys(given).find((k) => k.toLowerCase() === 'set-cookie');
    const theirs = [...list(this.getHeader('set-cookie')), ...list(key ? given[key] : undefined)];
    const taken = new Set(theirs.map((c) => pairOf(c)[0]));
    const missing = cookies.filter((c) => !taken.has(pairOf(c)[0]));
    if (missing.length > 0) {
      if (given && key) given[key] = [...list(given[key]), ...missing];
      else this.setHeader('set-cookie', [...list(this.getHeader('set-cookie')), ...missing]);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}
