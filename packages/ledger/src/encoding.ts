/**
 * The canonical binary encoding shared by every signed or hashed ledger structure.
 *
 * Rules (one encoding per value; the {@link Reader} rejects every other byte string):
 * - Fixed-width unsigned integers are big-endian: u8, u16, u32, u64, u128. A u64 read as a JS `number`
 *   must be ≤ 2^53 − 1 (heights, times, nonces, indices); `u64Big`/`u128` read as `bigint`.
 * - Lengths and element counts are unsigned LEB128 in their shortest form (no trailing 0x00 group,
 *   at most 5 bytes, value ≤ 2^32 − 1), then bounded by the field's own maximum.
 * - Byte strings: LEB128 length ‖ bytes; fixed-size fields (hashes, keys, addresses) carry no length.
 * - Strings: LEB128 byte length ‖ well-formed UTF-8 (a lone surrogate cannot be encoded; invalid UTF-8
 *   cannot be decoded).
 * - Booleans and optional-field tags: one byte, exactly 0x00 or 0x01.
 * - Arrays: LEB128 count ‖ elements, count bounded by the field's maximum; a count that could not fit
 *   in the remaining input is rejected before anything is allocated.
 * - A structure is decoded completely or not at all: bytes after it are DECODE_TRAILING_BYTES.
 *
 * The Writer grows a single buffer and can be reused (`reset`), so encoders allocate one output array.
 */
import { LedgerError, LedgerErrorCode } from "./errors.js";

const TWO_32 = 0x1_0000_0000;
const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const MASK_64 = U64_MAX;
const SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** Largest value a LEB128 length or count may take. */
export const MAX_VARINT = 0xffff_ffff;

const textEncoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is kept as a character (else EF BB BF would decode to nothing and break canonicity).
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function encodeError(message: string, meta?: Record<string, unknown>): LedgerError {
  return new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, message, meta);
}

/** True when `s` has no lone UTF-16 surrogate (so UTF-8 round-trips it exactly). */
export function isWellFormedString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** Number of bytes LEB128 takes for `n` (0 ≤ n ≤ 2^32 − 1). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5;
}

