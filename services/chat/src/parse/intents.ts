/**
 * Which request a message is, and its parts. A message is read as "verb, task, payload": rules are tried
 * in order, each anchored on the words a request starts (or ends) with; the first that matches decides.
 * Anything that matches no command is a new task, as in a quick-add box.
 */
import type { ParseResult, Priority } from './contract.ts';
import { buildAdd, findOffsets, findSchedule } from './add.ts';
import { findPriority, findTags } from './attributes.ts';
import { day, findSpan, findWhen, isoSpan, type LocalClock } from './dates.ts';
import { findSelection, toQuery, type Selection } from './filters.ts';
import { findRepeat } from './recurrence.ts';
import { canonicalRef } from './refs.ts';
import { Scan } from './text.ts';

type Result = ParseResult;
const clarify = (reason: NonNullable<Result['reason']>): Result => ({ intent: 'clarify', reason });

// Said before a request and meaning nothing for it.
const PREAMBLE =
  /^\s*(?:(?:hey|hi|hello|ok|okay|k|so|um|uh|yo|oh|please|kindly|now|and|also|then|actually|btw|wait|bot|assistant|chatbot|can\s+you|could\s+you|would\s+you|will\s+you|would\s+you\s+mind|i\s+want\s+you\s+to|i\s+would\s+like\s+you\s+to|go\s+ahead\s+and|lets|let\s+us)\b\s*)+/;

/** Words the rest of a command may hold that name no task ("please", "for me"). */
const TAIL = /\s+(?:please|for\s+me|thanks|thank\s+you|asap\s+please|now)\s*$/;

/** The task the unclaimed words name: "it" when they name none (the task in focus). */
function refOf(scan: Scan, fallback: string | null = 'it'): string | null {
  const quoted = scan.quoted()[0];
  if (quoted) {
    scan.used[quoted.index] = true;
    return quoted.text.toLowerCase();
  }
  const words = scan
    .rest()
    .filter((r) => r.token.norm)
    .map((r) => r.token.plain)
    .join(' ')
    .replace(TAIL, '')
    .replace(/^(?:to|as|for|from|on|of|with|about|the\s+task|task)\s+/, '')
    .replace(/\s+(?:to|as|for|from|on|with|at|by|in|into|again|instead|too|anymore|any\s+more|already)$/, '')
    .trim();
  return canonicalRef(words) ?? fallback;
}

/** Claims a pattern at the start of the unclaimed words. */
function lead(scan: Scan, re: RegExp | string): ReturnType<Scan['find']> {
  const src = typeof re === 'string' ? re : re.source;
  return scan.find(new RegExp(`^\\s*(?:${src})(?=\\s|$)`));
}
/** Claims a pattern at the end of the unclaimed words. */
function tail(scan: Scan, re: RegExp | string): ReturnType<Scan['find']> {
  const src = typeof re === 'string' ? re : re.source;
  return scan.find(new RegExp(`(?:^|\\s)(?:${src})\\s*$`));
}
const peek = (scan: Scan, re: RegExp) => re.test(scan.view().trim());

/** Words that name a task the owner already has: "it", "the first one", "the dentist task". */
const REFERENCE =
  /^(?:it|that|this|them|those|these|(?:the\s+|my\s+)?(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)(?:\s+one)?|.*\s(?:task|todo|item|one|reminder|series))$/;

/** Bulk words: the command is about a selection of tasks, not one. */
const BULK = /^\s*(?:all|every|everything|each)\b/;

function bulk(
  scan: Scan,
  clock: LocalClock,
  intent: 'complete' | 'delete',
  defaults: Selection['filter'],
): Result {
  scan.find(/\b(?:all|every|everything|each)\b(?:\s+(?:of\s+)?(?:my|the))?/);
  const sel = findSelection(scan, clock);
  if ('clarify' in sel) return clarify(sel.clarify);
  const rest = restWords(scan);
  if (rest) sel.text = rest;
  if (!sel.anyStatus && !sel.filter.status && defaults.status && sel.filter.due !== 'overdue')
    sel.filter.status = defaults.status;
  const result: Result = { intent, filter: sel.filter, query: toQuery(sel) };
  if (sel.text) result.text = sel.text;
  if (intent === 'delete') result.needsConfirmation = true;
  return result;
}

/** Filler a list request is made of ("show me my tasks for"), which is not search text. */
const LIST_NOISE = new Set(
  `show me my list lists all the a an any anything tasks task todos todo items item things stuff what whats is are
  do does did i have got there on of for that which with in to due please pls can you could see give get view display
  agenda schedule plan planned up coming open everything else left still should needs need be done something at
  whats what's how many much only just please thanks now currently today's todays tomorrow's tomorrows upcoming
  ones one yet i've ive am on my plate lined about mentioning containing matching called named titled`.split(
    /\s+/,
  ),
);

