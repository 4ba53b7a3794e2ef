// Secrets and service invocation with access control, through real daprd sidecars. (The cron binding's
// test is the reconciler's, in workflows.stack.test.ts.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvokeInit } from '@todo/server/sidecar';
import { createTask, daprHeaders, daprUrl, invokeVia, json, signUp, stack, viaDapr } from './helpers.ts';

describe('secrets', () => {
  it('daprd reads the JWT signing key from the secret store, and only with its API token', async () => {
    const file = JSON.parse(await readFile(join(stack().dataDir, 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    const url = daprUrl('tasks', '/v1.0/secrets/secretstore/jwt-signing-key');

    const res = await fetch(url, { headers: daprHeaders('tasks') });
    expect(await json(res, 200)).toEqual({ 'jwt-signing-key': file['jwt-signing-key'] });

    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(url, { headers: { 'dapr-api-token': 'not-the-token' } });
    expect(wrong.status).toBe(401);
    // Infrastructure credentials are for components only (secret scopes in the Configuration).
    const denied = await fetch(daprUrl('tasks', '/v1.0/secrets/secretstore/redis-password'), {
      headers: daprHeaders('tasks'),
    });
    expect(denied.status).toBe(403);
  });
});

describe('service invocation', () => {
  const invoke = (via: string, path: string, init: InvokeInit = {}) => invokeVia(via, 'tasks', path, init);

  it('chat reaches the task service through its daprd, authenticated calls included', async () => {
    const health = await invoke('chat', '/healthz');
    expect(health.status).toBe(200);
    await health.body?.cancel();

    // Signing up is not among the routes chat may invoke: the account is made on the public port.
    const { token } = await signUp();
    const created = await createTask(token, { title: 'Through Dapr' }, viaDapr('chat'));
    const list = await json<{ tasks: { id: string; title: string }[] }>(
      await invoke('chat', '/api/tasks', { headers: { authorization: `Bearer ${token}` } }),
      200,
    );
    expect(list.tasks.map((t) => t.id)).toEqual([created.id]);
    const unauthenticated = await invoke('chat', '/api/tasks');
    expect(unauthenticated.status).toBe(401);
    await unauthenticated.body?.cancel();
  });

  it('access control lets workflows in and refuses app ids it does not list', async () => {
    const allowed = await invoke('workflows', '/internal/live?limit=1');
    expect(allowed.status).toBe(200);
    await allowed.body?.cancel();
    for (const appId of ['retry-probe', 'stack-probe']) {
      const res = await invoke(appId, '/healthz');
      expect(res.status, appId).toBe(403);
      expect(await res.text(), appId).toMatch(/access control policy|not allowed|denied/i);
    }
  });
});
