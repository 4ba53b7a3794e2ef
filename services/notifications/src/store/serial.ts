/**
 * Runs calls that share a key one after another, in the order they were made; calls with other keys run
 * alongside. A call that fails does not hold up the next one.
 */
export function serialByKey() {
  const tails = new Map<string, Promise<unknown>>();
  return function run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.catch(() => {});
    tails.set(key, tail);
    // The last call of a key leaves no entry behind.
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return result;
  };
}
