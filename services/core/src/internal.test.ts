import { describe, expect, it } from 'vitest';
import { fillRoute, INTERNAL_ROUTES } from './internal.ts';

describe('fillRoute', () => {
  it('fills each segment, encoded, and adds the defined query values', () => {
    expect(fillRoute(INTERNAL_ROUTES.task, { owner: 'u/1', id: 't 1' })).toBe(
      '/internal/owners/u%2F1/tasks/t%201',
    );
    expect(fillRoute(INTERNAL_ROUTES.live, {}, { after: 'a&b', limit: 500 })).toBe(
      '/internal/live?after=a%26b&limit=500',
    );
    expect(fillRoute(INTERNAL_ROUTES.live, {}, { after: undefined })).toBe('/internal/live');
  });

  it('refuses a route whose segment has no value', () => {
    expect(() => fillRoute(INTERNAL_ROUTES.occurrences)).toThrow('no value for :owner');
  });
});
