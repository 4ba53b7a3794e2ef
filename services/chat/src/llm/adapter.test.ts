import type { IncomingMessage, ServerResponse } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { serve, testChat } from '../testing.ts';

// The model's endpoint is outside these machines: a small local server speaks the same protocol
// (OpenAI chat completions with tool calling), scripted per test.
type Script = (body: any, res: ServerResponse) => void;
let script: Script[] = [];
const received: any[] = [];
const fake = await serve((req: IncomingMessage, res: ServerResponse) => {
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c));
  req.on('end', () => {
    const body = JSON.parse(raw);
    received.push({ path: req.url, auth: req.headers.authorization, body });
    const next = script.shift();
    if (!next) return json(res, 500, { error: { message: 'no script' } });
    next(body, res);
  });
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
const toolCalls =
  (...calls: { name: string; args: unknown }[]): Script =>
  (_body, res) =>
    json(res, 200, {
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: calls.map((c, i) => ({
              id: `call_${i}`,
              type: 'function',
              function: { name: c.name, arguments: JSON.stringify(c.args) },
            })),
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
const final =
  (content: string): Script =>
  (_body, res) =>
    json(res, 200, { choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }] });

const api = await testChat({
  llm: { baseUrl: `${fake}/v1`, model: 'test-model', apiKey: 'sk-test', timeoutMs: 2000 },
});

beforeEach(() => {
  script = [];
  received.length = 0;
});

describe('LLM mode', () => {
  it('runs the tool calls through the engine, then answers with the final message', async () => {
    const token = await api.signup();
    script = [
      toolCalls({
        name: 'add',
        args: { title: 'Buy milk', due: { date: '2026-11-25', time: '17:00' }, tags: ['shop'] },
      }),
      final('Added "Buy milk" for tomorrow at 5pm.'),
    ];
    const r = await api.conversation(token).say('remember milk for tomorrow 5pm, shopping');
    expect(r.reply).toBe('Added "Buy milk" for tomorrow at 5pm.');
    expect(r.actions).toEqual([{ tool: 'add', method: 'POST', path: '/api/tasks', status: 201 }]);
    expect(r.tasks[0]).toMatchObject({
      title: 'Buy milk',
      tags: ['shop'],
      due: { date: '2026-11-25', time: '17:00' },
    });

    expect(received).toHaveLength(2);
    const [first, second] = received;
    expect(first.path).toBe('/v1/chat/completions');
    expect(first.auth).toBe('Bearer sk-test');
    expect(first.body.model).toBe('test-model');
    expect(first.body.messages[0].content).toContain('Now is 2026-11-24T11:00 in Europe/Berlin');
    expect(first.body.tools.map((t: any) => t.function.name)).toContain('recur-stop');
    const tool = second.body.messages.at(-1);
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: 'call_0' });
    expect(JSON.parse(tool.content).reply).toBe('Added "Buy milk", due Wed 2026-11-25 17:00, #shop.');
  });

  it('keeps the conversation for the next tool call ("it")', async () => {
    const c = api.conversation(await api.signup());
    script = [toolCalls({ name: 'add', args: { title: 'call mom' } }), final('Done.')];
    await c.say('add call mom');
    script = [
      toolCalls({ name: 'update', args: { ref: 'it', priority: 'high' } }),
      final('It is urgent now.'),
    ];
    const r = await c.say('that one is urgent');
    expect(r.tasks[0]).toMatchObject({ title: 'call mom', priority: 'high' });
  });

  it('shows a series it is about to add in the engine’s words, and adds it on "yes"', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    script = [
      toolCalls({
        name: 'add',
        args: {
          title: 'gym',
          due: { date: '2026-11-30', time: '07:00' },
          recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'schedule' },
        },
      }),
      final('Added gym every Monday.'),
    ];
    const ask = await c.say('gym every monday at 7am');
    expect(ask.reply).toBe(
      'Add "gym", repeating every Monday at 07:00; next: Mon 2026-11-30 07:00, Mon 2026-12-07 07:00, Mon 2026-12-14 07:00? (yes/no)',
    );
    expect(ask.pending?.kind).toBe('confirm');
    // The model is not asked to word it: one call, for the tools.
    expect(received).toHaveLength(1);
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toEqual([]);
    const yes = await c.say('yes');
    expect(yes.tasks[0]).toMatchObject({ title: 'gym', recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO' } });
    expect(received).toHaveLength(1);
  });

  it('falls back to the deterministic engine on a 500', async () => {
    const token = await api.signup();
    script = [(_b, res) => json(res, 500, { error: { message: 'overloaded' } })];
    const r = await api.conversation(token).say('buy milk tomorrow at 5pm');
    expect(received).toHaveLength(1);
    expect(r.reply).toBe('Added "buy milk", due Wed 2026-11-25 17:00.');
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toHaveLength(1);
  });

  it('falls back on a timeout', async () => {
    const token = await api.signup();
    // The model never answers: only the deadline can end the wait, and the engine's reply shows it did.
    let held: ServerResponse | undefined;
    script = [(_b, res) => (held = res)];
    const r = await api.conversation(token).say('call the bank friday');
    expect(r.reply).toBe('Added "call the bank", due Fri 2026-11-27.');
    expect(received).toHaveLength(1);
    held?.end();
  });

  it('falls back when the tool arguments do not fit the contract, without acting twice', async () => {
    const token = await api.signup();
    script = [toolCalls({ name: 'add', args: { title: 'x', due: 'tomorrow' } })];
    const r = await api.conversation(token).say('water plants');
    expect(r.reply).toBe('Added "water plants".');
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks.map((t: any) => t.title)).toEqual([
      'water plants',
    ]);
  });

  it('keeps the tools’ replies when the final message fails after a tool ran', async () => {
    const token = await api.signup();
    script = [toolCalls({ name: 'add', args: { title: 'pay rent' } }), (_b, res) => json(res, 502, {})];
    const r = await api.conversation(token).say('pay rent');
    expect(r.reply).toBe('Added "pay rent".');
    // Once, not again by the fallback.
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toHaveLength(1);
  });
});
