import { parseArgs } from 'node:util';
import { apiStackBench } from './api-stack.ts';
import { apiBench } from './api.ts';
import { writeSection } from './lib.ts';
import { remindersBench } from './reminders.ts';
import { searchBench } from './search.ts';
import { startupBench } from './startup.ts';
import { webBench } from './web.ts';

// `npm run bench`: runs each benchmark and replaces its section of docs/benchmarks.md.
const FILE = 'docs/benchmarks.md';
// Options after the names: `--reminders 1000` runs only that burst size (comma-separated for several);
// `--spread 60` spreads each burst's fire times evenly over 60 s instead of one instant.
const { positionals: only, values } = parseArgs({
  allowPositionals: true,
  options: { reminders: { type: 'string' }, spread: { type: 'string' } },
});
const benches: Record<string, () => Promise<string>> = {
  api: apiBench,
  'api-stack': apiStackBench,
  reminders: () => remindersBench(values.reminders?.split(',').map(Number), Number(values.spread ?? 0)),
  search: searchBench,
  startup: startupBench,
  web: webBench,
};
for (const [name, run] of Object.entries(benches)) {
  // `api` also runs `api-stack`: a name selects its own section and those named after it.
  if (only.length && !only.some((o) => name === o || name.startsWith(`${o}-`))) continue;
  console.log(`bench ${name}...`);
  const section = await run();
  writeSection(FILE, name, section);
  console.log(section);
}
