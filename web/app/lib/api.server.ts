import { createContext, redirect, type RouterContextProvider } from 'react-router';
import { route, type ApiTarget } from './target.ts';

export type { ApiTarget };

export const apiContext = createContext<ApiTarget>();

export interface Issue {
  path: string;
  issue: string;
}
export interface ApiError {
  code: string;
  message: string;
  details?: Issue[];
}
export interface ApiResult<T> {
  status: number;
  ok: boolean;
  body: T;
  error?: ApiError;
  headers: Headers;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The API as the signed-in browser: its cookie goes along, so every call acts as that user and no one else. */
export function apiClient(request: Request, context: Readonly<RouterContextProvider>) {
  const target = context.get(apiContext);
  const forwarded: Record<string, string> = {};
  for (const name of ['cookie', 'user-agent', 'x-forwarded-proto', 'x-forwarded-for']) {
    const v = request.headers.get(name);
    if (v) forwarded[name] = v;
  }
  async function call<T = unknown>(
    method: Method,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<ApiResult<T>> {
    const { url, headers } = route(target, path);
    const res = await fetch(url, {
      method,
      headers: {
        ...forwarded,
        ...headers,
        ...extra,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
    });
    const text = await res.text();
    const parsed: unknown =
      text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    let error: ApiError | undefined;
    if (!res.ok) {
      error = (parsed as { error?: ApiError } | undefined)?.error ?? {
        code: `HTTP_${res.status}`,
        message: typeof parsed === 'string' && parsed ? parsed : res.statusText,
      };
    }
    return {
      status: res.status,
      ok: res.ok,
      body: parsed as T,
      headers: res.headers,
      ...(error ? { error } : {}),
    };
  }
  /** A read the page can not do without: signed out goes to sign in, anything else is the error page. */
  async function need<T>(path: string): Promise<T> {
    const r = await call<T>('GET', path);
    if (r.status === 401) throw redirect(`/signin?next=${encodeURIComponent(new URL(request.url).pathname)}`);
    if (!r.ok) throw new Response(r.error?.message ?? 'the API failed', { status: r.status });
    return r.body;
  }
  return { call, need };
}

/** The fields a 400 named, keyed by path, for a form to show beside each input. */
export function issuesOf(error: ApiError | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of error?.details ?? []) out[d.path || 'form'] ??= d.issue;
  if (error && !error.details?.length) out.form = error.message;
  return out;
}

/** The API's Set-Cookie headers, to pass on to the browser (sign in, sign up, sign out). */
export function passCookies(from: Headers, to: Headers = new Headers()): Headers {
  for (const c of from.getSetCookie()) to.append('set-cookie', c);
  return to;
}
