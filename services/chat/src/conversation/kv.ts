/**
 * The chat's one seam: a small key-value store with optimistic concurrency. The Dapr state store backs it
 * in the stack, SQLite in the embedded profile.
 */
export interface KeyValue {
  /** The value and its ETag, or null when the key is absent. */
  get(key: string): Promise<{ value: unknown; etag: string } | null>;
  /**
   * Writes the value if the stored ETag is still `etag` (null: only if the key is absent).
   * Answers false when someone else wrote in between.
   */
  set(key: string, value: unknown, etag: string | null): Promise<boolean>;
  close(): Promise<void>;
}
