import { apiStackBench } from './api-stack.ts';
import { apiBench } from './api.ts';
import { writeSection } from './lib.ts';
import { remindersBench } from './reminders.ts';
import { searchBench } from './search.ts';
import { startupBench } from './startup.ts';
import { webBench } from './web.ts';

// `npm run bench`: runs each benchmark and replaces its section of docs/benchmarks.md.
const FILE = 'docs/benchmarks.md';
const benches: Record<string, () => Promise<string>> = {
  api: apiBench,
  'api-stack': apiStackBench,
  reminders: remindersBench,
  search: searchBench,
  startup: startupBench,
  web: webBench,
};
const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  // `api` also runs `api-stack`: a name selects its own section and those named after it.
  if (only.length && !only.some((o) => name === o || name.startsWith(`${o}-`))) continue;
  console.log(`bench ${name}...`);
  const section = await run();
  writeSection(FILE, name, section);
  console.log(section);
}
