import { describe, expect, it } from 'vitest';
import { reminderEvent, testApi } from '../testing.ts';

const api = await testApi();

describe('notification stream (SSE)', () => {
  it('pushes a reminder to the open stream once, even when it is delivered twice', async () => {
    const alice = await api.user();
    const s = await api.stream({ token: alice.token });
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const event = reminderEvent(alice.id, 'Stretch');
    await api.deliver(event);
    await api.deliver(event);
    const frame = await s.next();
    expect(frame).toMatchObject({ event: 'reminder', id: expect.stringMatching(/^\d+$/) });
    expect(frame.data).toMatchObject({ id: event.id, title: 'Stretch', type: 'reminder.due', read: false });
    // A later event arrives, and nothing came in between: the duplicate was not pushed.
    const later = reminderEvent(alice.id, 'Later');
    await api.deliver(later);
    expect((await s.next()).data.id).toBe(later.id);
    expect(s.events().map((f) => f.data.id)).toEqual([event.id, later.id]);
    s.close();
  });

  it('takes the token from ?token= (EventSource can not send headers), and refuses without one', async () => {
    const alice = await api.user();
    const s = await api.stream({ query: `?token=${alice.token}` });
    expect(s.res.status).toBe(200);
    const event = reminderEvent(alice.id);
    await api.deliver(event);
    expect((await s.next()).data.id).toBe(event.id);
    s.close();
    const none = await api.call('GET', '/api/notifications/stream');
    expect(none.status).toBe(401);
    const forged = await api.call('GET', '/api/notifications/stream?token=not-a-token');
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('UNAUTHORIZED');
  });

  it('replays what the owner missed after Last-Event-ID, oldest first, then goes on live', async () => {
    const alice = await api.user();
    const first = await api.stream({ token: alice.token });
    const seen = reminderEvent(alice.id, 'seen');
    await api.deliver(seen);
    const lastId = (await first.next()).id!;
    first.close();
    const missed = [reminderEvent(alice.id, 'missed 1'), reminderEvent(alice.id, 'missed 2')];
    for (const e of missed) await api.deliver(e);
    await api.deliver(reminderEvent((await api.user()).id, 'not hers'));

    const again = await api.stream({ token: alice.token, lastEventId: lastId });
    expect((await again.next()).data.title).toBe('missed 1');
    expect((await again.next()).data.title).toBe('missed 2');
    const live = reminderEvent(alice.id, 'live');
    await api.deliver(live);
    expect((await again.next()).data.title).toBe('live');
    expect(again.events().map((f) => f.data.title)).toEqual(['missed 1', 'missed 2', 'live']);
    const ids = again.events().map((f) => Number(f.id));
    expect(ids.every((id, i) => id > Number(lastId) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    again.close();

    const bad = await api.call('GET', '/api/notifications/stream', {
      token: alice.token,
      headers: { 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'Last-Event-ID', issue: expect.any(String) }]);
  });

  it("never sends one owner's notification to another owner's stream", async () => {
    const alice = await api.user();
    const bob = await api.user();
    const bobs = await api.stream({ token: bob.token });
    const alices = await api.stream({ token: alice.token });
    await api.deliver(reminderEvent(alice.id, "alice's"));
    await alices.next();
    const mine = reminderEvent(bob.id, "bob's");
    await api.deliver(mine);
    expect((await bobs.next()).data.id).toBe(mine.id);
    expect(bobs.events()).toHaveLength(1);
    // Nor on a replay from the start.
    const replay = await api.stream({ token: bob.token, lastEventId: '0' });
    expect((await replay.next()).data.id).toBe(mine.id);
    await expect(replay.next(undefined, 200)).rejects.toThrow('no frame');
    for (const s of [bobs, alices, replay]) s.close();
  });
});

describe('stream lifecycle', async () => {
  const quick = await testApi({ heartbeatMs: 30 });

  it('sends a heartbeat comment while idle', async () => {
    const alice = await quick.user();
    const s = await quick.stream({ token: alice.token });
    const beat = await s.next((f) => f.comment === 'heartbeat', 1000);
    expect(beat).toMatchObject({ comment: 'heartbeat' });
    s.close();
  });

  it('forgets a stream its client closed, and ends the open ones at stop', async () => {
    const alice = await quick.user();
    const closed = await quick.stream({ token: alice.token });
    const open = await quick.stream({ token: alice.token });
    expect(quick.notifications.hub.streams(alice.id)).toBe(2);
    closed.close();
    await expect.poll(() => quick.notifications.hub.streams(alice.id)).toBe(1);
    await quick.notifications.stop();
    await expect.poll(() => open.ended()).toBe(true);
    expect(quick.notifications.hub.streams(alice.id)).toBe(0);
  });
});

describe('stream order', async () => {
  const api = await testApi();

  it('pushes live notifications that commit out of seq order (concurrent inserts), each once', async () => {
    const alice = await api.user();
    const s = await api.stream({ token: alice.token });
    const at = new Date().toISOString();
    const made = (seq: number, title: string) => {
      const event = reminderEvent(alice.id, title);
      return { id: event.id, owner: alice.id, seq, kind: 'reminder' as const, event, receivedAt: at };
    };
    api.notifications.hub.publish(made(1001, 'second'));
    api.notifications.hub.publish(made(1000, 'first'));
    expect((await s.next()).data.title).toBe('second');
    const late = await s.next();
    expect(late.data.title).toBe('first');
    // The ids a browser keeps stay monotonic, so a reconnect never replays what this stream showed.
    expect(s.events().map((f) => f.id)).toEqual(['1001', '1001']);
    s.close();
  });
});
