import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

const api = await testApi();

describe('accounts', () => {
  it('signs up, refuses a second account for the email, and signs in', async () => {
    const body = { email: 'Ada@Example.com', password: 'analytical engine' };
    const up = await api.call('POST', '/api/auth/signup', { body });
    expect(up.status).toBe(201);
    expect(up.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const twice = await api.call('POST', '/api/auth/signup', { body: { ...body, email: 'ada@example.com' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('EMAIL_TAKEN');
    const inn = await api.call('POST', '/api/auth/signin', {
      body: { email: 'ADA@example.com', password: body.password },
    });
    expect(inn.status).toBe(200);
    expect((await api.call('GET', '/api/tasks', { token: inn.body.token })).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    await api.call('POST', '/api/auth/signup', {
      body: { email: 'bob@example.com', password: 'hunter2hunter2' },
    });
    const wrong = await api.call('POST', '/api/auth/signin', {
      body: { email: 'bob@example.com', password: 'hunter3hunter3' },
    });
    const unknown = await api.call('POST', '/api/auth/signin', {
      body: { email: 'eve@example.com', password: 'hunter2hunter2' },
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough' }, 'email'],
    [{ email: 'a@example.com', password: 'short' }, 'password'],
    [{ email: 'a@example.com', password: 'long enough', tz: 'Nowhere/Land' }, 'tz'],
    [{ email: 'a@example.com', password: 'long enough', admin: true }, 'admin'],
  ])('rejects the signup %j naming %s', async (body, path) => {
    const r = await api.call('POST', '/api/auth/signup', { body });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a token signed with another key', async () => {
    const forged =
      'eyJhbGciOiJIUzI1NiJ9.eyJ0eiI6IlVUQyIsInN1YiI6Im1lIiwiaXNzIjoidG9kby1jaGF0Ym90IiwiYXVkIjoidG9kby1jaGF0Ym90LWFwaSJ9.c2lnbmF0dXJl';
    const r = await api.call('GET', '/api/tasks', { token: forged });
    expect(r.status).toBe(401);
  });
});
