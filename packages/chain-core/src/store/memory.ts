import { compareBytes } from "@tandem/crypto";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { KvEntry, KvRange, KvStore, WriteBatch } from "./interface.js";
import { assertBatch, assertKey, assertRange, copyBytes } from "./validate.js";

/**
 * What a {@link MemoryKvStore} has "on disk": sorted entries that outlive the store object, so a
 * simulated node can crash, lose its memory (and its un-flushed writes) and reopen the same data.
 */
export class MemoryDisk {
  /** Sorted by key. */
  readonly entries: KvEntry[] = [];

  /** Index of the first entry with key ≥ `key`. */
  lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes((this.entries[mid] as KvEntry).key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const i = this.lowerBound(key);
    const e = this.entries[i];
    return e !== undefined && compareBytes(e.key, key) === 0 ? e.value : undefined;
  }

  apply(batch: WriteBatch): void {
    for (const [k, v] of batch.put ?? []) {
      const i = this.lowerBound(k);
      const e = this.entries[i];
      if (e !== undefined && compareBytes(e.key, k) === 0) this.entries[i] = { key: e.key, value: v };
      else this.entries.splice(i, 0, { key: k, value: v });
    }
    for (const k of batch.del ?? []) {
      const i = this.lowerBound(k);
      const e = this.entries[i];
      if (e !== undefined && compareBytes(e.key, k) === 0) this.entries.splice(i, 1);
    }
  }

  /** Total bytes of keys and values (for tests and the simulator's accounting). */
  size(): number {
    let n = 0;
    for (const e of this.entries) n += e.key.length + e.value.length;
    return n;
  }
}

export interface MemoryKvStoreOptions {
  /**
   * `auto` (default): a write reaches the disk on the next microtask, then its promise resolves.
   * `manual`: writes stay pending until {@link MemoryKvStore.flush}, so a test can crash in between.
   */
  flush?: "auto" | "manual";
}

export const defaultMemoryKvStoreOptions: Required<MemoryKvStoreOptions> = { flush: "auto" };

interface Pending {
  batch: WriteBatch;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * In-memory {@link KvStore}. Reads see only flushed writes (what is on the {@link MemoryDisk}); a write
 * is applied atomically at flush time. {@link crash} drops pending writes, like a killed process.
 */
export class MemoryKvStore implements KvStore {
  private pending: Pending[] = [];
  private closed = false;
  private flushScheduled = false;
  private readonly opts: Required<MemoryKvStoreOptions>;

  private constructor(
    readonly disk: MemoryDisk,
    opts: MemoryKvStoreOptions,
  ) {
    this.opts = { ...defaultMemoryKvStoreOptions, ...opts };
  }

  /** Opens a store over `disk` (a fresh empty disk by default). */
  static open(disk: MemoryDisk = new MemoryDisk(), opts: MemoryKvStoreOptions = {}): MemoryKvStore {
    return new MemoryKvStore(disk, opts);
  }

  private assertOpen(): void {
    if (this.closed) throw new ChainCoreError(ChainCoreErrorCode.STORE_CLOSED, "store is closed");
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    assertKey(key);
    const v = this.disk.get(key);
    return v === undefined ? undefined : copyBytes(v);
  }

  getRange(range: KvRange = {}): IterableIterator<KvEntry> {
    this.assertOpen();
    assertRange(range);
    const entries = this.disk.entries;
    const start = range.gte === undefined ? 0 : this.disk.lowerBound(range.gte);
    const end = range.lt === undefined ? entries.length : this.disk.lowerBound(range.lt);
    let slice = start < end ? entries.slice(start, end) : [];
    if (range.reverse === true) slice.reverse();
    if (range.limit !== undefined) slice = slice.slice(0, range.limit);
    // A materialised snapshot: later writes do not show up in an iteration already started.
    return slice.map((e) => ({ key: copyBytes(e.key), value: copyBytes(e.value) }))[Symbol.iterator]();
  }

  write(batch: WriteBatch): Promise<void> {
    try {
      this.assertOpen();
      assertBatch(batch);
    } catch (e) {
      return Promise.reject(e);
    }
    const copy: WriteBatch = {
      put: (batch.put ?? []).map(([k, v]) => [copyBytes(k), copyBytes(v)] as const),
      del: (batch.del ?? []).map(copyBytes),
    };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ batch: copy, resolve, reject });
      if (this.opts.flush === "auto" && !this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Applies every pending write to the disk, in order, and resolves their promises. */
  flush(): void {
    const batches = this.pending;
    this.pending = [];
    for (const p of batches) this.disk.apply(p.batch);
    for (const p of batches) p.resolve();
  }

  /** Number of writes not yet on the disk. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  /** Simulates a kill -9: pending writes are lost (their promises reject) and the store is unusable. */
  crash(): void {
    const lost = this.pending;
    this.pending = [];
    this.closed = true;
    for (const p of lost) p.reject(new ChainCoreError(ChainCoreErrorCode.STORE_CLOSED, "store crashed"));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
}
