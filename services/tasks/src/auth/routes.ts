import { randomUUID } from 'node:crypto';
import { ConflictError, UnauthorizedError, zoneName, type Clock } from '@todo/core';
import { z } from 'zod';
import { endpoint, ErrorBody, type Endpoint, type TokenIssuer } from '@todo/server';
import { DuplicateEmailError, type Store } from '../store/store.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

const email = z
  .email('expected an email address')
  .max(254)
  .transform((s) => s.toLowerCase());
const password = z.string().min(8, 'at least 8 characters').max(200);
const Token = z.object({ token: z.string() });
// Spent on an unknown email too, so response time does not tell which emails have accounts.
const DUMMY_HASH = hashPassword('not-a-real-password');

export function authEndpoints({
  store,
  tokens,
  clock,
}: {
  store: Store;
  tokens: TokenIssuer;
  clock: Clock;
}): Endpoint[] {
  return [
    endpoint({
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Create an account; answers a bearer token',
      tag: 'auth',
      auth: false,
      body: z.strictObject({ email, password, tz: zoneName.default('UTC') }),
      responses: {
        201: { description: 'Signed up', schema: Token },
        400: { description: 'Invalid input', schema: ErrorBody },
        409: { description: 'The email has an account', schema: ErrorBody },
      },
      handler: async (ctx, { body }) => {
        const user = {
          id: randomUUID(),
          email: body.email,
          passwordHash: await hashPassword(body.password),
          tz: body.tz,
          createdAt: clock.now().toISOString(),
        };
        try {
          await store.createUser(user);
        } catch (err) {
          if (err instanceof DuplicateEmailError)
            throw new ConflictError('EMAIL_TAKEN', 'that email already has an account');
          throw err;
        }
        ctx.status = 201;
        ctx.body = { token: await tokens.sign(user) };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/auth/signin',
      summary: 'Sign in; answers a bearer token',
      tag: 'auth',
      auth: false,
      body: z.strictObject({ email, password: z.string().max(200) }),
      responses: {
        200: { description: 'Signed in', schema: Token },
        401: { description: 'Wrong email or password', schema: ErrorBody },
      },
      handler: async (ctx, { body }) => {
        const user = await store.findUserByEmail(body.email);
        const ok = await verifyPassword(body.password, user?.passwordHash ?? (await DUMMY_HASH));
        if (!user || !ok) throw new UnauthorizedError('wrong email or password');
        ctx.body = { token: await tokens.sign(user) };
      },
    }),
  ];
}
