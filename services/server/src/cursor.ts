import { ValidationError } from '@todo/core';
import { z } from 'zod';

/** An opaque page cursor: where a page ended (keyset pagination), as base64url JSON. */
export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The position `cursor` holds, or a 400 at `cursor` when it is not one `schema` accepts: a made-up or
 * foreign cursor (another list's, another sort's) is refused rather than guessed at.
 */
export function decodeCursor<S extends z.ZodType>(
  cursor: string,
  schema: S,
  list = 'this list',
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ValidationError('invalid cursor', [
    { path: 'cursor', issue: `not a cursor from ${list}: start again without it` },
  ]);
}
