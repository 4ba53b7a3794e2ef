/**
 * The chat's natural-language engine: one message in, one request out. Deterministic and offline: the
 * same text, clock and zone always give the same result. See docs/decisions/0008-chat-parser.md.
 */
import { KEY_ORDER, ParseContext, type ParseResult } from './contract.ts';
import { makeLocalClock } from './dates.ts';
import { interpret } from './intents.ts';

export {
  ParseContext,
  ParseResult,
  INTENTS,
  CLARIFY_REASONS,
  type Intent,
  type ClarifyReason,
} from './contract.ts';

/**
 * Reads one chat message. `ctx.now` is the owner's local wall time (YYYY-MM-DDTHH:mm) in `ctx.tz`.
 * Never throws for any text (see properties.test.ts); throws a TypeError for an invalid context, which is
 * a programming error.
 */
export function parse(text: string, ctx: ParseContext): ParseResult {
  const checked = ParseContext.safeParse(ctx);
  if (!checked.success)
    throw new TypeError(
      `parse: invalid context: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const clock = makeLocalClock(checked.data);
  // No catch-all here: the property tests hold it to never throwing, and a bug must not hide as "clarify".
  return ordered(interpret(typeof text === 'string' ? text : '', clock));
}

/** The result with its keys in the contract's order and no undefined values. */
function ordered(r: ParseResult): ParseResult {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (r[k] !== undefined) out[k] = r[k];
  return out as ParseResult;
}

/** A reply to a pending confirmation: yes, no, or neither (then it is a new request). */
export function parseConfirmation(text: string): 'yes' | 'no' | null {
  const t = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s👍👎]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (
    /^(?:y|yes|yeah|yep|yup|sure|ok|okay|k|confirm|confirmed|do it|go ahead|yes please|please do|correct|right|👍)$/.test(
      t,
    )
  )
    return 'yes';
  if (/^(?:n|no|nope|nah|cancel|stop|dont|don t|do not|never ?mind|no thanks|abort|👎)$/.test(t)) return 'no';
  return null;
}
