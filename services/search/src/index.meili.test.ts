import { randomUUID } from 'node:crypto';
import { Meilisearch } from 'meilisearch';
import { afterAll, describe, expect, it } from 'vitest';
import { searchBehaviour } from './behaviour.ts';
import { createMeiliIndex, MEILI_SETTINGS } from './index.meili.ts';

// `npm run test:meili`: the behaviour table of the embedded engine, run on a real Meilisearch. It fails
// when there is none to run on, rather than pass without having looked.
const url = process.env.MEILI_URL;
const apiKey = process.env.MEILI_MASTER_KEY ?? '';
if (!url)
  throw new Error('npm run test:meili needs MEILI_URL (and MEILI_MASTER_KEY) of a running Meilisearch');

const uid = `test_${randomUUID().replaceAll('-', '')}`;
const client = new Meilisearch({ host: url, apiKey });
afterAll(async () => {
  for (const index of [uid, `${uid}_rebuild`]) await client.deleteIndexIfExists(index);
});

describe('Meilisearch index', () => {
  it('applies and keeps the settings search depends on', async () => {
    await createMeiliIndex({ url, apiKey, index: uid });
    const settings = await client.index(uid).getSettings();
    expect(settings.rankingRules).toEqual(MEILI_SETTINGS.rankingRules);
    expect(settings.searchableAttributes).toEqual(MEILI_SETTINGS.searchableAttributes);
    expect([...(settings.filterableAttributes ?? [])].sort()).toEqual(
      [...MEILI_SETTINGS.filterableAttributes].sort(),
    );
    expect([...(settings.sortableAttributes ?? [])].sort()).toEqual(
      [...MEILI_SETTINGS.sortableAttributes].sort(),
    );
    expect(settings.typoTolerance).toMatchObject(MEILI_SETTINGS.typoTolerance);
  });
});

searchBehaviour('Meilisearch', () => createMeiliIndex({ url, apiKey, index: uid }));