function restWords(scan: Scan): string | undefined {
  const quoted = scan.quoted()[0];
  if (quoted) {
    scan.used[quoted.index] = true;
    return quoted.text;
  }
  const words = scan
    .rest()
    .filter((r) => r.token.norm && !LIST_NOISE.has(r.token.norm) && /[\p{L}\p{N}]/u.test(r.token.norm))
    .map((r) => r.token.plain);
  return words.length ? words.join(' ') : undefined;
}

function listOrSearch(scan: Scan, clock: LocalClock, searching: boolean): Result {
  const sel = findSelection(scan, clock);
  if ('clarify' in sel) return clarify(sel.clarify);
  const text = restWords(scan);
  // A list with words we can not read as a filter is a search for those words.
  if (text) {
    sel.text = text;
    searching = true;
  }
  if (searching && !text && !Object.keys(sel.filter).length && !sel.recurring && !sel.reminder) {
    return clarify('missing-query');
  }
  // A list shows open tasks unless told otherwise; "overdue" already means open and not done in time.
  if (!searching && !sel.anyStatus && !sel.filter.status && sel.filter.due !== 'overdue')
    sel.filter.status = 'open';
  const result: Result = { intent: searching ? 'search' : 'list', filter: sel.filter, query: toQuery(sel) };
  if (sel.text) result.text = sel.text;
  if (sel.sort) result.sort = sel.sort;
  return result;
}

/** What one message is read against: its text, its words (claimed as rules read them), and the clock. */
interface Message {
  text: string;
  scan: Scan;
  clock: LocalClock;
}

/**
 * The rules, in order: each reads the words a request starts (or ends) with and answers, or passes
 * (undefined). The first to answer decides; a message none of them takes is a new task (`add`).
 */
const RULES: ((m: Message) => Result | undefined)[] = [
  smallTalk,
  helpOrUndo,
  snooze,
  note,
  remindTo,
  untag,
  tag,
  recurStop,
  recur,
  rename,
  priority,
  reopen,
  remove,
  complete,
  skipPauseResume,
  remind,
  reschedule,
  searchOrList,
];

/** Reads one message. */
export function interpret(text: string, clock: LocalClock): Result {
  const scan = new Scan(text);
  if (/^\s*\?+\s*$/.test(text)) return { intent: 'help' };
  if (!scan.tokens.some((t) => t.quoted !== undefined || /[\p{L}\p{N}]/u.test(t.norm)))
    return clarify('empty');
  scan.find(PREAMBLE);
  if (!scan.view().trim() && !scan.quoted().length) return clarify('not-understood');
  const m: Message = { text, scan, clock };
  for (const rule of RULES) {
    const result = rule(m);
    if (result) return result;
  }
  return add(m);
}

/** Small talk and bare confirmations are not requests (a pending confirmation is the service's to read). */
function smallTalk(m: Message): Result | undefined {
  const { scan } = m;
  const v = () => scan.view().trim();
  if (
    /^(?:yes|yeah|yep|yup|no|nope|nah|ok|okay|k|sure|thanks|thank\s+you|thx|ty|cool|great|nice|hi|hello|hey|bye|good\s+(?:morning|night|evening))$/.test(
      v(),
    )
  ) {
    return clarify('not-understood');
  }
  return undefined;
}

/** help, undo */
function helpOrUndo(m: Message): Result | undefined {
  const { scan } = m;
  const v = () => scan.view().trim();
  if (
    /^(?:help|help\s+me|\?+|commands|menu|usage|instructions|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work|how\s+do\s+(?:i|you)\s+.*|what\s+can\s+i\s+(?:say|do|ask)|examples?)$/.test(
      v(),
    )
  ) {
    return { intent: 'help' };
  }
  if (
    /^(?:oops\s+|whoops\s+|ugh\s+)?(?:undo|undo\s+(?:that|it|this|last|the\s+last\s+(?:one|change|action|thing))|revert(?:\s+that)?|take\s+(?:that|it)\s+back|reverse\s+that|oops|whoops)(?:\s+please)?$/.test(
      v(),
    )
  ) {
    return { intent: 'undo' };
  }
  return undefined;
}

