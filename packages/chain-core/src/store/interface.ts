/**
 * The storage port of the node: an ordered byte key-value store with synchronous reads and atomic,
 * durable batch writes. Implementations: {@link MemoryKvStore} (simulator, tests) and
 * {@link LmdbKvStore} (the node). Typed repositories (signer state, WAL, blocks) sit on top of it.
 */

/** Longest key accepted (LMDB's default compile-time limit, so every backend behaves alike). */
export const MAX_KEY_LENGTH = 511;

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Keys in `[gte, lt)` in byte order (descending with `reverse`), at most `limit` of them. */
export interface KvRange {
  gte?: Uint8Array;
  lt?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** One atomic write: puts apply in order, then deletes. A key both put and deleted ends up deleted. */
export interface WriteBatch {
  put?: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  del?: readonly Uint8Array[];
}

export interface KvStore {
  /** The value under `key`, or undefined. Sees every write whose promise has resolved. */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Entries in key order over a consistent snapshot; consume promptly. */
  getRange(range?: KvRange): IterableIterator<KvEntry>;
  /**
   * Applies the whole batch or none of it; resolves only once it is on disk (survives a crash of the
   * process and, as far as the OS and disk report truthfully, of the machine).
   */
  write(batch: WriteBatch): Promise<void>;
  close(): Promise<void>;
}
