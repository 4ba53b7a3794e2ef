// Types what tests/stack/global.ts provides, so `inject('stack')` is typed.
import 'vitest';
import type { StackTestInfo } from './global.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running stack (ports, tokens, dirs) and the tests' probe apps beside it. */
    stack: StackTestInfo;
  }
}
