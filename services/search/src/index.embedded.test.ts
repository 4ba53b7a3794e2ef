import { searchBehaviour } from './behaviour.ts';
import { createEmbeddedIndex } from './index.embedded.ts';

searchBehaviour('embedded engine', async () => createEmbeddedIndex());