/** Appends canonical encodings to one growing buffer. */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Forget what was written; keeps the buffer for reuse. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** A copy of the bytes written (safe to keep after the writer is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A view of the bytes written, valid only until the writer is next written or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw encodeError("u8 out of range", { value: String(v) });
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw encodeError("u16 out of range", { value: String(v) });
    this.ensure(2);
    const b = this.buf;
    b[this.pos++] = v >>> 8;
    b[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
      throw encodeError("u32 out of range", { value: String(v) });
    }
    this.ensure(4);
    this.putU32(v);
    return this;
  }

  private putU32(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 24;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = v & 0xff;
  }

  /** u64 from a safe integer `number` (0 … 2^53 − 1). */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0)
      throw encodeError("u64 must be a safe non-negative integer", { value: String(v) });
    this.ensure(8);
    this.putU32(Math.floor(v / TWO_32));
    this.putU32(v >>> 0);
    return this;
  }

  /** u64 from a `bigint` (0 … 2^64 − 1). */
  u64Big(v: bigint): this {
    if (typeof v !== "bigint" || v < 0n || v > U64_MAX)
      throw encodeError("u64 out of range", { value: String(v) });
    this.ensure(8);
    if (v <= SAFE_BIG) {
      const n = Number(v);
      this.putU32(Math.floor(n / TWO_32));
      this.putU32(n >>> 0);
      return this;
    }
    this.putU32(Number(v >> 32n));
    this.putU32(Number(v & 0xffff_ffffn));
    return this;
  }

  /** u128 from a `bigint` (0 … 2^128 − 1). */
  u128(v: bigint): this {
    if (typeof v !== "bigint" || v < 0n || v > U128_MAX)
      throw encodeError("u128 out of range", { value: String(v) });
    this.ensure(16);
    if (v <= SAFE_BIG) {
      // The common case (amounts below 2^53): no bigint arithmetic, hence no bigint allocations.
      const n = Number(v);
      this.putU32(0);
      this.putU32(0);
      this.putU32(Math.floor(n / TWO_32));
      this.putU32(n >>> 0);
      return this;
    }
    const hi = v >> 64n;
    const lo = v & MASK_64;
    this.putU32(Number(hi >> 32n));
    this.putU32(Number(hi & 0xffff_ffffn));
    this.putU32(Number(lo >> 32n));
    this.putU32(Number(lo & 0xffff_ffffn));
    return this;
  }

  /** Shortest unsigned LEB128 of `v` (0 … 2^32 − 1): lengths and counts. */
  varint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > MAX_VARINT)
      throw encodeError("varint out of range", { value: String(v) });
    this.ensure(5);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    if (typeof v !== "boolean") throw encodeError("bool expected");
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  /** Exactly `length` raw bytes, no length prefix (hashes, keys, addresses). */
  fixed(v: Uint8Array, length: number, field = "bytes"): this {
    if (!(v instanceof Uint8Array) || v.length !== length) {
      throw encodeError(`${field}: expected ${length} bytes`, {
        field,
        length: v instanceof Uint8Array ? v.length : -1,
      });
    }
    this.ensure(length);
    this.buf.set(v, this.pos);
    this.pos += length;
    return this;
  }

  /** Raw bytes with no length and no check (the caller frames them). */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** LEB128 length ‖ bytes; the length must lie in [minLength, maxLength]. */
  bytes(v: Uint8Array, maxLength: number, field = "bytes", minLength = 0): this {
    if (!(v instanceof Uint8Array)) throw encodeError(`${field}: expected Uint8Array`, { field });
    if (v.length > maxLength || v.length < minLength) {
      throw encodeError(`${field}: length ${v.length} outside [${minLength}, ${maxLength}]`, {
        field,
        length: v.length,
      });
    }
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** LEB128 byte length ‖ UTF-8, at most `maxBytes` bytes; lone surrogates are refused. */
  string(s: string, maxBytes: number, field = "string"): this {
    if (typeof s !== "string") throw encodeError(`${field}: expected string`, { field });
    const n = s.length;
    // ASCII fast path: one byte per UTF-16 unit, written while checking; rewound at the first non-ASCII.
    if (n <= maxBytes) {
      const mark = this.pos;
      this.ensure(5 + n);
      this.varint(n);
      const b = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return this;
      }
      this.pos = mark;
    }
    if (!isWellFormedString(s)) throw encodeError(`${field}: string has a lone surrogate`, { field });
    const bytes = textEncoder.encode(s);
    if (bytes.length > maxBytes) {
      throw encodeError(`${field}: ${bytes.length} bytes exceeds ${maxBytes}`, {
        field,
        length: bytes.length,
      });
    }
    this.varint(bytes.length);
    return this.raw(bytes);
  }

  /** Optional-field tag: 0x00 for absent, 0x01 for present (the value follows). */
  optionalTag(present: boolean): this {
    return this.bool(present);
  }

  /**
   * Starts a LEB128-length-prefixed section whose length is not known yet; pass the returned mark to
   * {@link endPrefixed} once the section is written. The length is inserted in place, with no copy of
   * the rest of the output.
   */
  beginPrefixed(): number {
    return this.pos;
  }

  /** Inserts the LEB128 length of everything written since `mark` in front of it. */
  endPrefixed(mark: number, maxLength: number, field = "section"): this {
    const len = this.pos - mark;
    if (len > maxLength)
      throw encodeError(`${field}: ${len} bytes exceeds ${maxLength}`, { field, length: len });
    const size = varintSize(len);
    this.ensure(size);
    const b = this.buf;
    b.copyWithin(mark + size, mark, this.pos);
    let v = len;
    let p = mark;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p] = v;
    this.pos += size;
    return this;
  }
}

const INTERN_MAX = 128;
const INTERN_SLOTS = 256;
const internBytes: (Uint8Array | undefined)[] = new Array(INTERN_SLOTS);
const internStrings: (string | undefined)[] = new Array(INTERN_SLOTS);

function internSlot(b: Uint8Array, at: number, n: number): number {
  return (
    (n * 31 + (b[at] as number) * 7 + (b[at + (n >> 1)] as number) * 3 + (b[at + n - 1] as number)) &
    (INTERN_SLOTS - 1)
  );
}

function sameBytesAt(a: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

function truncated(offset: number, field: string, need?: number): LedgerError {
  return new LedgerError(LedgerErrorCode.DECODE_TRUNCATED, `${field}: input ends early at offset ${offset}`, {
    offset,
    field,
    ...(need === undefined ? {} : { need }),
  });
}

function outOfRange(offset: number, field: string, message: string): LedgerError {
  return new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, `${field}: ${message}`, { offset, field });
}

