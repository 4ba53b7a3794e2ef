import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ICAL from 'ical.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSeconds, startEmbedded, type Embedded } from '../../services/embedded/src/testing.ts';
import { axeViolations, openBrowser, SCREENSHOTS, type Browser } from './browser.ts';

// The whole product as `npm start` runs it, from an empty data dir, driven through Debian's Chromium.
let app: Embedded;
let dataDir: string;
let browser: Browser;
let page: Page;
let stopping = false;
const email = `plants-${Date.now()}@example.com`;
const password = 'correct horse battery';
const TITLE = 'water the plants';
const ACCESS_TTL_SECONDS = 30;

const THEMES = ['light', 'dark'] as const;
const DEVICES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** Screenshots of the page in both themes at both widths, and axe's verdict in both themes. */
async function capture(name: string) {
  for (const colorScheme of THEMES) {
    await page.emulateMedia({ colorScheme });
    for (const [device, size] of Object.entries(DEVICES)) {
      await page.setViewportSize(size);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${colorScheme}-${device}.png`) });
    }
    await page.setViewportSize(DEVICES.desktop);
    expect(await axeViolations(page), `axe on ${name} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'todo-web-'));
  // Access tokens of 30 seconds: the journey outlives several, and one step waits for one to run out.
  app = await startEmbedded(dataDir, { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SECONDS) });
  app.child.once('exit', (code, signal) => {
    if (!stopping) throw new Error(`the embedded profile exited (${code ?? signal}) during the journey`);
  });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  stopping = true;
  app?.child.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the journey, with JavaScript', () => {
  it('signs up with the browser zone', async () => {
    await page.goto(`${app.base}/signup`);
    await capture('signup');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Chat' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    // The session is an httpOnly cookie: nothing a page script could read.
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === 'todo_session')?.httpOnly).toBe(true);
    // Page scripts see no session: document.cookie leaves httpOnly cookies out.
    const visible = await page.evaluate(
      () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
    );
    expect(visible).not.toContain('todo_session');
    await capture('chat-empty');
  });

  it('adds a repeating task by chat, Enter sends and Up recalls', async () => {
    const message = page.getByLabel('Message');
    await message.fill(`${TITLE} every other Monday at 8am #home`);
    await message.press('Enter');
    const log = page.getByRole('region', { name: 'Conversation' });
    await log
      .getByText(/every 2 weeks on Monday/)
      .first()
      .waitFor();
    await message.press('ArrowUp');
    expect(await message.inputValue()).toBe(`${TITLE} every other Monday at 8am #home`);
    await message.fill('');
    const yes = page.getByRole('button', { name: 'yes', exact: true });
    if (await yes.count()) await yes.click();
    const card = log.getByRole('article', { name: TITLE });
    await card.waitFor();
    await expect.poll(() => card.textContent()).toMatch(/Next: Mon \d+ \w+ \d{4} 08:00; Mon/);
    await capture('chat');
  });

  it('shows it on the board with its next dates, and a filter error at its position', async () => {
    await page.goto(`${app.base}/board?q=${encodeURIComponent('#home')}`);
    const card = page.getByRole('article', { name: TITLE });
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('#home');
    // Three next dates, each a Monday two weeks after the one before, at 08:00.
    const next = text.split('Next:')[1] ?? '';
    const dates = [...next.matchAll(/Mon (\d+ \w+ \d{4}) 08:00/g)].map((m) => Date.parse(`${m[1]} UTC`));
    expect(dates.length).toBeGreaterThanOrEqual(3);
    expect(dates[1]! - dates[0]!).toBe(14 * 86_400_000);
    await capture('board');
    await page.getByLabel('Filter (query language)').fill('priority:high AND (');
    await page.getByRole('button', { name: 'Apply' }).click();
    const error = page.getByRole('alert');
    await error.getByText(/does not parse: at \d+/).waitFor();
    await capture('board-error');
  });

  it('finds it by a misspelt search in the header', async () => {
    await page.goto(`${app.base}/board`);
    const box = page.getByRole('combobox', { name: 'Search tasks' });
    // Two typos (one per word), as Meilisearch and the embedded index both forgive from five letters.
    await box.fill('watter plamts');
    const option = page.getByRole('option', { name: new RegExp(TITLE) });
    await option.waitFor();
    expect(await option.locator('mark').count()).toBeGreaterThan(0);
    await capture('search');
    // The keyboard: down selects the first result, Enter opens it.
    await box.focus();
    await box.press('ArrowDown');
    await page.getByRole('option', { name: new RegExp(TITLE), selected: true }).waitFor();
    await box.press('Enter');
    await page.waitForURL(/\/tasks\//);
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
  });

  it('previews the rule as it is typed and rings a reminder set a few seconds ahead', async () => {
    await page.goto(`${app.base}/board?q=${encodeURIComponent('#home')}`);
    await page.getByRole('article', { name: TITLE }).getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await page.getByLabel('Or an RFC 5545 rule').fill('FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1');
    await page
      .locator('#preview')
      .getByText(/last Friday/i)
      .waitFor();
    await page.getByLabel('Or an RFC 5545 rule').fill('');
    await capture('task');
    const at = new Date(Date.now() + 6_000);
    const berlin = at.toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' }).replace(' ', 'T');
    await page.getByLabel(/Add, at a time/).fill(berlin);
    // And one relative to the due time, which the calendar feed carries as a VALARM.
    await page.getByLabel('Add, relative to due').selectOption('-PT15M');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const toast = page.locator('.toast', { hasText: `Reminder: ${TITLE}` });
    await toast.waitFor({ timeout: 30_000 });
    await capture('toast');
    await page.goto(`${app.base}/notifications`);
    await page.getByText(TITLE).first().waitFor();
    await capture('notifications');
    await page
      .getByRole('button', { name: `Mark read: ${TITLE}` })
      .first()
      .click();
    await page.getByText('0 unread').waitFor();
  });

  it('shows the calendar and serves a feed an iCalendar parser reads', async () => {
    await page.goto(`${app.base}/calendar?view=agenda`);
    await capture('calendar-agenda');
    await page.goto(`${app.base}/calendar`);
    await capture('calendar');
    const url = await page.getByLabel(/private calendar feed/).inputValue();
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toMatch(/text\/calendar/);
    const cal = new ICAL.Component(ICAL.parse(await res.text()));
    const event = cal.getAllSubcomponents('vevent').find((e) => e.getFirstPropertyValue('summary') === TITLE);
    expect(event).toBeDefined();
    expect(String(event!.getFirstPropertyValue('rrule'))).toMatch(/FREQ=WEEKLY;.*INTERVAL=2/);
    expect(event!.getAllSubcomponents('valarm').length).toBeGreaterThan(0);
    // Rotating the address ends the old one.
    await page.getByRole('button', { name: 'Rotate the feed address' }).click();
    await expect.poll(() => page.getByLabel(/private calendar feed/).inputValue()).not.toBe(url);
    expect((await fetch(url)).ok).toBe(false);
  });

  it('pauses the series on the workflows page', async () => {
    await page.goto(`${app.base}/workflows`);
    await capture('workflows');
    await page.getByRole('button', { name: `Pause: ${TITLE}` }).click();
    const row = page.getByRole('row', { name: new RegExp(TITLE) }).filter({ hasText: 'series' });
    await row.getByRole('cell', { name: 'paused' }).waitFor();
    await row.getByRole('button', { name: `Resume: ${TITLE}` }).waitFor();
  });

  it('changes the zone in settings', async () => {
    await page.goto(`${app.base}/settings`);
    await page.getByLabel('Time zone').fill('Not/AZone');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await capture('settings');
  });

  it('stays signed in past its access token, and its open live stream keeps delivering', async () => {
    await page.goto(`${app.base}/`);
    await page.getByRole('heading', { name: 'Chat' }).waitFor();
    const refreshCookie = async () =>
      (await browser.context.cookies()).find((c) => c.name === 'todo_refresh');
    const first = await refreshCookie();
    expect(first?.httpOnly).toBe(true);
    let reconnects = 0;
    const counted = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === '/api/notifications/stream') reconnects++;
    };
    page.on('request', counted);
    try {
      // The stream's token runs out: the stream ends with token-expired, the EventSource comes back by
      // itself, and the web front refreshes the session on the way (a new refresh cookie).
      await expect
        .poll(() => reconnects, { timeout: (ACCESS_TTL_SECONDS + 45) * 1000, interval: 500 })
        .toBeGreaterThan(0);
      await expect
        .poll(async () => (await refreshCookie())?.value, { timeout: 10_000 })
        .not.toBe(first?.value);
    } finally {
      page.off('request', counted);
    }
    // The same page, not reloaded: a reminder still arrives live on the reconnected stream.
    const created = await page.evaluate(
      async (at) =>
        (
          await fetch('/api/tasks', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ title: 'stretch after the refresh', reminders: [{ at }] }),
          })
        ).status,
      inSeconds(2),
    );
    expect(created).toBe(201);
    await page
      .locator('.toast', { hasText: 'Reminder: stretch after the refresh' })
      .waitFor({ timeout: 30_000 });
    await page.goto(`${app.base}/board`);
    expect(new URL(page.url()).pathname).toBe('/board');
  });

  it('signs out, and the old session is refused', async () => {
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'todo_session')!;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await capture('signin');
    const me = await fetch(`${app.base}/api/me`, { headers: { cookie: `todo_session=${cookie.value}` } });
    expect(me.status).toBe(401);
    await page.goto(`${app.base}/board`);
    expect(new URL(page.url()).pathname).toBe('/signin');
  });
});

describe('the journey without JavaScript', () => {
  let bare: Browser;
  beforeAll(async () => {
    bare = await openBrowser({ javaScript: false });
  });
  afterAll(() => bare?.close());

  it('signs in, adds a task by chat and completes it on the board with plain forms', async () => {
    const p = bare.page;
    await p.goto(`${app.base}/signin`);
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Chat' }).waitFor();
    await p.getByLabel('Message').fill('buy milk tomorrow at 9am #shop');
    await p.getByLabel('Message').press('Enter');
    await p
      .getByText(/buy milk/)
      .first()
      .waitFor();
    const yes = p.getByRole('button', { name: 'yes', exact: true });
    if (await yes.count()) await yes.click();
    await p.getByRole('article', { name: 'buy milk' }).waitFor();
    await p.goto(`${app.base}/board?q=${encodeURIComponent('#shop')}`);
    await p.getByRole('button', { name: 'Complete buy milk' }).click();
    await p.goto(`${app.base}/board?q=${encodeURIComponent('#shop status:done')}`);
    await p.getByRole('button', { name: 'Reopen buy milk' }).waitFor();
  });
});
