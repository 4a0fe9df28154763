/**
 * HMAC (RFC 2104) and HKDF (RFC 5869) over the ledger's hash suites, SHA-256 or SM3, through
 * node:crypto. HKDF is written out over HMAC (rather than `crypto.hkdfSync`) so that it has no
 * limit on `info` and one code path for both hashes; RFC 5869 vectors and a cross-check against
 * @noble/hashes (with `sm3Portable` for SM3) are in test/unit/hmac.test.ts.
 */
import { createHmac } from "node:crypto";
import { assertBytes } from "./bytes.js";
import type { HashName } from "./hash.js";

/** Digest length in bytes of each hash suite (both are 32). */
const HASH_LEN: Readonly<Record<HashName, number>> = { sha256: 32, sm3: 32 };

function assertHashName(hash: unknown, label: string): asserts hash is HashName {
  if (typeof hash !== "string") throw new TypeError(`${label}: hash must be a string, got ${typeof hash}`);
  if (hash !== "sha256" && hash !== "sm3") throw new RangeError(`${label}: unknown hash "${hash}"`);
}

function rawHmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  const out = createHmac(hash, key).update(data).digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** HMAC-`hash`(key, data), 32 bytes. Any key length (longer than a block is hashed first, per RFC 2104). */
export function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  assertHashName(hash, "hmac");
  assertBytes(key, "hmac key");
  assertBytes(data, "hmac data");
  return rawHmac(hash, key, data);
}

/** HKDF-Extract: PRK = HMAC(salt, IKM); an empty salt means HashLen zero bytes (RFC 5869 §2.2). */
export function hkdfExtract(hash: HashName, ikm: Uint8Array, salt: Uint8Array): Uint8Array {
  assertHashName(hash, "hkdfExtract");
  assertBytes(ikm, "hkdf ikm");
  assertBytes(salt, "hkdf salt");
  return rawHmac(hash, salt.length === 0 ? new Uint8Array(HASH_LEN[hash]) : salt, ikm);
}

/** HKDF-Expand: the first `length` bytes of T(1) ‖ T(2) ‖ … (RFC 5869 §2.3); 1 ≤ length ≤ 255·HashLen. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  assertHashName(hash, "hkdfExpand");
  assertBytes(prk, "hkdf prk");
  assertBytes(info, "hkdf info");
  const hashLen = HASH_LEN[hash];
  if (typeof length !== "number") throw new TypeError(`hkdf length: expected number, got ${typeof length}`);
  if (!Number.isSafeInteger(length) || length < 1 || length > 255 * hashLen) {
    throw new RangeError(`hkdf length: must be an integer in [1, ${255 * hashLen}], got ${length}`);
  }
  const out = new Uint8Array(length);
  const counter = new Uint8Array(1);
  let prev = new Uint8Array(0);
  for (let i = 0, off = 0; off < length; i++) {
    counter[0] = i + 1;
    const t = createHmac(hash, prk).update(prev).update(info).update(counter).digest();
    prev = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
    out.set(prev.subarray(0, Math.min(hashLen, length - off)), off);
    off += hashLen;
  }
  return out;
}

/** HKDF (RFC 5869): Expand(Extract(salt, ikm), info, length). Salt and info may be empty. */
export function hkdf(
  hash: HashName,
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(hash, hkdfExtract(hash, ikm, salt), info, length);
}