/** Reads canonical encodings from a byte string, rejecting every non-canonical form with a coded error. */
export class Reader {
  private readonly buf: Uint8Array;
  private pos: number;
  /** End of the readable region: the input's end, or the end of the prefixed section being read. */
  private end: number;

  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("Reader: expected Uint8Array");
    this.buf = bytes;
    this.pos = 0;
    this.end = bytes.length;
  }

  /** Current offset. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws DECODE_TRAILING_BYTES unless every byte was read. */
  finish(field = "input"): void {
    if (this.pos !== this.end) {
      throw new LedgerError(
        LedgerErrorCode.DECODE_TRAILING_BYTES,
        `${field}: ${this.end - this.pos} trailing bytes`,
        {
          offset: this.pos,
          field,
          trailing: this.end - this.pos,
        },
      );
    }
  }

  private need(n: number, field: string): void {
    if (n > this.end - this.pos) throw truncated(this.pos, field, n);
  }

  u8(field = "u8"): number {
    if (this.pos >= this.end) throw truncated(this.pos, field, 1);
    return this.buf[this.pos++] as number;
  }

  u16(field = "u16"): number {
    this.need(2, field);
    const b = this.buf;
    const v = ((b[this.pos] as number) << 8) | (b[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  u32(field = "u32"): number {
    this.need(4, field);
    const v = this.getU32(this.pos);
    this.pos += 4;
    return v;
  }

  private getU32(p: number): number {
    const b = this.buf;
    return (
      (b[p] as number) * 0x100_0000 +
      (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
    );
  }

  /** u64 as a safe integer; values above 2^53 − 1 are DECODE_OUT_OF_RANGE. */
  u64(field = "u64"): number {
    this.need(8, field);
    const hi = this.getU32(this.pos);
    if (hi > 0x1f_ffff) throw outOfRange(this.pos, field, "u64 above 2^53 - 1");
    const v = hi * TWO_32 + this.getU32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  /** u64 as a bigint (any value 0 … 2^64 − 1). */
  u64Big(field = "u64"): bigint {
    this.need(8, field);
    const hi = this.getU32(this.pos);
    const lo = this.getU32(this.pos + 4);
    this.pos += 8;
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** u128 as a bigint. */
  u128(field = "u128"): bigint {
    this.need(16, field);
    const p = this.pos;
    const a = this.getU32(p);
    const b = this.getU32(p + 4);
    const c = this.getU32(p + 8);
    const d = this.getU32(p + 12);
    this.pos += 16;
    if (a === 0 && b === 0) {
      // ≤ 2^64 - 1: avoid the bigint shifts when the value is below 2^53.
      if (c <= 0x1f_ffff) return BigInt(c * TWO_32 + d);
      return (BigInt(c) << 32n) | BigInt(d);
    }
    return (BigInt(a) << 96n) | (BigInt(b) << 64n) | (BigInt(c) << 32n) | BigInt(d);
  }

  /** Shortest-form unsigned LEB128, at most `max` (≤ 2^32 − 1). */
  varint(max: number = MAX_VARINT, field = "varint"): number {
    const b = this.buf;
    const start = this.pos;
    if (start >= this.end) throw truncated(start, field, 1);
    const first = b[start] as number;
    if (first < 0x80) {
      this.pos = start + 1;
      if (first > max) throw outOfRange(start, field, `${first} exceeds ${max}`);
      return first;
    }
    let v = first & 0x7f;
    let mul = 128;
    let p = start + 1;
    for (;;) {
      if (p >= this.end) throw truncated(p, field, 1);
      if (p - start >= 5) throw outOfRange(start, field, "varint longer than 5 bytes");
      const byte = b[p++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 128;
      if (byte < 0x80) {
        if (byte === 0) {
          throw new LedgerError(LedgerErrorCode.DECODE_NON_MINIMAL, `${field}: varint not in shortest form`, {
            offset: start,
            field,
          });
        }
        break;
      }
    }
    if (v > MAX_VARINT || v > max)
      throw outOfRange(start, field, `${v} exceeds ${Math.min(max, MAX_VARINT)}`);
    this.pos = p;
    return v;
  }

  /** One byte that must be 0 or 1. */
  bool(field = "bool"): boolean {
    if (this.pos >= this.end) throw truncated(this.pos, field, 1);
    const v = this.buf[this.pos] as number;
    if (v > 1) throw outOfRange(this.pos, field, `boolean byte ${v} is not 0 or 1`);
    this.pos++;
    return v === 1;
  }

  /** Optional-field tag: false for absent, true for present. */
  optionalTag(field = "optional"): boolean {
    return this.bool(field);
  }

  /** Exactly `length` bytes (a copy). */
  fixed(length: number, field = "bytes"): Uint8Array {
    this.need(length, field);
    const out = new Uint8Array(length);
    const b = this.buf;
    const p = this.pos;
    if (length <= 64) {
      // Small copies (keys, hashes, signatures): a loop beats slice()/subarray() object creation.
      for (let i = 0; i < length; i++) out[i] = b[p + i] as number;
    } else {
      out.set(b.subarray(p, p + length));
    }
    this.pos = p + length;
    return out;
  }

  /** A view of the next `length` bytes (no copy); valid as long as the input is not mutated. */
  view(length: number, field = "bytes"): Uint8Array {
    this.need(length, field);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** LEB128 length ‖ bytes (a copy); the length must lie in [minLength, maxLength] and fit the input. */
  bytes(maxLength: number, field = "bytes", minLength = 0): Uint8Array {
    const at = this.pos;
    const len = this.varint(maxLength, field);
    if (len < minLength) throw outOfRange(at, field, `length ${len} below ${minLength}`);
    return this.fixed(len, field);
  }

  /** LEB128 length ‖ bytes as a view (no copy). */
  bytesView(maxLength: number, field = "bytes", minLength = 0): Uint8Array {
    const at = this.pos;
    const len = this.varint(maxLength, field);
    if (len < minLength) throw outOfRange(at, field, `length ${len} below ${minLength}`);
    return this.view(len, field);
  }

  /**
   * LEB128 byte length ‖ strict UTF-8, at most `maxBytes` bytes. With `intern`, recently decoded strings
   * of up to 128 bytes are returned from a small cache (the same string object for the same bytes), which
   * makes repeated identifiers such as chain ids and denominations cheap to decode and to look up.
   */
  string(maxBytes: number, field = "string", intern = false): string {
    const len = this.varint(maxBytes, field);
    this.need(len, field);
    const start = this.pos;
    const b = this.buf;
    if (intern && len > 0 && len <= INTERN_MAX) {
      const slot = internSlot(b, start, len);
      const hit = internBytes[slot];
      if (hit !== undefined && sameBytesAt(hit, b, start, len)) {
        this.pos = start + len;
        return internStrings[slot] as string;
      }
      const bytes = b.subarray(start, start + len);
      const str = this.decodeUtf8(bytes, start, field);
      internBytes[slot] = bytes.slice();
      internStrings[slot] = str;
      this.pos = start + len;
      return str;
    }
    if (len <= 32) {
      // Short ASCII (memos, codes): build the string directly, no view object.
      let str = "";
      let p = start;
      const stop = start + len;
      for (; p < stop; p++) {
        const c = b[p] as number;
        if (c >= 0x80) break;
        str += String.fromCharCode(c);
      }
      if (p === stop) {
        this.pos = stop;
        return str;
      }
    }
    const str = this.decodeUtf8(b.subarray(start, start + len), start, field);
    this.pos = start + len;
    return str;
  }

  private decodeUtf8(bytes: Uint8Array, offset: number, field: string): string {
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw new LedgerError(LedgerErrorCode.DECODE_INVALID_UTF8, `${field}: invalid UTF-8`, {
        offset,
        field,
      });
    }
  }

  /**
   * LEB128 count ‖ elements. The count must be ≤ `maxCount`, and `count × minElementSize` must fit in
   * the remaining input: a forged count is rejected before any allocation.
   */
  array<T>(
    maxCount: number,
    minElementSize: number,
    readOne: (r: Reader, index: number) => T,
    field = "array",
  ): T[] {
    const at = this.pos;
    const count = this.varint(maxCount, field);
    if (count * minElementSize > this.end - this.pos) {
      throw new LedgerError(LedgerErrorCode.DECODE_TRUNCATED, `${field}: ${count} elements cannot fit`, {
        offset: at,
        field,
        count,
      });
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readOne(this, i));
    return out;
  }

  /**
   * Reads a LEB128-length-prefixed section with `readSection`, which must consume it exactly
   * (DECODE_TRAILING_BYTES otherwise) and cannot read past it (DECODE_TRUNCATED). The section is read in
   * place: no copy and no second reader.
   */
  prefixed<T>(maxLength: number, readSection: (r: Reader) => T, field = "section"): T {
    const len = this.varint(maxLength, field);
    this.need(len, field);
    const outer = this.end;
    this.end = this.pos + len;
    try {
      const out = readSection(this);
      this.finish(field);
      return out;
    } finally {
      this.end = outer;
    }
  }
}

/**
 * Runs `decodeBody` over `bytes` and requires it to consume every byte; any non-LedgerError from
 * `decodeBody` is a bug in a codec and is rethrown unchanged.
 */
export function decodeExact<T>(bytes: Uint8Array, decodeBody: (r: Reader) => T, field = "input"): T {
  const r = new Reader(bytes);
  const out = decodeBody(r);
  r.finish(field);
  return out;
}
