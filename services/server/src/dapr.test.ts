import Router from '@koa/router';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serviceApp } from './app.ts';
import {
  deadLetterDrain,
  eventConsumer,
  subscriptionRoutes,
  type ConsumeOutcome,
  type Subscription,
  sidecarFromEnv,
  signingKey,
  taskEventsSubscription,
} from './dapr.ts';
import { serveForTests } from './testing.ts';

describe('eventConsumer', () => {
  const Event = z.object({ id: z.string(), n: z.number() });
  const logger = pino({ level: 'silent' });

  it('drops what the schema refuses, without calling the handler', async () => {
    const seen: unknown[] = [];
    const consume = eventConsumer({ schema: Event, name: 'test', logger }, async (e) => void seen.push(e));
    expect(await consume({ id: 'a' })).toBe('DROP');
    expect(await consume(undefined)).toBe('DROP');
    expect(seen).toEqual([]);
  });

  it('answers SUCCESS once the handler is done, and RETRY when it throws', async () => {
    const seen: unknown[] = [];
    const consume = eventConsumer({ schema: Event, name: 'test', logger }, async (e) => {
      if (e.n < 0) throw new Error('store down');
      seen.push(e);
    });
    expect(await consume({ id: 'a', n: 1 })).toBe('SUCCESS');
    expect(await consume({ id: 'b', n: -1 })).toBe('RETRY');
    expect(seen).toEqual([{ id: 'a', n: 1 }]);
  });
});

describe('bulk subscriptions', () => {
  const logger = pino({ level: 'silent' });
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });
  const answer = (data: unknown): ConsumeOutcome =>
    data === 'ok' ? 'SUCCESS' : data === 'later' ? 'RETRY' : 'DROP';
  const consumed: unknown[] = [];
  const sub: Subscription = {
    pubsubname: 'pubsub',
    topic: 'bulk-test',
    route: '/events/bulk-test',
    deadLetterTopic: 'bulk-test-dlq',
    consume: async (data) => {
      consumed.push(data);
      return answer(data);
    },
    bulk: { maxMessagesCount: 50, maxAwaitDurationMs: 20 },
  };
  async function serve() {
    const router = new Router();
    subscriptionRoutes(router, [sub], 'app-token');
    const s = await serveForTests(serviceApp(router, { logger, jsonLimit: '1mb' }).callback());
    closers.push(s.close);
    const post = (route: string, body: unknown) =>
      s.call('POST', route, { body, headers: { 'dapr-api-token': 'app-token' } });
    return { ...s, post };
  }
  const envelope = (...data: string[]) => ({
    id: 'b1',
    topic: 'bulk-test',
    pubsubname: 'pubsub',
    type: 'com.dapr.event.sent',
    entries: data.map((d, i) => ({
      entryId: `e${i}`,
      event: { specversion: '1.0', id: `ce${i}`, data: d },
      contentType: 'application/cloudevents+json',
    })),
  });

  it('asks daprd for bulk delivery on the topic and on its dead-letter drain', async () => {
    const { call } = await serve();
    const bulkSubscribe = { enabled: true, maxMessagesCount: 50, maxAwaitDurationMs: 20 };
    expect((await call('GET', '/dapr/subscribe')).body).toEqual([
      {
        pubsubname: 'pubsub',
        topic: 'bulk-test',
        route: '/events/bulk-test',
        deadLetterTopic: 'bulk-test-dlq',
        bulkSubscribe,
      },
      {
        pubsubname: 'pubsub',
        topic: 'bulk-test-dlq',
        route: '/events/bulk-test/dead-letters',
        deadLetterTopic: 'bulk-test-dlq',
        bulkSubscribe,
      },
    ]);
  });

  it('consumes every entry of a delivery and answers each by its id', async () => {
    const { post } = await serve();
    consumed.length = 0;
    const res = await post('/events/bulk-test', envelope('ok', 'later', 'refused'));
    expect(consumed).toEqual(['ok', 'later', 'refused']);
    expect(res.body).toEqual({
      statuses: [
        { entryId: 'e0', status: 'SUCCESS' },
        { entryId: 'e1', status: 'RETRY' },
        { entryId: 'e2', status: 'DROP' },
      ],
    });
  });

  it('acknowledges on the drain what the consumer refuses, entry by entry', async () => {
    const { post } = await serve();
    const res = await post('/events/bulk-test/dead-letters', envelope('ok', 'later', 'refused'));
    expect(res.body).toEqual({
      statuses: [
        { entryId: 'e0', status: 'SUCCESS' },
        { entryId: 'e1', status: 'RETRY' },
        { entryId: 'e2', status: 'SUCCESS' },
      ],
    });
  });

  it('still takes a single message on the same route', async () => {
    const { post } = await serve();
    expect((await post('/events/bulk-test', { data: 'later' })).body).toEqual({ status: 'RETRY' });
  });
});

it('subscribes to task-events with its dead-letter topic', () => {
  const consume = async () => 'SUCCESS' as const;
  expect(taskEventsSubscription(consume)).toEqual({
    pubsubname: 'pubsub',
    topic: 'task-events',
    route: '/events/task-events',
    deadLetterTopic: 'task-events-dlq',
    consume,
  });
});

describe('deadLetterDrain', () => {
  const answers = new Map<unknown, 'SUCCESS' | 'RETRY' | 'DROP'>([
    ['ok', 'SUCCESS'],
    ['later', 'RETRY'],
    ['refused', 'DROP'],
  ]);
  const drain = deadLetterDrain(taskEventsSubscription(async (data) => answers.get(data) ?? 'DROP'));

  it('consumes the dead-letter topic on its own route, and dead-letters a failure back onto it', () => {
    expect({ ...drain, consume: undefined }).toEqual({
      pubsubname: 'pubsub',
      topic: 'task-events-dlq',
      route: '/events/task-events/dead-letters',
      deadLetterTopic: 'task-events-dlq',
      consume: undefined,
    });
  });

  it('answers what the consumer answers, but acknowledges what it refuses', async () => {
    expect(await drain.consume('ok')).toBe('SUCCESS');
    expect(await drain.consume('later')).toBe('RETRY');
    expect(await drain.consume('refused')).toBe('SUCCESS');
  });
});

describe('beside daprd', () => {
  it('throws, rather than ending the process, when there is no signing key', async () => {
    await expect(signingKey({})).rejects.toThrow('no token signing key');
    await expect(signingKey({ JWT_SECRET: 'k' })).resolves.toBe('k');
  });

  it('takes the sidecar from DAPR_HTTP_ENDPOINT and DAPR_API_TOKEN', () => {
    expect(sidecarFromEnv({})).toBeUndefined();
    expect(sidecarFromEnv({ DAPR_HTTP_ENDPOINT: 'http://127.0.0.1:3500', DAPR_API_TOKEN: 't' })).toEqual({
      http: 'http://127.0.0.1:3500',
      apiToken: 't',
    });
  });
});
