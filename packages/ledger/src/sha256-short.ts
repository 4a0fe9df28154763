/**
 * SHA-256 (FIPS 180-4) in JavaScript for the short inputs the ledger hashes by the million: tree nodes
 * (65 bytes), keys, values, txs. Same digests as node:crypto's (tests compare them on random inputs of
 * every length up to the cut-off), but for a short input it is faster (node's per-call cost is ~1.5 µs)
 * and, above all, its 32-byte result lives on the JS heap: each node:crypto digest is a C++-allocated
 * buffer the garbage collector must track and free one by one, which dominated the node's GC time.
 * Longer inputs go to node:crypto, where its SHA-NI speed wins.
 */
import { sha256 as nativeSha256 } from "@tandem/crypto";

/** Inputs up to this many bytes are hashed here; longer ones by node:crypto. */
export const SHORT_SHA256_MAX = 512;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const W = new Int32Array(64);
const S = new Int32Array(8);
/** The last one or two blocks: the input's tail, the 0x80 marker, zeros and the bit length. */
const TAIL = new Uint8Array(128);

/** Runs the compression function on the 64-byte block of `b` at `off`, updating the state S. */
function compress(b: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) {
    const o = off + i * 4;
    w[i] =
      ((b[o] as number) << 24) |
      ((b[o + 1] as number) << 16) |
      ((b[o + 2] as number) << 8) |
      (b[o + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] as number;
    const y = w[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = S[0] as number;
  let b1 = S[1] as number;
  let c = S[2] as number;
  let d = S[3] as number;
  let e = S[4] as number;
  let f = S[5] as number;
  let g = S[6] as number;
  let h = S[7] as number;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + (K[i] as number) + (w[i] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b1) ^ (a & c) ^ (b1 & c);
    const t2 = (s0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  S[0] = ((S[0] as number) + a) | 0;
  S[1] = ((S[1] as number) + b1) | 0;
  S[2] = ((S[2] as number) + c) | 0;
  S[3] = ((S[3] as number) + d) | 0;
  S[4] = ((S[4] as number) + e) | 0;
  S[5] = ((S[5] as number) + f) | 0;
  S[6] = ((S[6] as number) + g) | 0;
  S[7] = ((S[7] as number) + h) | 0;
}

/** SHA-256 of `data`; JavaScript for inputs up to {@link SHORT_SHA256_MAX} bytes, node:crypto above. */
export function sha256Short(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array) || data.length > SHORT_SHA256_MAX) return nativeSha256(data);
  const n = data.length;
  S.set(IV);
  const full = n - (n % 64);
  for (let off = 0; off < full; off += 64) compress(data, off);
  const rest = n - full;
  const tail = TAIL;
  tail.fill(0);
  for (let i = 0; i < rest; i++) tail[i] = data[full + i] as number;
  tail[rest] = 0x80;
  const blocks = rest + 9 <= 64 ? 1 : 2;
  const end = blocks * 64;
  // Bit length, big-endian in the last 8 bytes (inputs here are far below 2^32 bits).
  const bits = n * 8;
  tail[end - 4] = bits >>> 24;
  tail[end - 3] = (bits >>> 16) & 0xff;
  tail[end - 2] = (bits >>> 8) & 0xff;
  tail[end - 1] = bits & 0xff;
  compress(tail, 0);
  if (blocks === 2) compress(tail, 64);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = S[i] as number;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
  return out;
}
