/**
 * `npm run -s chat:parse -- --now 2026-11-24T10:00 --tz Europe/Berlin "text"`: prints what the chat's
 * parser makes of one message, as one JSON object on one line. Exit 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { ParseContext, parse } from '../parse/index.ts';

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { now: { type: 'string' }, tz: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    process.stderr.write(`chat:parse: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write('usage: chat:parse [--now YYYY-MM-DDTHH:mm] [--tz Area/City] "message"\n');
    return 0;
  }
  const tz = values.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const now = values.now ?? DateTime.now().setZone(tz).toFormat("yyyy-MM-dd'T'HH:mm");
  const ctx = ParseContext.safeParse({ now, tz });
  if (!ctx.success) {
    process.stderr.write(
      `chat:parse: ${ctx.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
    );
    return 2;
  }
  process.stdout.write(`${JSON.stringify(parse(positionals.join(' '), ctx.data))}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
