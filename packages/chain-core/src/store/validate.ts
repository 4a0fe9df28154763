import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import { type KvRange, MAX_KEY_LENGTH, type WriteBatch } from "./interface.js";

function bad(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.STORE_INVALID_ARGUMENT, message);
}

export function assertKey(key: unknown, label = "key"): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw bad(`${label}: expected Uint8Array`);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw bad(`${label}: length ${key.length} outside 1..${MAX_KEY_LENGTH}`);
  }
}

export function assertValue(value: unknown, label = "value"): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw bad(`${label}: expected Uint8Array`);
}

export function assertBatch(batch: unknown): asserts batch is WriteBatch {
  if (typeof batch !== "object" || batch === null) throw bad("batch: expected {put, del}");
  const { put, del } = batch as WriteBatch;
  // Checked in a plain loop, the messages built only for a failure: a block's batch holds thousands of
  // entries, and a label string per entry was a tenth of what a node allocated per committed tx.
  if (put !== undefined) {
    if (!Array.isArray(put)) throw bad("batch.put: expected an array of [key, value]");
    for (let i = 0; i < put.length; i++) {
      const kv = put[i];
      if (!Array.isArray(kv) || kv.length !== 2) throw bad(`batch.put[${i}]: expected [key, value]`);
      if (!isKey(kv[0])) assertKey(kv[0], `batch.put[${i}] key`);
      if (!(kv[1] instanceof Uint8Array)) assertValue(kv[1], `batch.put[${i}] value`);
    }
  }
  if (del !== undefined) {
    if (!Array.isArray(del)) throw bad("batch.del: expected an array of keys");
    for (let i = 0; i < del.length; i++) if (!isKey(del[i])) assertKey(del[i], `batch.del[${i}]`);
  }
}

function isKey(key: unknown): boolean {
  return key instanceof Uint8Array && key.length > 0 && key.length <= MAX_KEY_LENGTH;
}

export function assertRange(range: unknown): asserts range is KvRange {
  if (range === undefined) return;
  if (typeof range !== "object" || range === null) throw bad("range: expected an object");
  const r = range as KvRange;
  if (r.gte !== undefined && !(r.gte instanceof Uint8Array)) throw bad("range.gte: expected Uint8Array");
  if (r.lt !== undefined && !(r.lt instanceof Uint8Array)) throw bad("range.lt: expected Uint8Array");
  if (r.reverse !== undefined && typeof r.reverse !== "boolean") throw bad("range.reverse: expected boolean");
  if (r.limit !== undefined && (!Number.isSafeInteger(r.limit) || r.limit < 0)) {
    throw bad("range.limit: expected a non-negative integer");
  }
}

/** Copies into a plain Uint8Array (not a Buffer, not a view that a backend may reuse). */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
