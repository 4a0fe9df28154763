/**
 * SM4 block cipher (GB/T 32907-2016 = GM/T 0002-2012), portable TypeScript, with ECB and CBC modes and
 * PKCS#7 padding. The round function uses four 256-entry tables (S-box followed by the linear map L), so
 * one block costs 32 rounds of four table look-ups.
 */
import { assertBytes, CryptoError } from "./bytes.js";

export const SM4_BLOCK_BYTES = 16;
export const SM4_KEY_BYTES = 16;

// biome-ignore format: the S-box reads best as the standard's 16x16 table.
const SBOX = new Uint8Array([
  0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
  0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
  0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
  0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
  0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
  0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
  0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
  0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
  0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
  0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
  0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
  0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
  0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
  0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
  0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
  0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
]);

const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc] as const;

/** CK[i] = bytes (28i + 7j) mod 256 for j = 0..3, big-endian. */
const CK = new Uint32Array(32);
for (let i = 0; i < 32; i++) {
  let w = 0;
  for (let j = 0; j < 4; j++) w = (w << 8) | (((4 * i + j) * 7) & 0xff);
  CK[i] = w >>> 0;
}

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** tau: the S-box on each byte of a word. */
function tau(x: number): number {
  return (
    (((SBOX[x >>> 24] as number) << 24) |
      ((SBOX[(x >>> 16) & 0xff] as number) << 16) |
      ((SBOX[(x >>> 8) & 0xff] as number) << 8) |
      (SBOX[x & 0xff] as number)) >>>
    0
  );
}

/** Round tables: T(x) = L(tau(x)) = T0[x>>>24] ^ T1[(x>>>16)&255] ^ T2[(x>>>8)&255] ^ T3[x&255]. */
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  const b = ((SBOX[i] as number) << 24) >>> 0;
  const l = (b ^ rotl(b, 2) ^ rotl(b, 10) ^ rotl(b, 18) ^ rotl(b, 24)) >>> 0;
  T0[i] = l;
  T1[i] = rotl(l, 24);
  T2[i] = rotl(l, 16);
  T3[i] = rotl(l, 8);
}

function checkKey(key: Uint8Array): void {
  assertBytes(key, "sm4 key", SM4_KEY_BYTES);
}

/** The 32 round keys rk[0..31] of the standard's key expansion (exposed for the annex vectors). */
export function sm4KeySchedule(key: Uint8Array): Uint32Array {
  checkKey(key);
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  let k0 = (view.getUint32(0) ^ FK[0]) >>> 0;
  let k1 = (view.getUint32(4) ^ FK[1]) >>> 0;
  let k2 = (view.getUint32(8) ^ FK[2]) >>> 0;
  let k3 = (view.getUint32(12) ^ FK[3]) >>> 0;
  const rk = new Uint32Array(32);
  for (let i = 0; i < 32; i++) {
    const b = tau((k1 ^ k2 ^ k3 ^ (CK[i] as number)) >>> 0);
    const k4 = (k0 ^ b ^ rotl(b, 13) ^ rotl(b, 23)) >>> 0;
    rk[i] = k4;
    k0 = k1;
    k1 = k2;
    k2 = k3;
    k3 = k4;
  }
  return rk;
}

/** One block through the 32 rounds with the given round keys (reversed keys decrypt). */
function cryptBlock(rk: Uint32Array, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
  let x0 =
    (((src[srcOff] as number) << 24) |
      ((src[srcOff + 1] as number) << 16) |
      ((src[srcOff + 2] as number) << 8) |
      (src[srcOff + 3] as number)) >>>
    0;
  let x1 =
    (((src[srcOff + 4] as number) << 24) |
      ((src[srcOff + 5] as number) << 16) |
      ((src[srcOff + 6] as number) << 8) |
      (src[srcOff + 7] as number)) >>>
    0;
  let x2 =
    (((src[srcOff + 8] as number) << 24) |
      ((src[srcOff + 9] as number) << 16) |
      ((src[srcOff + 10] as number) << 8) |
      (src[srcOff + 11] as number)) >>>
    0;
  let x3 =
    (((src[srcOff + 12] as number) << 24) |
      ((src[srcOff + 13] as number) << 16) |
      ((src[srcOff + 14] as number) << 8) |
      (src[srcOff + 15] as number)) >>>
    0;
  for (let i = 0; i < 32; i++) {
    const t = x1 ^ x2 ^ x3 ^ (rk[i] as number);
    const x4 =
      x0 ^
      (T0[t >>> 24] as number) ^
      (T1[(t >>> 16) & 0xff] as number) ^
      (T2[(t >>> 8) & 0xff] as number) ^
      (T3[t & 0xff] as number);
    x0 = x1;
    x1 = x2;
    x2 = x3;
    x3 = x4;
  }
  // Output (X35, X34, X33, X32).
  const out = [x3, x2, x1, x0];
  for (let j = 0; j < 4; j++) {
    const w = out[j] as number;
    dst[dstOff + 4 * j] = w >>> 24;
    dst[dstOff + 4 * j + 1] = (w >>> 16) & 0xff;
    dst[dstOff + 4 * j + 2] = (w >>> 8) & 0xff;
    dst[dstOff + 4 * j + 3] = w & 0xff;
  }
}

