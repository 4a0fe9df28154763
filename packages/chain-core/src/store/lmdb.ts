import { open, type RootDatabase } from "lmdb";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { KvEntry, KvRange, KvStore, WriteBatch } from "./interface.js";
import { assertBatch, assertKey, assertRange } from "./validate.js";

/**
 * How a write is made durable. Both are durable (LMDB's default sync); they differ in when the
 * commit happens relative to the fsync. Measured in bench/lmdb-durability.ts.
 * - `overlapping` (default): lmdb-js `overlappingSync` (its Linux default). The transaction commits and
 *   becomes visible, the fsync overlaps the next transactions, and `write` resolves after `db.flushed`.
 * - `sync-commit`: `overlappingSync: false`; the commit itself fsyncs before the transaction resolves.
 * Never `noSync`, `noMetaSync`, `mapAsync` or `useWritemap` (reference/reliability.md §C.1).
 */
export type LmdbDurability = "overlapping" | "sync-commit";

export interface LmdbKvStoreOptions {
  /** Directory of the environment (created if missing). */
  path: string;
  durability?: LmdbDurability;
  /** Initial map size in bytes (LMDB grows it on demand in lmdb-js). */
  mapSize?: number;
}

export const defaultLmdbKvStoreOptions = {
  durability: "overlapping" as LmdbDurability,
};

function toU8(b: Uint8Array): Uint8Array {
  // lmdb returns Buffers; hand out plain Uint8Arrays that own their memory.
  return new Uint8Array(b);
}

/** {@link KvStore} on an LMDB environment (the `lmdb` package), keys and values as raw bytes. */
export class LmdbKvStore implements KvStore {
  private closed = false;

  private constructor(
    private readonly db: RootDatabase<Uint8Array, Uint8Array>,
    readonly durability: LmdbDurability,
  ) {}

  static async open(opts: LmdbKvStoreOptions): Promise<LmdbKvStore> {
    if (typeof opts !== "object" || opts === null || typeof opts.path !== "string" || opts.path === "") {
      throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "LmdbKvStore: path is required");
    }
    const durability = opts.durability ?? defaultLmdbKvStoreOptions.durability;
    if (durability !== "overlapping" && durability !== "sync-commit") {
      throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, `LmdbKvStore: unknown durability`, {
        durability,
      });
    }
    const db = open<Uint8Array, Uint8Array>({
      path: opts.path,
      encoding: "binary",
      keyEncoding: "binary",
      overlappingSync: durability === "overlapping",
      ...(opts.mapSize === undefined ? {} : { mapSize: opts.mapSize }),
    });
    return new LmdbKvStore(db, durability);
  }

  private assertOpen(): void {
    if (this.closed) throw new ChainCoreError(ChainCoreErrorCode.STORE_CLOSED, "store is closed");
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    assertKey(key);
    const v = this.db.get(key);
    return v === undefined ? undefined : toU8(v);
  }

  getRange(range: KvRange = {}): IterableIterator<KvEntry> {
    this.assertOpen();
    assertRange(range);
    return this.scan(range);
  }

  private *scan(range: KvRange): IterableIterator<KvEntry> {
    if (range.limit === 0) return;
    const { gte, lt } = range;
    // lmdb-js: `start` is inclusive and `end` exclusive in both directions, so a reverse scan of
    // [gte, lt) starts at `lt` (excluded) and ends at `gte` (included).
    const opts =
      range.reverse === true
        ? {
            reverse: true,
            ...(lt === undefined ? {} : { start: lt, exclusiveStart: true }),
            ...(gte === undefined ? {} : { end: gte, inclusiveEnd: true }),
          }
        : { ...(gte === undefined ? {} : { start: gte }), ...(lt === undefined ? {} : { end: lt }) };
    if (gte !== undefined && lt !== undefined && Buffer.compare(gte, lt) >= 0) return;
    const it = this.db.getRange({ ...opts, ...(range.limit === undefined ? {} : { limit: range.limit }) });
    for (const e of it) yield { key: toU8(e.key), value: toU8(e.value) };
  }

  async write(batch: WriteBatch): Promise<void> {
    this.assertOpen();
    assertBatch(batch);
    const puts = batch.put ?? [];
    const dels = batch.del ?? [];
    await this.db.transaction(() => {
      for (const [k, v] of puts) this.db.putSync(k, v);
      for (const k of dels) this.db.removeSync(k);
    });
    if (this.durability === "overlapping") await this.db.flushed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.flushed;
    await this.db.close();
  }
}