/** snooze: "snooze 10 min", "snooze it till 5pm", "remind me again in an hour", "later" */
function snooze(m: Message): Result | undefined {
  const { scan, clock } = m;
  if (lead(scan, /snooze|remind\s+me\s+again|remind\s+me\s+(?=in\s)|not\s+now|later/)) {
    let duration: string | undefined;
    const span = findSpan(scan, '(?:for\\s+|in\\s+|by\\s+)?');
    if (span) duration = isoSpan(span);
    else {
      const until = findWhen(scan, clock);
      if (until && 'clarify' in until) return clarify(until.clarify);
      if (until) {
        // "snooze till 5pm": the time from now until then, counted in real minutes (DST included).
        const [hh, mm] = (until.due.time ?? '09:00').split(':').map(Number);
        const t = day(clock, until.due.date).set({ hour: hh, minute: mm });
        const minutes = Math.round(t.diff(clock.now, 'minutes').minutes);
        if (minutes <= 0) return clarify('invalid-date');
        duration = isoSpan({ minutes });
      }
    }
    return { intent: 'snooze', ref: refOf(scan)!, duration: duration ?? 'PT10M' };
  }
  return undefined;
}

/** notes: read from the typed text, since the words of a note are not the grammar's business */
function note(m: Message): Result | undefined {
  const { text } = m;
  const note =
    /^\s*(?:please\s+)?(?:add|attach|append|put|write|leave)\s+(?:a\s+)?note\s+(?:to|on|for)\s+(.+?)\s*(?::|\s-\s|,|\bsaying\b|\bthat\s+says\b)\s*(.+)$/is.exec(
      text,
    ) ??
    /^\s*(?:please\s+)?(?:add\s+(?:a\s+)?)?note\s*(?:for|on)\s+(.+?)\s*:\s*(.+)$/is.exec(text) ??
    /^\s*(?:please\s+)?(?:add\s+(?:a\s+)?)?note()\s*:\s*(.+)$/is.exec(text);
  if (note) {
    const ref = canonicalRef(note[1] ?? '') ?? 'it';
    return { intent: 'update', ref, notes: note[2]!.trim() };
  }
  return undefined;
}

/** "remind me to ...", "set a reminder to ...": a new task with a reminder */
function remindTo(m: Message): Result | undefined {
  const { scan, clock } = m;
  if (
    lead(scan, /(?:remind|ping|alert|nudge)\s+me\s+to|(?:set|add|create)\s+(?:a\s+)?reminder\s+(?:to|that)/)
  ) {
    return buildAdd(scan, clock, true);
  }
  return undefined;
}

