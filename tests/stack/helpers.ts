// Shared by the stack tests: waiting for a condition, the task API, and reading a Kafka topic back.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { invoke, invokeUrl, type InvokeInit, type Sidecar } from '@todo/server/sidecar';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { inject } from 'vitest';
import type { StackTestInfo } from './global.ts';

export function stack(): StackTestInfo {
  return inject('stack');
}

export function tasksUrl(path: string): string {
  return `http://127.0.0.1:${stack().apps['tasks']}${path}`;
}

/** The URL of a daprd's HTTP API, by app id (the stack's apps, its probe, and the tests' probe app). */
export function daprUrl(appId: string, path: string): string {
  const s = stack();
  const sidecar = appId === 'retry-probe' ? s.probes.retryProbe.sidecar : s.sidecars[appId];
  if (!sidecar) throw new Error(`no daprd for app id ${appId}`);
  return `http://127.0.0.1:${sidecar.http}${path}`;
}

/** Headers for a call to the daprd of `appId`: that app's own Dapr API token (each app has its own). */
export function daprHeaders(appId: string, extra: Record<string, string> = {}): Record<string, string> {
  const tokens = stack().tokens[appId];
  if (!tokens) throw new Error(`no tokens for app id ${appId}`);
  return { 'dapr-api-token': tokens.daprApiToken, ...extra };
}

/**
 * Polls `probe` until it returns a value other than undefined; fails after timeoutMs with what it waited
 * for and the last error or value it saw.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, everyMs = 100 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = 'not yet';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${last})`);
    await sleep(everyMs);
  }
}

export async function json<T = unknown>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Where the task API is: the tasks app's own port, or its daprd-invocation URL through a sidecar (then the
 * sidecar's API token goes along).
 */
export type Api = { base: string; headers?: Record<string, string> };

export function viaDapr(appId: string): Api {
  return { base: invokeUrl(sidecarOf(appId), 'tasks'), headers: daprHeaders(appId) };
}

/** The daprd of app `appId` as that app calls it: its HTTP API and the app's Dapr API token. */
export function sidecarOf(appId: string): Sidecar {
  return { http: daprUrl(appId, ''), apiToken: daprHeaders(appId)['dapr-api-token'] };
}

/** Calls `path` of app `app` through the daprd of app `via`, as `via` does (with its Dapr API token). */
export function invokeVia(via: string, app: string, path: string, init: InvokeInit = {}): Promise<Response> {
  return invoke(sidecarOf(via), app, path, init);
}

/** Signs up a new account and answers its bearer token and user id. */
export async function signUp(api: Api = { base: tasksUrl('') }): Promise<{ token: string; userId: string }> {
  const res = await fetch(`${api.base}/api/auth/signup`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `stack-${randomUUID()}@example.com`, password: 'correct horse battery' }),
  });
  const { token } = await json<{ token: string }>(res, 201);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return { token, userId: claims.sub };
}

export type ApiTask = { id: string; title: string; version: number; createdAt: string; updatedAt: string };

export async function createTask(
  token: string,
  body: object,
  api: Api = { base: tasksUrl('') },
): Promise<ApiTask> {
  const res = await fetch(`${api.base}/api/tasks`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return json<ApiTask>(res, 201);
}

export type ActivityEntry = { eventId: string; type: string; version: number; time: string };

export async function activity(token: string, taskId: string): Promise<ActivityEntry[]> {
  const res = await fetch(tasksUrl(`/api/tasks/${taskId}/activity`), {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await json<{ activity: ActivityEntry[] }>(res, 200)).activity;
}

export function kafka(): Kafka {
  return new Kafka({
    clientId: 'stack-tests',
    brokers: stack().kafka.brokers,
    // The first calls log "coordinator is loading" and retry: benign (issue 4).
    logLevel: logLevel.NOTHING,
  });
}

export type KafkaRecord = {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  value: unknown;
  headers: Record<string, string>;
};

/**
 * Reads a topic from its beginning in a fresh consumer group, keeping every record. `caughtUp()` says
 * whether everything the topic held when it was called has been read.
 */
export async function readTopic(topic: string): Promise<{
  records: KafkaRecord[];
  caughtUp: () => Promise<boolean>;
  stop: () => Promise<void>;
}> {
  const client = kafka();
  const admin: Admin = client.admin();
  const consumer: Consumer = client.consumer({ groupId: `stack-test-${randomUUID()}` });
  const records: KafkaRecord[] = [];
  const next = new Map<number, bigint>(); // partition → next offset to read
  await admin.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
      const text = message.value?.toString('utf8');
      let value: unknown = text;
      try {
        value = text === undefined ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      records.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8'),
        value,
        headers,
      });
      next.set(partition, BigInt(message.offset) + 1n);
    },
  });
  return {
    records,
    caughtUp: async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.every((p) => BigInt(p.high) === 0n || (next.get(p.partition) ?? 0n) >= BigInt(p.high));
    },
    stop: async () => {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}

/** The offset a consumer group has committed on one partition (-1 when none). */
export async function committedOffset(groupId: string, topic: string, partition: number): Promise<bigint> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const p = t?.partitions.find((x) => x.partition === partition);
    return BigInt(p?.offset ?? '-1');
  } finally {
    await admin.disconnect();
  }
}
