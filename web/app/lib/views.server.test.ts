import { describe, expect, it } from 'vitest';
import { readViews, viewsCookie } from './views.server.ts';

const request = (cookie: string) => new Request('http://x/board', { headers: { cookie } });

describe('saved views', () => {
  it('round-trip through their cookie', () => {
    const views = [{ name: 'Home', q: '#home due<+7d', sort: 'due' }];
    const cookie = viewsCookie(views).split(';')[0]!;
    expect(readViews(request(`a=b; ${cookie}`))).toEqual(views);
  });

  it('ignore a cookie they did not write', () => {
    expect(readViews(request('todo_views=bm90LWpzb24'))).toEqual([]);
    expect(readViews(request(`todo_views=${Buffer.from('[{"name":1}]').toString('base64url')}`))).toEqual([]);
  });
});
