import { randomBytes as nodeRandomBytes, timingSafeEqual } from "node:crypto";

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Checks that `value` is a Uint8Array (of `length` bytes when given); throws a labelled TypeError/RangeError. */
export function assertBytes(value: unknown, label = "bytes", length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${label}: expected Uint8Array, got ${value === null ? "null" : typeof value}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${label}: expected ${length} bytes, got ${value.length}`);
  }
}

/** Parses hex (optionally 0x-prefixed, even length, any case) into bytes; throws a labelled error on bad input. */
export function hexToBytes(hex: string, label = "hex"): Uint8Array {
  if (typeof hex !== "string") throw new TypeError(`${label}: expected hex string, got ${typeof hex}`);
  const body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (!HEX_RE.test(body)) throw new RangeError(`${label}: not an even-length hex string`);
  return new Uint8Array(Buffer.from(body, "hex"));
}

/** Lower-case hex without prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  assertBytes(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) {
    assertBytes(p, "concatBytes part");
    len += p.length;
  }
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Constant-time equality: time depends only on the lengths, never on where the bytes differ.
 * Different lengths compare unequal (lengths are not secret here).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, "a");
  assertBytes(b, "b");
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return timingSafeEqual(a, b);
}

/** Lexicographic byte order: negative, zero or positive like a comparator. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function utf8ToBytes(s: string): Uint8Array {
  if (typeof s !== "string") throw new TypeError(`utf8ToBytes: expected string, got ${typeof s}`);
  return new TextEncoder().encode(s);
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8 decode: invalid sequences throw a TypeError. */
export function bytesToUtf8(bytes: Uint8Array): string {
  assertBytes(bytes);
  return utf8Decoder.decode(bytes);
}

/** Bytes from the operating system's CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`randomBytes: bad length ${n}`);
  return new Uint8Array(nodeRandomBytes(n));
}

/** Big-endian unsigned integer from bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  assertBytes(bytes);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** Big-endian, left-padded to `length` bytes; throws RangeError if it does not fit or is negative. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError("bigIntToBytes: negative value");
  const hex = value.toString(16).padStart(length * 2, "0");
  if (hex.length > length * 2) throw new RangeError(`bigIntToBytes: value does not fit in ${length} bytes`);
  return hexToBytes(hex);
}