/**
 * The 32 round outputs X4..X35 of encrypting one block (for checking against the standard's annex A, which
 * lists them). Not part of the package's exports.
 */
export function sm4RoundOutputs(key: Uint8Array, block: Uint8Array): Uint32Array {
  assertBytes(block, "sm4 block", SM4_BLOCK_BYTES);
  const rk = sm4KeySchedule(key);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const x = [view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12)];
  const outs = new Uint32Array(32);
  for (let i = 0; i < 32; i++) {
    const t = ((x[i + 1] as number) ^ (x[i + 2] as number) ^ (x[i + 3] as number) ^ (rk[i] as number)) >>> 0;
    const l =
      (T0[t >>> 24] as number) ^
      (T1[(t >>> 16) & 0xff] as number) ^
      (T2[(t >>> 8) & 0xff] as number) ^
      (T3[t & 0xff] as number);
    const next = ((x[i] as number) ^ l) >>> 0;
    x.push(next);
    outs[i] = next;
  }
  return outs;
}

/** An expanded SM4 key, for many blocks under one key. */
export class Sm4 {
  private readonly enc: Uint32Array;
  private readonly dec: Uint32Array;

  constructor(key: Uint8Array) {
    this.enc = sm4KeySchedule(key);
    this.dec = this.enc.slice().reverse();
  }

  /** Encrypts one 16-byte block from src[srcOff] into dst[dstOff] (src and dst may be the same). */
  encryptBlockInto(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    cryptBlock(this.enc, src, srcOff, dst, dstOff);
  }

  decryptBlockInto(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    cryptBlock(this.dec, src, srcOff, dst, dstOff);
  }

  encryptBlock(block: Uint8Array): Uint8Array {
    assertBytes(block, "sm4 block", SM4_BLOCK_BYTES);
    const out = new Uint8Array(SM4_BLOCK_BYTES);
    cryptBlock(this.enc, block, 0, out, 0);
    return out;
  }

  decryptBlock(block: Uint8Array): Uint8Array {
    assertBytes(block, "sm4 block", SM4_BLOCK_BYTES);
    const out = new Uint8Array(SM4_BLOCK_BYTES);
    cryptBlock(this.dec, block, 0, out, 0);
    return out;
  }
}

/** SM4 of one block. */
export function sm4EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return new Sm4(key).encryptBlock(block);
}

export function sm4DecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  return new Sm4(key).decryptBlock(block);
}

export interface Sm4ModeOptions {
  /** PKCS#7 padding (default true). Without it the input must be a whole number of blocks. */
  padding?: boolean;
}

function wantPadding(opts: Sm4ModeOptions | undefined): boolean {
  if (opts === undefined) return true;
  if (opts === null || typeof opts !== "object") throw new TypeError("sm4 options: expected an object");
  if (opts.padding === undefined) return true;
  if (typeof opts.padding !== "boolean") throw new TypeError("sm4 options.padding: expected a boolean");
  return opts.padding;
}

/** PKCS#7: 1..16 bytes of value n, always added (a whole block when the input is block-aligned). */
function pad(data: Uint8Array): Uint8Array {
  const n = SM4_BLOCK_BYTES - (data.length % SM4_BLOCK_BYTES);
  const out = new Uint8Array(data.length + n);
  out.set(data, 0);
  out.fill(n, data.length);
  return out;
}

