import { get, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { newNotification } from '../inbox/notification.ts';
import { createSqliteNotificationStore } from '../store/sqlite.ts';
import { recordNotification, type NotificationStore } from '../store/store.ts';
import { reminderEvent, testApi } from '../testing.ts';
import { REPLAY_LIMIT } from './hub.ts';

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

  it('sends each notification once, in commit order, with ids a reconnect resumes from', async () => {
    const alice = await api.user();
    const s = await api.stream({ token: alice.token });
    const events = Array.from({ length: 8 }, (_, i) => reminderEvent(alice.id, `c${i}`));
    await Promise.all(events.map((e) => api.deliver(e)));
    for (let i = 0; i < events.length; i++) await s.next();
    const got = s.events();
    expect(new Set(got.map((f) => f.data.id))).toEqual(new Set(events.map((e) => e.id)));
    const ids = got.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(events.length);
    s.close();
    const again = await api.stream({ token: alice.token, lastEventId: got[4]!.id! });
    for (let i = 5; i < 8; i++) expect((await again.next()).data.id).toBe(got[i]!.data.id);
    await expect(again.next(undefined, 200)).rejects.toThrow('no frame');
    again.close();
  });
});

describe('long replays and slow clients', async () => {
  const store = createSqliteNotificationStore(':memory:');
  let pages = 0;
  const counting: NotificationStore = {
    ...store,
    listNotifications: (owner, q) => {
      pages++;
      return store.listNotifications(owner, q);
    },
  };
  const api = await testApi({ store: counting });
  const record = async (owner: string, count: number, title: (i: number) => string) => {
    const now = new Date();
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - i) }, (_, j) =>
          recordNotification(store, newNotification(reminderEvent(owner, title(i + j)), now), []),
        ),
      );
    }
  };

  it('replays a backlog longer than a page, all of it in order, with `more` after each full page', async () => {
    const alice = await api.user();
    await record(alice.id, 2 * REPLAY_LIMIT + 50, (i) => `n${i}`);
    const s = await api.stream({ token: alice.token, lastEventId: '0' });
    const reminders = () => s.events().filter((f) => f.event === 'reminder');
    await expect.poll(() => reminders().length).toBe(2 * REPLAY_LIMIT + 50);
    expect(new Set(reminders().map((f) => f.data.title)).size).toBe(2 * REPLAY_LIMIT + 50);
    const ids = reminders().map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const more = s.events().filter((f) => f.event === 'more');
    expect(more.map((f) => f.data)).toEqual([
      { after: String(ids[REPLAY_LIMIT - 1]) },
      { after: String(ids[2 * REPLAY_LIMIT - 1]) },
    ]);
    // Each marker comes right after its page.
    const order = s.events().map((f) => f.event);
    expect(order.indexOf('more')).toBe(REPLAY_LIMIT);
    s.close();
  });

  it('reads no further than a slow client takes (backpressure), and sends it all once it reads', async () => {
    const bob = await api.user();
    // About 13 MB of frames: more than the socket buffers on both ends hold.
    const total = 3000;
    await record(bob.id, total, (i) => `${i} ${'x'.repeat(4000)}`);
    const before = pages;
    const res = await new Promise<IncomingMessage>((resolve) =>
      get(
        `${api.base}/api/notifications/stream`,
        { headers: { authorization: `Bearer ${bob.token}`, 'last-event-id': '0' } },
        resolve,
      ),
    );
    res.pause();
    // Wait until the stream stops reading pages while nothing is taken from the socket.
    let seen = -1;
    await expect
      .poll(
        async () => {
          const now = pages;
          const still = now === seen;
          seen = now;
          await new Promise((r) => setTimeout(r, 200));
          return still;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe(true);
    expect(pages - before).toBeLessThan(total / REPLAY_LIMIT);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.resume();
    await expect.poll(() => text.match(/\nevent: reminder\n/g)?.length ?? 0, { timeout: 20_000 }).toBe(total);
    expect(pages - before).toBeGreaterThanOrEqual(total / REPLAY_LIMIT);
    res.destroy();
  });
});
