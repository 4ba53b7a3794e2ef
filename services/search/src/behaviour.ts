import { randomUUID } from 'node:crypto';
import { fixedClock, ValidationError, type SearchAnswer, type Task } from '@todo/core';
import { task as fixture } from '@todo/core/testing';
import type { Principal } from '@todo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexChange, SearchIndex } from './search-index.ts';
import { createSearchService, SearchParams } from './service.ts';

// The search behaviour every SearchIndex adapter keeps: run on the embedded engine in `npm test` and, the
// very same table, on a real Meilisearch with `npm run test:meili`.

const NOW = new Date('2026-12-06T10:00:00Z');
const ZONE = 'Europe/Berlin';

function task(title: string, fields: Partial<Task> = {}, minute = 0): Task {
  const at = `2026-12-01T08:${String(minute).padStart(2, '0')}:00.000Z`;
  return fixture({ id: randomUUID(), title, createdAt: at, updatedAt: at, ...fields });
}

const upsert = (owner: string, t: Task): IndexChange => ({ op: 'upsert', owner, zone: ZONE, task: t });

export function searchBehaviour(name: string, open: () => Promise<SearchIndex>): void {
  describe(`${name}: search behaviour`, () => {
    let index: SearchIndex;
    let run: ReturnType<typeof createSearchService>;
    // Owners are fresh per run, so a shared server needs no cleaning.
    const alice: Principal = { id: `alice-${randomUUID()}`, tz: ZONE };
    const bob: Principal = { id: `bob-${randomUUID()}`, tz: ZONE };
    const t = {
      invoice: task(
        'Pay the electricity invoice',
        {
          priority: 'high',
          tags: ['bills', 'home'],
          due: { date: '2026-12-08', time: '09:00' },
          notes: 'The account number is on the last page of the letter from the utility company.',
          reminders: [{ id: 'r1', offset: '-PT1H' }],
        },
        1,
      ),
      dentist: task(
        'Call the dentist',
        { priority: 'medium', tags: ['health'], due: { date: '2026-12-07' } },
        2,
      ),
      rent: task(
        'Pay rent',
        {
          priority: 'high',
          tags: ['bills'],
          due: { date: '2027-01-01', time: '09:00' },
          recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'schedule' },
        },
        3,
      ),
      cafe: task('Café with Zoë', { tags: ['social'] }, 4),
      html: task('Fix <b>bold</b> & "quotes" in the invoice template', { priority: 'low' }, 5),
      done: task('Renew passport', { status: 'done', priority: 'low', tags: ['admin'] }, 6),
      overdue: task('Return library books', { due: { date: '2026-12-01' }, tags: ['home'] }, 7),
      plants: task('Water the plants', { tags: ['home'], notes: 'Ferns need more water than cacti.' }, 8),
    };
    const bobs = task('Pay the electricity invoice', { priority: 'high', tags: ['bills', 'secret'] }, 9);

    const search = async (user: Principal, params: Partial<Record<keyof SearchParams, string | number>>) =>
      run(user, SearchParams.parse(params));
    const titles = (a: SearchAnswer) => a.hits.map((h) => h.title);

    beforeAll(async () => {
      index = await open();
      run = createSearchService({ index, clock: fixedClock(NOW) });
      await index.apply([...Object.values(t).map((x) => upsert(alice.id, x)), upsert(bob.id, bobs)]);
    });
    afterAll(async () => {
      await index?.close();
    });

    it('finds a task by a misspelt word', async () => {
      expect(titles(await search(alice, { q: 'invoce' }))).toContain('Pay the electricity invoice');
      expect(titles(await search(alice, { q: 'electrcity' }))).toEqual(['Pay the electricity invoice']);
    });

    it('takes the last word as a prefix, and needs every word', async () => {
      expect(titles(await search(alice, { q: 'electr' }))).toEqual(['Pay the electricity invoice']);
      expect(titles(await search(alice, { q: 'pay inv' }))).toEqual(['Pay the electricity invoice']);
      expect(titles(await search(alice, { q: 'pay dentist' }))).toEqual([]);
      // Short words get no typo: "pat" is not "pay".
      expect(titles(await search(alice, { q: 'pat rent' }))).toEqual([]);
    });

    it('ignores case and accents, and searches notes and tags', async () => {
      expect(titles(await search(alice, { q: 'CAFE zoe' }))).toEqual(['Café with Zoë']);
      expect(titles(await search(alice, { q: 'utility' }))).toEqual(['Pay the electricity invoice']);
      expect(titles(await search(alice, { q: 'social' }))).toEqual(['Café with Zoë']);
    });

    it('filters with the query language', async () => {
      const f = async (filter: string, q = '') => titles(await search(alice, { q, filter, sort: 'title' }));
      expect(await f('priority:high')).toEqual(['Pay rent', 'Pay the electricity invoice']);
      expect(await f('priority>=medium -#bills')).toEqual(['Call the dentist']);
      expect(await f('#home status:open')).toEqual([
        'Pay the electricity invoice',
        'Return library books',
        'Water the plants',
      ]);
      expect(await f('is:recurring')).toEqual(['Pay rent']);
      expect(await f('has:reminder')).toEqual(['Pay the electricity invoice']);
      expect(await f('has:notes #home')).toEqual(['Pay the electricity invoice', 'Water the plants']);
      expect(await f('status:done')).toEqual(['Renew passport']);
      expect(await f('is:overdue')).toEqual(['Return library books']);
      expect(await f('due<+7d')).toEqual([
        'Call the dentist',
        'Pay the electricity invoice',
        'Return library books',
      ]);
      expect(await f('due:none #home')).toEqual(['Water the plants']);
      expect(await f('(#health OR #social) AND -priority:medium')).toEqual(['Café with Zoë']);
      expect(await f('#bills', 'pay')).toEqual(['Pay rent', 'Pay the electricity invoice']);
    });

    it('sorts like the board, tasks without a due last either way', async () => {
      const order = async (sort: string) => titles(await search(alice, { filter: 'status:open', sort }));
      const byDue = await order('due');
      expect(byDue.slice(0, 4)).toEqual([
        'Return library books',
        'Call the dentist',
        'Pay the electricity invoice',
        'Pay rent',
      ]);
      expect(byDue.slice(4).sort()).toEqual([
        'Café with Zoë',
        'Fix <b>bold</b> & "quotes" in the invoice template',
        'Water the plants',
      ]);
      expect((await order('-due')).slice(0, 4)).toEqual([
        'Pay rent',
        'Pay the electricity invoice',
        'Call the dentist',
        'Return library books',
      ]);
      const byPriority = await order('priority');
      expect(byPriority.slice(0, 2).sort()).toEqual(['Pay rent', 'Pay the electricity invoice']);
      expect(byPriority[2]).toBe('Call the dentist');
      expect(byPriority[3]).toBe('Fix <b>bold</b> & "quotes" in the invoice template');
      expect((await order('title')).slice(0, 2)).toEqual(['Café with Zoë', 'Call the dentist']);
      expect((await order('created'))[0]).toBe('Water the plants');
      // Relevance: the title match ranks above the notes-only match.
      const hits = titles(await search(alice, { q: 'invoice' }));
      expect(hits).toHaveLength(2);
      expect(hits).toContain('Pay the electricity invoice');
    });

    it('counts facets over every match, not only the page', async () => {
      const a = await search(alice, { filter: '#home OR #bills', limit: 1 });
      expect(a.total).toBe(4);
      expect(a.hits).toHaveLength(1);
      expect(a.facets.priority).toEqual({ high: 2, none: 2 });
      expect(a.facets.tags).toEqual({ bills: 2, home: 3 });
      expect(a.facets.status).toEqual({ open: 4 });
    });

    it('pages with limit and offset', async () => {
      const all = titles(await search(alice, { sort: 'title' }));
      expect(all).toHaveLength(8);
      const second = await search(alice, { sort: 'title', limit: 3, offset: 3 });
      expect(titles(second)).toEqual(all.slice(3, 6));
      expect(second.total).toBe(8);
    });

    it('highlights matched words as HTML, escaping the text', async () => {
      const [hit] = (await search(alice, { q: 'invoce', filter: 'priority:high' })).hits;
      // The misspelt word is marked whole, or (Meilisearch, the last word read as a prefix) up to its end.
      expect(hit?.highlight.title).toMatch(/^Pay the electricity <mark>invoic(?:e<\/mark>|<\/mark>e)$/);
      const html = (await search(alice, { q: 'template' })).hits[0];
      expect(html?.highlight.title).toBe(
        'Fix &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot; in the invoice <mark>template</mark>',
      );
      const notes = (await search(alice, { q: 'ferns' })).hits[0];
      expect(notes?.highlight.notes).toContain('<mark>Ferns</mark>');
      expect(notes?.highlight.title).toBeUndefined();
      expect(notes).toMatchObject({
        id: t.plants.id,
        title: 'Water the plants',
        status: 'open',
        tags: ['home'],
      });
    });

    it("never shows another owner's tasks, whatever the query says", async () => {
      const mine = await search(alice, { q: 'invoice electricity', filter: 'priority:high' });
      expect(mine.hits.map((h) => h.id)).toEqual([t.invoice.id]);
      expect(mine.facets.tags).toEqual({ bills: 1, home: 1 });
      expect(titles(await search(bob, {}))).toEqual(['Pay the electricity invoice']);
      for (const filter of [
        'title:"\\" OR owner != \\""',
        `title:"x\\" OR owner = \\"${alice.id}"`,
        '"\\\\" OR "a"',
        `${alice.id}`,
        ') OR (',
      ]) {
        const got = await search(bob, { filter }).catch((err: unknown) => err);
        if (got instanceof ValidationError) continue;
        expect(
          (got as SearchAnswer).hits.every((h) => h.id === bobs.id),
          filter,
        ).toBe(true);
      }
      await expect(search(bob, { filter: 'owner:' + alice.id })).rejects.toThrow(ValidationError);
      await expect(search(bob, { filter: 'x'.repeat(2_001) })).rejects.toThrow();
      await expect(search(bob, { filter: '((((' })).rejects.toThrow(/filter/);
    });

    it('applies each change once and in version order: stale and repeated changes do nothing', async () => {
      const owner = `carol-${randomUUID()}`;
      const carol: Principal = { id: owner, tz: ZONE };
      const v1 = task('Book flights');
      const v2 = { ...v1, title: 'Book trains', version: 2 };
      expect(await index.apply([upsert(owner, v1)])).toBe(1);
      expect(await index.apply([upsert(owner, v2)])).toBe(1);
      expect(await index.apply([upsert(owner, v2)])).toBe(0);
      expect(await index.apply([upsert(owner, v1)])).toBe(0);
      expect(titles(await search(carol, {}))).toEqual(['Book trains']);
      // In one batch, the newest version wins whatever the order.
      const v3 = { ...v1, title: 'Book a ferry', version: 3 };
      const v4 = { ...v1, title: 'Book a bus', version: 4 };
      await index.apply([upsert(owner, v4), upsert(owner, v3)]);
      expect(titles(await search(carol, {}))).toEqual(['Book a bus']);
    });

    it('drops a deleted task, and a late older change does not bring it back', async () => {
      const owner = `dave-${randomUUID()}`;
      const dave: Principal = { id: owner, tz: ZONE };
      const doomed = task('Cancel the gym');
      await index.apply([upsert(owner, doomed)]);
      expect(titles(await search(dave, { q: 'gym' }))).toEqual(['Cancel the gym']);
      expect(await index.apply([{ op: 'delete', owner, id: doomed.id, version: 2 }])).toBe(1);
      expect(titles(await search(dave, { q: 'gym' }))).toEqual([]);
      expect(await index.apply([upsert(owner, doomed)])).toBe(0);
      const after = await search(dave, {});
      expect(after.total).toBe(0);
      expect(after.facets.status).toEqual({});
    });

    it('rebuilds beside the live index and swaps it in; changes made meanwhile reach the new one', async () => {
      const owner = `erin-${randomUUID()}`;
      const erin: Principal = { id: owner, tz: ZONE };
      const old = task('Old index only');
      await index.apply([upsert(owner, old)]);
      const fresh = task('Fresh from the store');
      const during = task('Written during the rebuild');
      const { tasks } = await index.rebuild(async (add) => {
        await add([...Object.values(t).map((x) => upsert(alice.id, x)), upsert(bob.id, bobs)]);
        await add([upsert(owner, fresh)]);
        // Searches still answer from the old index until the swap.
        expect(titles(await search(erin, {}))).toEqual(['Old index only']);
        await index.apply([upsert(owner, during)]);
      });
      expect(tasks).toBe(11);
      expect(titles(await search(erin, { sort: 'title' }))).toEqual([
        'Fresh from the store',
        'Written during the rebuild',
      ]);
      expect(titles(await search(alice, { q: 'invoce' }))).toContain('Pay the electricity invoice');
    });
  });
}
