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

/** Stable codes of {@link CryptoError}; wire-stable strings, never renamed. */
export type CryptoErrorCode =
  /** Authenticated decryption failed: wrong key, wrong AAD, or tampered/truncated ciphertext. */
  | "CRYPTO_DECRYPT_FAILED"
  /** A Diffie-Hellman peer key of small order (the shared secret would be all zero). */
  | "CRYPTO_SMALL_ORDER_KEY";

/**
 * A failure that depends on data from outside (a ciphertext, a peer's key), as opposed to a
 * programming error (wrong type or length: TypeError/RangeError). Carries a stable `code`.
 */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CryptoError";
    this.code = code;
  }
}

/**
 * A least-recently-used map keyed by byte strings (e.g. public keys → parsed key objects).
 * The key is copied into a string, so callers may reuse or mutate their buffers afterwards.
 */
export class BytesKeyedLru<V> {
  readonly capacity: number;
  private readonly map = new Map<string, V>();

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`BytesKeyedLru: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.map.size;
  }

  /**
   * The value for `key`, marking it most recently used; on a miss `create(key)` is called and its
   * result stored, unless it is `undefined` (nothing is cached for keys that cannot be parsed).
   */
  getOrCreate(key: Uint8Array, create: (key: Uint8Array) => V | undefined): V | undefined {
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
    const hit = this.map.get(k);
    if (hit !== undefined) {
      this.map.delete(k);
      this.map.set(k, hit);
      return hit;
    }
    const value = create(key);
    if (value === undefined) return undefined;
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(k, value);
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}
