/**
 * Canonical encodings of the state's own values and store records, on the ledger's {@link Writer} and
 * {@link Reader} (big-endian integers, shortest LEB128 lengths, no trailing bytes). Stored bytes that do
 * not decode are STATE_CORRUPT: only this code writes them.
 *
 *   account        = u64 nextNonce
 *   amount         = u128 (balances and supplies)
 *   height record  = stateRoot 32 ‖ resultsRoot 32 ‖ nextValidatorsHash 32 ‖ u32 txCount
 *   meta           = u64 height ‖ stateRoot 32
 *   events         = LEB128 n ‖ n × (string type ‖ LEB128 m ‖ m × (string key ‖ string value))
 *   block results  = LEB128 n ‖ n × (string code ‖ bytes data ‖ u64 gasUsed ‖ events) ‖ events (block)
 */
import {
  decodeExact,
  HASH_LENGTH,
  LedgerError,
  MAX_TX_RESULT_DATA,
  type Reader,
  Writer,
} from "@tandem/ledger";
import { StateErrorCode, stateError } from "./errors.js";
import type { HeightRecord, StateEvent, StoredBlockResults } from "./interface.js";

/** Longest event type and attribute key (bytes of UTF-8). */
export const MAX_EVENT_NAME_BYTES = 64;
/** Longest attribute value. */
export const MAX_EVENT_VALUE_BYTES = 1024;
/** Most attributes of one event. */
export const MAX_EVENT_ATTRIBUTES = 32;
/** Most events of one tx. */
export const MAX_EVENTS = 256;
/** Most events of one block's begin-block and end-block hooks together. */
export const MAX_BLOCK_EVENTS = 10_000;

function corrupt(what: string, cause: unknown): never {
  throw stateError(StateErrorCode.CORRUPT, `stored ${what} does not decode`, {
    what,
    reason: cause instanceof LedgerError ? cause.code : String(cause),
  });
}

function decodeStored<T>(bytes: Uint8Array, what: string, read: (r: Reader) => T): T {
  try {
    return decodeExact(bytes, read, what);
  } catch (e) {
    return corrupt(what, e);
  }
}

// Hot-path forms of the account and amount codecs (same bytes; no reader or writer objects).
const U64_MASK = (1n << 64n) - 1n;

function u32(v: Uint8Array, o: number): number {
  return (
    (v[o] as number) * 0x1000000 +
    (((v[o + 1] as number) << 16) | ((v[o + 2] as number) << 8) | (v[o + 3] as number))
  );
}

/** A stored u128 amount (16 bytes, big-endian), or undefined when it is not 16 bytes. */
export function readAmount(v: Uint8Array): bigint | undefined {
  if (v.length !== 16) return undefined;
  // Below 2^53 (every realistic balance): one number, one bigint.
  if (u32(v, 0) === 0 && u32(v, 4) === 0 && u32(v, 8) <= 0x1f_ffff)
    return BigInt(u32(v, 8) * 0x1_0000_0000 + u32(v, 12));
  const dv = new DataView(v.buffer, v.byteOffset, 16);
  return (dv.getBigUint64(0) << 64n) | dv.getBigUint64(8);
}

/** Writes `n` (a safe integer ≥ 0) as a big-endian u64 at `o`. */
function putU64(out: Uint8Array, o: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000);
  const lo = n >>> 0;
  out[o + 1] = hi >>> 16;
  out[o + 2] = (hi >>> 8) & 0xff;
  out[o + 3] = hi & 0xff;
  out[o + 4] = lo >>> 24;
  out[o + 5] = (lo >>> 16) & 0xff;
  out[o + 6] = (lo >>> 8) & 0xff;
  out[o + 7] = lo & 0xff;
}

/** The stored form of an amount (the bytes of `encodeAmount`). */
export function writeAmount(a: bigint): Uint8Array {
  const out = new Uint8Array(16);
  if (a <= 0x1f_ffff_ffff_ffffn) {
    putU64(out, 8, Number(a));
    return out;
  }
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, a >> 64n);
  dv.setBigUint64(8, a & U64_MASK);
  return out;
}

/** The stored form of an account nonce (the bytes of `encodeAccountNonce`). */
export function writeNonce(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) return encodeAccountNonce(n);
  const out = new Uint8Array(8);
  putU64(out, 0, n);
  return out;
}

/** `decodeAccountNonce` without its reader for the usual 8-byte safe value (anything else: the codec). */
export function readNonce(v: Uint8Array): number {
  if (v.length !== 8 || (v[0] as number) !== 0 || (v[1] as number) > 0x1f) return decodeAccountNonce(v);
  return u32(v, 0) * 0x1_0000_0000 + u32(v, 4);
}

export function encodeAccountNonce(nonce: number): Uint8Array {
  return new Writer(8).u64(nonce).finish();
}

export function decodeAccountNonce(bytes: Uint8Array): number {
  return decodeStored(bytes, "account", (r) => r.u64("nonce"));
}

export function encodeAmount(amount: bigint): Uint8Array {
  return new Writer(16).u128(amount).finish();
}

export function decodeAmount(bytes: Uint8Array): bigint {
  return decodeStored(bytes, "amount", (r) => r.u128("amount"));
}

