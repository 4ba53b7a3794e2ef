import { describe, expect, it } from 'vitest';
import { daprHeaders, daprUrl, json, signUp, stack, tasksUrl } from './helpers.ts';

interface ChatAnswer {
  conversationId: string;
  reply: string;
  actions: { tool: string; method: string; path: string; status: number }[];
  tasks: { id: string; title: string; status: string }[];
}

async function say(token: string, message: string, conversationId?: string): Promise<ChatAnswer> {
  const res = await fetch(`http://127.0.0.1:${stack().apps['chat']}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
  });
  return json<ChatAnswer>(res, 200);
}

describe('the chat service in the stack', () => {
  it('acts through service invocation and keeps the conversation in the Dapr state store', async () => {
    const { token, userId } = await signUp();
    const added = await say(token, 'buy oat milk tomorrow #shopping');
    expect(added.reply).toMatch(/^Added "buy oat milk"/);
    expect(added.actions).toEqual([{ tool: 'add', method: 'POST', path: '/api/tasks', status: 201 }]);

    // "it" can only be resolved from the state the first turn saved (Redis, through chat's daprd).
    const done = await say(token, 'done with it', added.conversationId);
    expect(done.reply).toBe('Done: "buy oat milk".');
    const task = await fetch(tasksUrl(`/api/tasks/${added.tasks[0]!.id}`), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await json<{ status: string }>(task, 200)).status).toBe('done');

    // The conversation is in the state store, read back through chat's own daprd (keys are per app id).
    const key = encodeURIComponent(`chat|${userId}|${added.conversationId}`);
    const saved = await fetch(daprUrl('chat', `/v1.0/state/statestore/${key}`), {
      headers: daprHeaders('chat'),
    });
    expect(JSON.stringify(await json(saved, 200))).toContain(added.tasks[0]!.id);
  });

  it('snoozes and pauses through /api/workflows over service invocation (chat is allowed those routes)', async () => {
    const { token } = await signUp();
    const added = await say(token, 'water the ferns tomorrow at 9am remind me 30 minutes before');
    const id = added.tasks[0]!.id;
    for (let i = 0; i < 2; i++) {
      const snoozed = await say(token, 'snooze it 10 minutes', added.conversationId);
      expect(snoozed.reply).toMatch(/^Snoozed the reminder of "water the ferns": it rings at /);
      expect(snoozed.actions.filter((a) => a.method === 'POST')).toEqual([
        {
          tool: 'snooze',
          method: 'POST',
          path: expect.stringMatching(/^\/api\/workflows\/r~.+\/snooze$/),
          status: 200,
        },
      ]);
    }
    const task = await fetch(tasksUrl(`/api/tasks/${id}`), { headers: { authorization: `Bearer ${token}` } });
    const reminders = (await json<{ reminders: { snoozedUntil?: string }[] }>(task, 200)).reminders;
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.snoozedUntil).toBeDefined();

    const asked = await say(token, 'gym every monday at 7am');
    await say(token, 'yes', asked.conversationId);
    const paused = await say(token, 'pause it', asked.conversationId);
    expect(paused.reply).toBe('Paused "gym": no new occurrences or reminders until you resume it.');
    expect(paused.actions.filter((a) => a.method === 'POST')).toEqual([
      {
        tool: 'pause',
        method: 'POST',
        path: expect.stringMatching(/^\/api\/workflows\/s~.+\/pause$/),
        status: 200,
      },
    ]);
  });
});
