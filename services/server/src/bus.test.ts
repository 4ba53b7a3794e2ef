import { describe, expect, it } from 'vitest';
import { localBus } from './bus.ts';
import type { ConsumeOutcome } from './dapr.ts';

describe('localBus', () => {
  it('hands events to every consumer in order and fails when one asks for redelivery', async () => {
    const seen: string[] = [];
    let answer: ConsumeOutcome = 'SUCCESS';
    const bus = localBus<{ id: string; type: string }>('reminders', [
      async (e) => {
        seen.push(e.id);
        return 'SUCCESS';
      },
      async () => answer,
    ]);
    const event = (id: string) => ({ id, type: 'reminder.due' });
    await bus.publish([event('a'), event('b')]);
    answer = 'DROP'; // refused for good: the publish still succeeds
    await bus.publish([event('c')]);
    answer = 'RETRY';
    await expect(bus.publish([event('d'), event('e')])).rejects.toThrow('asked to retry reminder.due d');
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  });
});
