// Types what tests/setup/global.ts provides, so `inject('mongoUrl')` is a string.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the run's MongoDB-wire server (FerretDB, or MONGO_URL when set). */
    mongoUrl: string;
  }
}