/** untag: "untag it work", "remove #work from the dentist task", "remove the work tag from it" */
function untag(m: Message): Result | undefined {
  const { scan } = m;
  let h;
  if (lead(scan, /untag|unlabel|un-tag/)) {
    const tags = findTags(scan);
    const words = !tags.length
      ? scan.find(/(?:\bfrom\s+\S+(?:\s+\S+)*\s+)?\b([\p{L}\p{N}_\-/.]+)\s*$/u)
      : null;
    if (words) tags.push(words.match[1]!);
    if (!tags.length) return clarify('missing-value');
    return { intent: 'untag', ref: refOf(scan)!, tags };
  }
  if (
    (h = scan.find(
      /^\s*(?:remove|delete|drop|take\s+off|take|clear)\s+(?:the\s+)?(?:tags?\s+|labels?\s+)?((?:#[\p{L}\p{N}_\-/.]+\s*(?:and\s+|,\s*)?)+|[\p{L}\p{N}_\-/.]+\s+(?:tag|label))\s+(?:tag\s+)?(?:from|off|on)\b/du,
    ))
  ) {
    const tags = [...h.match[1]!.matchAll(/#?([\p{L}\p{N}_\-/.]+)/gu)]
      .map((m) => m[1]!)
      .filter((t) => !/^(tag|label|and)$/.test(t));
    return { intent: 'untag', ref: refOf(scan)!, tags };
  }
  return undefined;
}

/** tag: "tag it #work", "tag dentist with health", "add #errands to the first one" */
function tag(m: Message): Result | undefined {
  const { scan } = m;
  if (lead(scan, /tag|label/)) {
    const tags = findTags(scan);
    const pronoun = !tags.length
      ? scan.find(/^\s*(it|that|this|them)\s+(?:as\s+|with\s+)?([\p{L}\p{N}_\-/.]+)\s*$/u)
      : null;
    if (pronoun) return { intent: 'tag', ref: canonicalRef(pronoun.match[1]!)!, tags: [pronoun.match[2]!] };
    if (!tags.length) {
      const w = scan.find(/\b(?:with|as)\s+([\p{L}\p{N}_\-/.]+(?:\s+(?:and\s+)?[\p{L}\p{N}_\-/.]+)*)\s*$/u);
      if (w) tags.push(...w.match[1]!.split(/\s+(?:and\s+)?/));
    }
    if (!tags.length) return clarify('missing-value');
    return { intent: 'tag', ref: refOf(scan)!, tags: tags.map((t) => t.toLowerCase()) };
  }
  if (
    scan.find(
      /^\s*(?:add|put|attach)\s+(?:the\s+)?(?:tags?\s+|labels?\s+)?(?=(?:#\S+\s*(?:and\s+)?)+\s*(?:to|on)\b)/,
    ) ||
    scan.find(/^\s*(?:add|put)\s+(?:the\s+)?(?:tag|label)\s+(?=\S+\s+(?:to|on)\b)/)
  ) {
    const tags = findTags(scan);
    if (!tags.length) {
      const w = scan.find(/^\s*([\p{L}\p{N}_\-/.]+)(?=\s+(?:to|on)\b)/u);
      if (w) tags.push(w.match[1]!);
    }
    return { intent: 'tag', ref: refOf(scan)!, tags };
  }
  return undefined;
}

/** recur-stop: "stop repeating it", "don't repeat gym anymore", "make it a one-off" */
function recurStop(m: Message): Result | undefined {
  const { scan } = m;
  if (
    lead(
      scan,
      /(?:stop|end|cancel|remove|turn\s+off|disable|kill|delete)\s+(?:the\s+)?(?:repeat(?:ing)?|recurr(?:ence|ing)|repetition|series|schedule)(?:\s+(?:for|of|on))?/,
    ) ||
    lead(scan, /(?:stop|quit)\s+repeating/) ||
    (lead(scan, /(?:do\s+not|never|no\s+longer)\s+repeat/) && (tail(scan, /any\s*more|again/) || true)) ||
    (peek(
      scan,
      /^make\s+.+\s+(?:a\s+)?(?:one[\s-]?off|one[\s-]?time|non[\s-]?recurring|not\s+recurring|not\s+repeat(?:ing)?)$/,
    ) &&
      lead(scan, /make/) &&
      tail(
        scan,
        /(?:a\s+)?(?:one[\s-]?off|one[\s-]?time|non[\s-]?recurring|not\s+recurring|not\s+repeat(?:ing)?)/,
      )) ||
    tail(
      scan,
      /(?:should\s+)?(?:stop|no\s+longer|not|shouldnt|should\s+not)\s+(?:be\s+)?(?:repeat(?:ing)?|recurring|recur)(?:\s+any\s*more)?|(?:is\s+)?(?:a\s+)?one[\s-]?off(?:\s+now)?/,
    )
  ) {
    return { intent: 'recur-stop', ref: refOf(scan)! };
  }
  return undefined;
}

/**
 * recur: "make it repeat every monday", "repeat gym weekly", "change it to every other week". A change
 * needs a task it can refer to: "change oil every 6 months" names none, so it is a new task.
 */
function recur(m: Message): Result | undefined {
  const { text, scan, clock } = m;
  const v = () => scan.view().trim();
  const verbRepeat =
    /^(make|set|change|switch|turn|have)\s+(.+?)\s+(to\s+)?(repeat|recur|recurring|repeating|every|each|daily|weekly|monthly|yearly|annually|biweekly|fortnightly|quarterly|on\s+weekdays|weekdays|(?:mon|tues|wednes|thurs|fri|satur|sun)days?\s+and\s+\S+|(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b(.*)$/.exec(
      v(),
    );
  if (verbRepeat && !verbRepeat[3] && !/^re/.test(verbRepeat[4]!) && !REFERENCE.test(verbRepeat[2]!)) {
    // "make gym weekly": the gym task made weekly, or a new task "make gym"? Only the owner knows.
    if (/^(?:make|set)$/.test(verbRepeat[1]!) && /^\w+ly$/.test(verbRepeat[4]!) && !verbRepeat[5]!.trim())
      return clarify('new-or-existing');
    return buildAdd(reset(text), clock, false);
  }
  if (
    lead(scan, /repeat|recur/) ||
    (verbRepeat && lead(scan, /make|set|change|switch|turn|have/)) ||
    peek(scan, /^.+?\s+should\s+(?:repeat|recur|be\s+(?:every|daily|weekly|monthly|yearly))\b/)
  ) {
    scan.find(/\b(?:should\s+)?(?:to\s+)?(?:be\s+)?(?:repeat|recur|recurring|repeating)\b/);
    const sched = findSchedule(scan, clock, false);
    if ('clarify' in sched) return clarify(sched.clarify);
    if (!sched.recurrence) return clarify('missing-value');
    return { intent: 'recur', ref: refOf(scan)!, ...sched };
  }
  return undefined;
}

/** rename: "rename it to X", "change the title of the first one to X", "call it X" */
function rename(m: Message): Result | undefined {
  const { scan } = m;
  const quoted = () => scan.quoted()[0];
  if (
    lead(scan, /rename|retitle|re-title|re-name/) ||
    lead(scan, /(?:change|update|edit|set|fix)\s+(?:the\s+)?(?:title|name|wording)(?:\s+(?:of|for|on))?/) ||
    (peek(scan, /^(?:change|update|edit|fix)\s+(?:its|the)?\s*.*\b(?:title|name)\s+to\b/) &&
      lead(scan, /change|update|edit|fix/))
  ) {
    scan.find(/\b(?:its|their)?\s*(?:title|name)\b(?=\s+to\b)/);
    const q = quoted();
    let title: string | null = null;
    if (q) {
      scan.used[q.index] = true;
      title = q.text;
      scan.find(/\b(?:to|as|into)\s*$/);
    } else {
      const to = scan.find(/\s(?:to|as|into)\s+(.+)$/d);
      if (to) {
        const g = scan.group(to, 1);
        title = g
          ? scan
              .raw(g.from, g.to)
              .replace(/^["'“]|["'”.]$/g, '')
              .trim()
          : null;
      }
    }
    if (!title) return clarify('missing-value');
    return { intent: 'rename', ref: refOf(scan)!, title };
  }
  return undefined;
}

/** update: priority. "make it high priority", "mark the dentist as urgent", "set priority of X to low" */
function priority(m: Message): Result | undefined {
  const { text, scan } = m;
  let h;
  if (
    (h = scan.find(
      /^\s*(?:set|change|make|update|put)\s+(?:the\s+)?(?:priority|prio)\s+(?:of|for|on)\s+(.+?)\s+(?:to|at)\s+(high|medium|med|low|none|urgent|p[1-4])$/,
    ))
  ) {
    const words: Record<string, Priority> = {
      med: 'medium',
      urgent: 'high',
      p1: 'high',
      p2: 'medium',
      p3: 'low',
      p4: 'none',
    };
    const priority = words[h.match[2]!] ?? (h.match[2] as Priority);
    return { intent: 'update', ref: canonicalRef(h.match[1]!) ?? 'it', priority };
  }
  if (lead(scan, /prioriti[sz]e/))
    return { intent: 'update', ref: refOf(scan)!, priority: findPriority(scan) ?? 'high' };
  if (lead(scan, /de-?prioriti[sz]e/)) return { intent: 'update', ref: refOf(scan)!, priority: 'low' };
  if (peek(scan, /^(?:make|mark|set|flag|change|update|bump|raise|lower|give)\b/)) {
    const probe = new Scan(text);
    probe.find(PREAMBLE);
    probe.find(/^\s*\S+/);
    const priority = findPriority(probe);
    if (priority) {
      lead(scan, /make|mark|set|flag|change|update|bump|raise|lower|give/);
      findPriority(scan);
      scan.find(/\b(?:the\s+)?priority\s+(?:of|for|on)\b/);
      return { intent: 'update', ref: refOf(scan)!, priority };
    }
  }

  if (
    (h = scan.find(
      /^\s*(.+?)\s+(?:is|should\s+be)\s+(?:now\s+)?((?:not|non)[\s-]urgent|not\s+important|urgent|important|(?:high|medium|low|no)\s+priority|p[1-4])(?:\s+(?:any\s*more|now))?$/,
    ))
  ) {
    const probe = new Scan(h.match[2]!);
    return { intent: 'update', ref: canonicalRef(h.match[1]!) ?? 'it', priority: findPriority(probe)! };
  }
  return undefined;
}

/** reopen: "reopen it", "mark X as not done", "uncheck laundry" */
function reopen(m: Message): Result | undefined {
  const { scan } = m;
  if (
    lead(
      scan,
      /re-?open|uncheck|untick|unmark|unfinish|un-?complete|undo\s+(?:the\s+)?(?:complete|completion|done|check)(?:\s+(?:on|of|for))?|restore/,
    ) ||
    (peek(
      scan,
      /^mark\s.+\s(?:as\s+)?(?:not\s+(?:done|finished|complete|completed)|undone|incomplete|open|unfinished|active|to\s*do)$/,
    ) &&
      lead(scan, /mark/) &&
      tail(
        scan,
        /(?:as\s+)?(?:not\s+(?:done|finished|complete|completed)|undone|incomplete|open|unfinished|active|to\s*do)/,
      )) ||
    tail(
      scan,
      /(?:is\s+|was\s+)?(?:not\s+(?:done|finished|complete|completed)|undone)(?:\s+(?:yet|after\s+all))?/,
    )
  ) {
    return { intent: 'reopen', ref: refOf(scan)! };
  }
  return undefined;
}

/** delete: "delete it", "remove the dentist task", "delete all done tasks", "cancel that" */
function remove(m: Message): Result | undefined {
  const { scan, clock } = m;
  if (
    lead(
      scan,
      /delete|del|remove|trash|erase|bin|rm|nuke|purge|clear|get\s+rid\s+of|throw\s+away|throw\s+out/,
    )
  ) {
    if (
      BULK.test(scan.view()) ||
      peek(scan, /^(?:(?:the\s+)?(?:done|completed|finished|old|overdue)\b|(?:#\S+)$)/)
    ) {
      return bulk(scan, clock, 'delete', {});
    }
    const ref = refOf(scan, null);
    if (!ref) return clarify('missing-task');
    return ref === 'them' ? { intent: 'delete', ref, needsConfirmation: true } : { intent: 'delete', ref };
  }
  if (
    peek(
      scan,
      /^(?:cancel|drop|scrap|forget|ditch|kill|nix)\s+(?:it|that|this|them|those|these|(?:the\s+|my\s+)?(?:first|second|third|last|1st|2nd|3rd)\b.*|.+\s(?:task|todo|reminder|item|one))$/,
    ) ||
    (peek(scan, /^(?:cancel|drop|scrap|forget|ditch|kill|nix)$/) && scan.quoted().length)
  ) {
    lead(scan, /cancel|drop|scrap|forget|ditch|kill|nix/);
    const ref = refOf(scan, null);
    if (!ref) return clarify('missing-task');
    return ref === 'them' ? { intent: 'delete', ref, needsConfirmation: true } : { intent: 'delete', ref };
  }
  return undefined;
}

/** complete: "done", "mark it done", "finished the dentist task", "laundry done ✅", "complete all overdue" */
function complete(m: Message): Result | undefined {
  const { text, scan, clock } = m;
  if (
    peek(scan, /^(?:complete|finish|check\s+off|tick\s+off|mark|close)\s+(?:all|every|everything)\b/) &&
    lead(scan, /complete|finish|check\s+off|tick\s+off|mark|close/)
  ) {
    scan.find(/\s(?:as\s+)?(?:done|complete|completed|finished)\s*$/);
    return bulk(scan, clock, 'complete', { status: 'open' });
  }
  if (
    (peek(scan, /^(?:mark|set|flag)\s.+\s(?:as\s+)?(?:done|complete|completed|finished)$/) &&
      lead(scan, /mark|set|flag/) &&
      tail(scan, /(?:as\s+)?(?:done|complete|completed|finished)/)) ||
    lead(
      scan,
      /(?:i\s+(?:am\s+|have\s+|ve\s+|just\s+)?)?(?:done|finished|completed|did|checked\s+off|ticked\s+off|crossed\s+off)(?:\s+with)?|check\s+off|tick\s+off|cross\s+off|mark\s+off|mark\s+done|mark\s+as\s+done|mark\s+complete/,
    ) ||
    (peek(scan, /^(?:complete|finish|close)\b/) &&
      !hasWhen(text, clock) &&
      lead(scan, /complete|finish|close/)) ||
    (!peek(
      scan,
      /^(?:get|getting|got|list|show|display|view|what|find|search|clear|any|anything|how|which|my|all)\b/,
    ) &&
      tail(scan, /(?:is\s+|are\s+|all\s+)?(?:done|finished|completed|complete)(?:\s+now)?|✅|✔️?|☑️?/))
  ) {
    return { intent: 'complete', ref: refOf(scan)! };
  }
  return undefined;
}

/** skip, pause, resume */
function skipPauseResume(m: Message): Result | undefined {
  const { scan } = m;
  if (lead(scan, /skip/)) {
    scan.find(
      /\b(?:the\s+)?(?:next|upcoming|this)\s+(?:one|occurrence|time|instance)\b(?:\s+of)?|\b(?:this|next)\s+(?:week|time|month)(?:_s)?\b|\b(?:today|tomorrow|tonight)(?:_s)?\b|\b(?:the\s+)?next\b|\bjust\s+this\s+once\b|\bonce\b/,
    );
    return { intent: 'skip', ref: refOf(scan)! };
  }
  if (
    lead(scan, /pause|suspend|freeze|hold\s+off(?:\s+on)?/) ||
    (peek(scan, /^put\s.+\son\s+hold$/) && lead(scan, /put/) && tail(scan, /on\s+hold/))
  ) {
    scan.find(/\b(?:for\s+now|until\s+further\s+notice|for\s+a\s+while)\b/);
    return { intent: 'pause', ref: refOf(scan)! };
  }
  if (
    lead(scan, /resume|unpause|un-pause|unfreeze|reactivate|restart|continue|start\s+again|turn\s+back\s+on/)
  ) {
    scan.find(/\b(?:again|now)\b/);
    return { intent: 'resume', ref: refOf(scan)! };
  }
  return undefined;
}

/** remind: "remind me about it 15 min before", "remind me of the dentist tomorrow at 8", "add a reminder for X at 5" */
function remind(m: Message): Result | undefined {
  const { text, scan, clock } = m;
  if (
    lead(scan, /(?:remind|ping|alert|notify|nudge)\s+me(?:\s+(?:about|of|re|regarding))?(?!\s+to\b)/) ||
    lead(
      scan,
      /(?:set|add|create|put)\s+(?:a\s+|another\s+)?reminder(?:\s+(?:for|on))?(?!\s+(?:to|that)\b)|reminder\s+(?:for|on)/,
    )
  ) {
    if (peek(scan, /^to\b/)) return buildAdd(reset(text), clock, true);
    // "remind me tomorrow to call the bank": a new task, its time said first.
    if (
      !/^\s*(?:remind|ping|alert|notify|nudge)\s+me\s+(?:about|of|re|regarding)\b/.test(
        scan.norm.replace(PREAMBLE, ''),
      ) &&
      scan.find(/\bto\s+(?=\S)/)
    ) {
      return buildAdd(scan, clock, true);
    }
    const reminders = findOffsets(scan);
    if (!reminders.length) {
      const at = findWhen(scan, clock);
      if (at && 'clarify' in at) return clarify(at.clarify);
      if (at) reminders.push({ at: `${at.due.date}T${at.due.time ?? '09:00'}` });
    }
    if (!reminders.length) return clarify('missing-time');
    scan.find(/\b(?:about|of|re|for|regarding)\b/);
    return { intent: 'remind', ref: refOf(scan)!, reminders };
  }
  return undefined;
}

/** reschedule: "move the dentist to friday", "push it to next week", "postpone gym until monday" */
function reschedule(m: Message): Result | undefined {
  const { text, scan, clock } = m;
  const strong =
    /reschedule|re-schedule|postpone|delay|defer|change\s+(?:the\s+)?(?:due\s+)?date\s+(?:of|for|on)|set\s+(?:the\s+)?(?:due\s+)?date\s+(?:of|for|on)|change\s+(?:the\s+)?(?:due\s+)?(?:date|time|deadline)\s+(?:of|for|on)|change\s+when/;
  const weak = /move|push(?:\s+back)?|bump|shift|change|make|set/;
  const isStrong = peek(scan, new RegExp(`^(?:${strong.source})\\b`));
  // "change oil tmrw" is a task; "change it to friday", "change the dentist task to fri" are moves.
  const chore =
    peek(scan, /^(?:change|make|set)\s/) &&
    !peek(scan, /\s(?:to|until|till)\s/) &&
    !peek(scan, /^\S+\s+(?:it|that|this|them|the\s+\S+\s+(?:task|one))\b/);
  if (isStrong || (!chore && peek(scan, new RegExp(`^(?:${weak.source})\\b`)))) {
    const probe = new Scan(text);
    probe.find(PREAMBLE);
    probe.find(new RegExp(`^\\s*(?:${strong.source}|${weak.source})`));
    const relative = probe.find(
      /\b(?:by|back|forward|out)?\s*(?:a|an|one|\d+|two|three|a\s+couple\s+of)\s+(?:days?|weeks?|hours?|minutes?|mins?)(?:\s+(?:later|back|forward|out))?\s*$/,
    );
    const when = findWhen(probe, clock);
    if (relative && !when) return clarify('relative-to-due');
    if (when || isStrong) {
      lead(scan, new RegExp(`${strong.source}|${weak.source}`));
      const w = findWhen(scan, clock);
      if (w && 'clarify' in w) return clarify(w.clarify);
      if (!w) return clarify('missing-date');
      scan.find(/\b(?:to|until|till|for)\s*$/);
      scan.find(/\b(?:instead|please)\b/);
      return { intent: 'reschedule', ref: refOf(scan)!, due: w.due };
    }
  }
  return undefined;
}

/** search and list */
function searchOrList(m: Message): Result | undefined {
  const { text, scan, clock } = m;
  if (peek(scan, /^(?:find|look\s+for|look\s+up)\s+(?:a|an|some|new|another|out|time)\b/))
    return buildAdd(reset(text), clock, false);
  if (
    lead(
      scan,
      /search(?:\s+(?:for|my\s+tasks\s+for|tasks\s+for))?|find(?:\s+me)?|look\s+for|look\s+up|lookup|where\s+is|wheres|where\s+are|locate|grep/,
    )
  ) {
    scan.find(/^\s*(?:for|my\s+tasks\s+for)\b/);
    scan.find(/\b(?:tasks?|todos?)\s+(?:about|mentioning|containing|matching|with|called|named|titled)\b/);
    scan.find(/\b(?:about|mentioning|containing|matching|called|named|titled)\b/);
    return listOrSearch(scan, clock, true);
  }
  if (
    scan.find(
      /^\s*(?:are\s+there\s+|do\s+i\s+have\s+|is\s+there\s+)?(?:any\s+|anything\s+)?(?:stuff\s+|tasks?\s+|todos?\s+|things\s+)?(?:about|mentioning|containing|matching|called|named|titled|with\s+the\s+word)\b/,
    )
  ) {
    return listOrSearch(scan, clock, true);
  }
  if (
    lead(
      scan,
      /list|show|display|view|see|give\s+me|get\s+me|get|what|whats|what\s+is|what\s+are|anything|any|is\s+there|are\s+there|do\s+i\s+have|have\s+i\s+got|how\s+many|which|my|tasks|todos|agenda|inbox|remaining|pending|open|everything|upcoming|whats\s+up/,
    ) ||
    onlySelection(text, clock)
  ) {
    return listOrSearch(scan, clock, false);
  }
  return undefined;
}

/**
 * add: "add ...", "i need to ...", or anything else, as in a quick-add box. "new" is a command only
 * before "task" ("new task: ..."); otherwise it is the title's first word ("new tires for the car").
 * "add X to Y" is a command only when Y is a list ("add eggs to shopping list"): "add oil to the car".
 */
function add(m: Message): Result {
  const { scan, clock } = m;
  const toList =
    /\b(?:to|on|in|onto)\s+(?:my|the|our)?\s*(?:[\p{L}\p{N}]+\s+)?(?:list|tasks|todo\s+list|todos|todo)\s*$/u;
  const addTo = peek(scan, /^add\s+(?!(?:a|an|new|another|the)?\s*(?:task|todo|item|entry)\b).+\sto\s+\S/);
  if (!addTo || toList.test(scan.view()))
    lead(
      scan,
      /(?:add|create|insert|jot\s+down|write\s+down)(?:\s+(?:a|an|new|another|the))?(?:\s+(?:task|todo|item|entry))?|new\s+(?:task|todo|item|entry)|todo|task|(?:i\s+)?(?:need|have|got|gotta|must|should|want)\s+to|i\s+(?:must|should)|gotta|need\s+to|remember\s+to|(?:do\s+not|never)\s+forget\s+to/,
    );
  scan.find(toList);
  return buildAdd(scan, clock, false);
}

/** A fresh scan of the text without its preamble, for a rule that changes its mind. */
function reset(text: string): Scan {
  const s = new Scan(text);
  s.find(PREAMBLE);
  s.find(
    /^\s*(?:remind|ping|alert|nudge)\s+me(?:\s+(?:about|of))?\s+to\b|^\s*(?:set|add|create|put)\s+(?:a\s+)?reminder\s+to\b/,
  );
  return s;
}

function hasWhen(text: string, clock: LocalClock): boolean {
  const s = new Scan(text);
  return !!findWhen(s, clock) || !!findRepeat(s, clock);
}

/** The whole message is a filter ("overdue?", "today", "high priority #work"): a list. */
function onlySelection(text: string, clock: LocalClock): boolean {
  const s = new Scan(text);
  s.find(PREAMBLE);
  const sel = findSelection(s, clock);
  if ('clarify' in sel) return false;
  const rest = s.rest().filter((r) => r.token.norm && !LIST_NOISE.has(r.token.norm));
  return (
    rest.length === 0 &&
    s.quoted().length === 0 &&
    (Object.keys(sel.filter).length > 0 || !!sel.recurring || !!sel.reminder || !!sel.sort)
  );
}
