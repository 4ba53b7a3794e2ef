/**
 * References to existing tasks. The parser only names them; the service resolves a name against the
 * conversation (what "it" and "the first one" point at) and the owner's tasks. Canonical forms:
 * "it" (the task in focus), "them" (the tasks just listed), "first" ... "tenth" and "last" (a position
 * in the last list shown), otherwise the words of the title ("the dentist task" -> "dentist").
 */

const ORDINALS: Record<string, string> = {
  first: 'first',
  '1st': 'first',
  one: 'first',
  '1': 'first',
  second: 'second',
  '2nd': 'second',
  two: 'second',
  '2': 'second',
  third: 'third',
  '3rd': 'third',
  three: 'third',
  '3': 'third',
  fourth: 'fourth',
  '4th': 'fourth',
  four: 'fourth',
  '4': 'fourth',
  fifth: 'fifth',
  '5th': 'fifth',
  five: 'fifth',
  '5': 'fifth',
  sixth: 'sixth',
  '6th': 'sixth',
  six: 'sixth',
  '6': 'sixth',
  seventh: 'seventh',
  '7th': 'seventh',
  seven: 'seventh',
  '7': 'seventh',
  eighth: 'eighth',
  '8th': 'eighth',
  eight: 'eighth',
  '8': 'eighth',
  ninth: 'ninth',
  '9th': 'ninth',
  nine: 'ninth',
  '9': 'ninth',
  tenth: 'tenth',
  '10th': 'tenth',
  ten: 'tenth',
  '10': 'tenth',
  last: 'last',
  final: 'last',
  latest: 'last',
};
const NOUN = '(?:task|todo|todos|item|one|thing|entry|reminder|series|chore)';

/** Words that name one task or several; null when they name nothing. */
export function canonicalRef(words: string): string | null {
  let w = words
    .toLowerCase()
    .replace(/[^\p{L}\p{N}#'&\s-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Politeness and filler around the name.
  w = w
    .replace(/^(?:please|pls|just|also|then|now|ok|okay)(?:\s+|$)/, '')
    .replace(/\s+(?:please|pls|now|too|again|for me|thanks|thank you|then|as well)$/, '');
  if (!w) return null;
  if (
    /^(?:it|this|that|this one|that one|the task|that task|this task|the one|same|same one|the same one|the reminder|this reminder|that reminder)$/.test(
      w,
    )
  )
    return 'it';
  if (
    /^(?:them|those|these|both|all of them|both of them|those ones|these ones|those tasks|these tasks|all those|all these)$/.test(
      w,
    )
  )
    return 'them';
  const ord = new RegExp(
    `^(?:the\\s+|my\\s+)?(?:(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|seventh|7th|eighth|8th|ninth|9th|tenth|10th|last|final|latest)(?:\\s+${NOUN})?(?:\\s+(?:on|in)\\s+(?:the|my)\\s+list)?|(?:number|no|#|${NOUN})\\s*(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten))$`,
  ).exec(w);
  if (ord) return ORDINALS[ord[1] ?? ord[2]!] ?? null;
  // A bare small number is a position in the list just shown ("delete 2").
  if (/^(?:[1-9]|10)$/.test(w)) return ORDINALS[w]!;
  // "the dentist task", "my dentist appointment one" -> "dentist", "dentist appointment".
  w = w
    .replace(/^(?:the|my|that|this|our|your|a|an)\s+/, '')
    .replace(new RegExp(`\\s+${NOUN}s?$`), '')
    .replace(new RegExp(`^${NOUN}s?\\s+(?:called|named|titled|about)\\s+`), '')
    .replace(/^(?:one|thing)\s+(?:called|named|about)\s+/, '')
    .replace(/\s+(?:on|from|in)\s+(?:my|the)\s+(?:list|tasks|todo list)$/, '')
    .trim();
  if (!w || new RegExp(`^${NOUN}s?$`).test(w)) return null;
  return w;
}
