import { apiBench } from './api.ts';
import { writeSection } from './lib.ts';
import { remindersBench } from './reminders.ts';
import { searchBench } from './search.ts';
import { webBench } from './web.ts';

// `npm run bench`: runs each benchmark and replaces its section of docs/benchmarks.md.
const FILE = 'docs/benchmarks.md';
const benches: Record<string, () => Promise<string>> = {
  api: apiBench,
  reminders: remindersBench,
  search: searchBench,
  web: webBench,
};
const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`bench ${name}...`);
  const section = await run();
  writeSection(FILE, name, section);
  console.log(section);
}
