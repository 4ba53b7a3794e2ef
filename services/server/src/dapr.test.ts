import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  deadLetterDrain,
  eventConsumer,
  sidecarFromEnv,
  signingKey,
  taskEventsSubscription,
} from './dapr.ts';

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
