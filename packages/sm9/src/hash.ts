/** The SM9 hash functions H1/H2 and the SM3 key derivation function (GM/T 0044-2016 part 2, 5.3-5.4). */
import { bigIntToBytes, bytesToBigInt, sm3 } from "@tandem/crypto";
import { N } from "./params.js";

const HLEN_BYTES = 40; // hlen = 8 * ceil(5 * log2(N) / 32) bits = 320 bits

/**
 * Hn(Z) = (Ha mod (N-1)) + 1 where Ha is the first 40 bytes of SM3(n||Z||00000001) || SM3(n||Z||00000002).
 * `n` is 0x01 for H1 and 0x02 for H2.
 */
function hashToRange(n: number, z: Uint8Array): bigint {
  const buf = new Uint8Array(1 + z.length + 4);
  buf[0] = n;
  buf.set(z, 1);
  const ctOff = 1 + z.length;
  buf[ctOff + 3] = 1;
  const ha1 = sm3(buf);
  buf[ctOff + 3] = 2;
  const ha2 = sm3(buf);
  const ha = new Uint8Array(HLEN_BYTES);
  ha.set(ha1, 0);
  ha.set(ha2.subarray(0, HLEN_BYTES - 32), 32);
  return (bytesToBigInt(ha) % (N - 1n)) + 1n;
}

/** H1(ID || hid) in [1, N-1]. */
export function h1(id: Uint8Array, hid: number): bigint {
  const z = new Uint8Array(id.length + 1);
  z.set(id, 0);
  z[id.length] = hid;
  return hashToRange(0x01, z);
}

/** H2(Z) in [1, N-1] (Z = M || w for signatures). */
export function h2(z: Uint8Array): bigint {
  return hashToRange(0x02, z);
}

/** H2(M || w) without concatenating a copy of a large M first. */
export function h2MessageW(message: Uint8Array, w: Uint8Array): bigint {
  const z = new Uint8Array(message.length + w.length);
  z.set(message, 0);
  z.set(w, message.length);
  return hashToRange(0x02, z);
}

/** Largest klen (bytes) the KDF allows: (2^32 - 1) blocks of 32 bytes. */
export const KDF_MAX_BYTES = 0xffffffff * 32;

/**
 * KDF(Z, klen) = first klen bytes of SM3(Z || ct) for ct = 1, 2, ... (32-bit big-endian counter).
 * Every block hashes the whole of Z || ct: no shortcut that depends on len(Z) mod 64.
 */
export function kdf(z: Uint8Array, klenBytes: number): Uint8Array {
  if (!Number.isSafeInteger(klenBytes) || klenBytes < 0 || klenBytes > KDF_MAX_BYTES) {
    throw new RangeError(`kdf: bad output length ${klenBytes}`);
  }
  const out = new Uint8Array(klenBytes);
  const buf = new Uint8Array(z.length + 4);
  buf.set(z, 0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  for (let ct = 1; off < klenBytes; ct++) {
    view.setUint32(z.length, ct >>> 0, false);
    const block = sm3(buf);
    const take = Math.min(32, klenBytes - off);
    out.set(take === 32 ? block : block.subarray(0, take), off);
    off += take;
  }
  return out;
}

/** 32-byte big-endian encoding of a scalar. */
export function scalarToBytes(k: bigint): Uint8Array {
  return bigIntToBytes(k, 32);
}
