import { expect, it } from 'vitest';
import { createTokens } from './tokens.ts';

it('still refuses a token past its expiry after it was verified (and remembered) before', async () => {
  let at = new Date('2026-12-06T12:00:00Z');
  const tokens = createTokens('a secret of thirty-two characters', 60, () => at);
  const token = await tokens.sign({ id: 'u1', tz: 'Europe/Berlin', sid: 's1' });
  expect(await tokens.verify(token)).toEqual({ id: 'u1', tz: 'Europe/Berlin', sid: 's1' });
  at = new Date('2026-12-06T12:00:59Z');
  expect(await tokens.verify(token)).toEqual({ id: 'u1', tz: 'Europe/Berlin', sid: 's1' });
  at = new Date('2026-12-06T12:01:00Z');
  await expect(tokens.verify(token)).rejects.toThrow(/invalid or expired/);
});

it('answers each caller its own copy, and refuses a token signed under another key', async () => {
  const tokens = createTokens('a secret of thirty-two characters');
  const token = await tokens.sign({ id: 'u1', tz: 'UTC' });
  const first = await tokens.verify(token);
  first.tz = 'Europe/Paris';
  expect((await tokens.verify(token)).tz).toBe('UTC');
  const other = createTokens('another secret of thirty-two chars');
  await expect(other.verify(token)).rejects.toThrow(/invalid or expired/);
});
