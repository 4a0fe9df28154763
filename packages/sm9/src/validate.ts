/** Input checks shared by the schemes (TypeError for types, RangeError for lengths, Sm9Error for values). */
import { assertBytes, bytesToBigInt, randomBytes } from "@tandem/crypto";
import { Sm9Error, Sm9ErrorCode } from "./errors.js";
import { N, SCALAR_BYTES } from "./params.js";

export function checkBytes(value: unknown, label: string, length?: number): asserts value is Uint8Array {
  assertBytes(value, label, length);
}

export function checkHid(hid: unknown, label = "hid"): number {
  if (typeof hid !== "number" || !Number.isInteger(hid)) throw new TypeError(`${label}: expected an integer`);
  if (hid < 0 || hid > 0xff) throw new RangeError(`${label}: expected one byte (0..255), got ${hid}`);
  return hid;
}

/** A key or shared-secret length in bytes: a positive integer the KDF can produce. */
export function checkKlen(klen: unknown, label = "klen"): number {
  if (typeof klen !== "number" || !Number.isInteger(klen))
    throw new TypeError(`${label}: expected an integer`);
  if (klen < 1 || klen > 0xffffffff * 32) throw new RangeError(`${label}: expected 1..(2^32-1)*32 bytes`);
  return klen;
}

/** 32-byte big-endian scalar in [1, N-1]. */
export function decodeScalar(bytes: unknown, label: string): bigint {
  checkBytes(bytes, label, SCALAR_BYTES);
  const k = bytesToBigInt(bytes);
  if (k < 1n || k >= N) throw new Sm9Error(Sm9ErrorCode.BAD_SCALAR, `${label}: not in [1, N-1]`);
  return k;
}

/** Uniform scalar in [1, N-1] from the CSPRNG (rejection sampling of 32-byte strings). */
export function randomScalar(): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(SCALAR_BYTES));
    if (k >= 1n && k < N) return k;
  }
}

/** True when every byte is zero (constant time in the length only). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] as number;
  return acc === 0;
}

export function checkOptions(opts: unknown, label: string): Record<string, unknown> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== "object") throw new TypeError(`${label}: expected an options object`);
  return opts as Record<string, unknown>;
}