export function encodeU64(n: number): Uint8Array {
  return new Writer(8).u64(n).finish();
}

export function decodeU64(bytes: Uint8Array, what: string): number {
  return decodeStored(bytes, what, (r) => r.u64(what));
}

export function encodeIdList(ids: readonly number[]): Uint8Array {
  const w = new Writer(4 + ids.length * 8);
  w.varint(ids.length);
  for (const id of ids) w.u64(id);
  return w.finish();
}

export function decodeIdList(bytes: Uint8Array, what: string): number[] {
  return decodeStored(bytes, what, (r) => r.array(1_000_000, 8, (rr) => rr.u64("id"), what));
}

export function encodeHeightRecord(rec: HeightRecord): Uint8Array {
  const w = new Writer(100);
  w.fixed(rec.stateRoot, HASH_LENGTH, "stateRoot");
  w.fixed(rec.resultsRoot, HASH_LENGTH, "resultsRoot");
  w.fixed(rec.nextValidatorsHash, HASH_LENGTH, "nextValidatorsHash");
  w.u32(rec.txCount);
  return w.finish();
}

export function decodeHeightRecord(height: number, bytes: Uint8Array): HeightRecord {
  return decodeStored(bytes, "height record", (r) => ({
    height,
    stateRoot: r.fixed(HASH_LENGTH, "stateRoot"),
    resultsRoot: r.fixed(HASH_LENGTH, "resultsRoot"),
    nextValidatorsHash: r.fixed(HASH_LENGTH, "nextValidatorsHash"),
    txCount: r.u32("txCount"),
  }));
}

export interface StateMeta {
  readonly height: number;
  readonly stateRoot: Uint8Array;
}

export function encodeMeta(meta: StateMeta): Uint8Array {
  return new Writer(40).u64(meta.height).fixed(meta.stateRoot, HASH_LENGTH, "stateRoot").finish();
}

export function decodeMeta(bytes: Uint8Array): StateMeta {
  return decodeStored(bytes, "meta", (r) => ({
    height: r.u64("height"),
    stateRoot: r.fixed(HASH_LENGTH, "root"),
  }));
}

/** Throws TypeError/RangeError for an event that breaks the size rules (a module bug). */
export function assertEvent(type: unknown, attributes: unknown): void {
  if (typeof type !== "string" || type.length === 0 || Buffer.byteLength(type) > MAX_EVENT_NAME_BYTES) {
    throw new RangeError(`event type must be 1..${MAX_EVENT_NAME_BYTES} bytes`);
  }
  if (!Array.isArray(attributes)) throw new TypeError("event attributes must be an array");
  if (attributes.length > MAX_EVENT_ATTRIBUTES) throw new RangeError("too many event attributes");
  for (const a of attributes) {
    if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== "string" || typeof a[1] !== "string") {
      throw new TypeError("event attribute must be [string, string]");
    }
    if (Buffer.byteLength(a[0]) > MAX_EVENT_NAME_BYTES || Buffer.byteLength(a[1]) > MAX_EVENT_VALUE_BYTES) {
      throw new RangeError("event attribute too long");
    }
  }
}

function writeEvents(w: Writer, events: readonly StateEvent[]): void {
  w.varint(events.length);
  for (const e of events) {
    w.string(e.type, MAX_EVENT_NAME_BYTES, "event.type");
    w.varint(e.attributes.length);
    for (const [k, v] of e.attributes) {
      w.string(k, MAX_EVENT_NAME_BYTES, "event.key");
      w.string(v, MAX_EVENT_VALUE_BYTES, "event.value");
    }
  }
}

function readEvents(r: Reader, max: number): StateEvent[] {
  return r.array(
    max,
    2,
    (rr) => {
      const type = rr.string(MAX_EVENT_NAME_BYTES, "event.type");
      const attributes = rr.array(
        MAX_EVENT_ATTRIBUTES,
        2,
        (ra) =>
          [
            ra.string(MAX_EVENT_NAME_BYTES, "event.key"),
            ra.string(MAX_EVENT_VALUE_BYTES, "event.value"),
          ] as const,
        "attributes",
      );
      return { type, attributes };
    },
    "events",
  );
}

export function encodeBlockResults(res: StoredBlockResults): Uint8Array {
  const w = new Writer(64 + res.results.length * 64);
  w.varint(res.results.length);
  for (const r of res.results) {
    w.string(r.code, 64, "code");
    w.bytes(r.data, MAX_TX_RESULT_DATA, "data");
    w.u64(r.gasUsed);
    writeEvents(w, r.events);
  }
  writeEvents(w, res.events);
  return w.finish();
}

export function decodeBlockResults(bytes: Uint8Array): StoredBlockResults {
  return decodeStored(bytes, "block results", (r) => {
    const results = r.array(
      1_000_000,
      4,
      (rr) => ({
        code: rr.string(64, "code"),
        data: rr.bytes(MAX_TX_RESULT_DATA, "data"),
        gasUsed: rr.u64("gasUsed"),
        events: readEvents(rr, MAX_EVENTS),
      }),
      "results",
    );
    return { results, events: readEvents(r, MAX_BLOCK_EVENTS) };
  });
}
