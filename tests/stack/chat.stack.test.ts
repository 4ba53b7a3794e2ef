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
});