/** Strict PKCS#7 removal; any malformed padding is CRYPTO_DECRYPT_FAILED. */
function unpad(data: Uint8Array): Uint8Array {
  const n = data.length === 0 ? 0 : (data[data.length - 1] as number);
  let bad = n === 0 || n > SM4_BLOCK_BYTES || n > data.length ? 1 : 0;
  for (let i = 1; i <= SM4_BLOCK_BYTES && bad === 0; i++) {
    if (i <= n && data[data.length - i] !== n) bad = 1;
  }
  if (bad !== 0) throw new CryptoError("CRYPTO_DECRYPT_FAILED", "sm4: bad PKCS#7 padding");
  return data.subarray(0, data.length - n);
}

function checkWholeBlocks(data: Uint8Array, label: string, allowEmpty: boolean): void {
  if (data.length % SM4_BLOCK_BYTES !== 0 || (!allowEmpty && data.length === 0)) {
    throw new RangeError(
      `${label}: expected a non-zero multiple of ${SM4_BLOCK_BYTES} bytes, got ${data.length}`,
    );
  }
}

/** SM4-ECB encryption, PKCS#7-padded unless `padding: false`. */
export function sm4EncryptEcb(key: Uint8Array, data: Uint8Array, opts?: Sm4ModeOptions): Uint8Array {
  const cipher = new Sm4(key);
  assertBytes(data, "sm4 plaintext");
  const padded = wantPadding(opts);
  if (!padded) checkWholeBlocks(data, "sm4 plaintext", true);
  const out = padded ? pad(data) : new Uint8Array(data);
  for (let off = 0; off < out.length; off += SM4_BLOCK_BYTES) cipher.encryptBlockInto(out, off, out, off);
  return out;
}

/** SM4-ECB decryption; with padding (the default) a bad PKCS#7 tail throws CryptoError CRYPTO_DECRYPT_FAILED. */
export function sm4DecryptEcb(key: Uint8Array, data: Uint8Array, opts?: Sm4ModeOptions): Uint8Array {
  const cipher = new Sm4(key);
  assertBytes(data, "sm4 ciphertext");
  const padded = wantPadding(opts);
  checkWholeBlocks(data, "sm4 ciphertext", !padded);
  const out = new Uint8Array(data); // a copy even when data is a Buffer (whose slice is a view)
  for (let off = 0; off < out.length; off += SM4_BLOCK_BYTES) cipher.decryptBlockInto(out, off, out, off);
  return padded ? unpad(out) : out;
}

/** SM4-CBC encryption with a 16-byte IV, PKCS#7-padded unless `padding: false`. */
export function sm4EncryptCbc(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  opts?: Sm4ModeOptions,
): Uint8Array {
  const cipher = new Sm4(key);
  assertBytes(iv, "sm4 iv", SM4_BLOCK_BYTES);
  assertBytes(data, "sm4 plaintext");
  const padded = wantPadding(opts);
  if (!padded) checkWholeBlocks(data, "sm4 plaintext", true);
  const out = padded ? pad(data) : new Uint8Array(data);
  let prev: Uint8Array = iv;
  let prevOff = 0;
  for (let off = 0; off < out.length; off += SM4_BLOCK_BYTES) {
    for (let i = 0; i < SM4_BLOCK_BYTES; i++)
      out[off + i] = (out[off + i] as number) ^ (prev[prevOff + i] as number);
    cipher.encryptBlockInto(out, off, out, off);
    prev = out;
    prevOff = off;
  }
  return out;
}

export function sm4DecryptCbc(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  opts?: Sm4ModeOptions,
): Uint8Array {
  const cipher = new Sm4(key);
  assertBytes(iv, "sm4 iv", SM4_BLOCK_BYTES);
  assertBytes(data, "sm4 ciphertext");
  const padded = wantPadding(opts);
  checkWholeBlocks(data, "sm4 ciphertext", !padded);
  const out = new Uint8Array(data.length);
  for (let off = 0; off < data.length; off += SM4_BLOCK_BYTES) {
    cipher.decryptBlockInto(data, off, out, off);
    const prev = off === 0 ? iv : data;
    const prevOff = off === 0 ? 0 : off - SM4_BLOCK_BYTES;
    for (let i = 0; i < SM4_BLOCK_BYTES; i++)
      out[off + i] = (out[off + i] as number) ^ (prev[prevOff + i] as number);
  }
  return padded ? unpad(out) : out;
}
