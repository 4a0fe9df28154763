/**
 * A small strict binary codec for chain-core's own records (consensus messages, WAL records, signer
 * state, validator sets). Rules: fixed-width big-endian integers; byte strings and strings carry a u32
 * length; one byte 0x00/0x01 for booleans and optionals; the {@link ByteReader} rejects truncation,
 * trailing bytes, out-of-range numbers and lengths over a field's maximum (CODEC_MALFORMED).
 *
 * TODO(ledger): block, header and commit encodings will come from @tandem/ledger's canonical encoding;
 * this codec only covers structures chain-core owns.
 */
import { ChainCoreError, ChainCoreErrorCode } from "./errors.js";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

function malformed(message: string, meta?: Record<string, unknown>): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.CODEC_MALFORMED, message, meta);
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 128) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`u8 out of range: ${n}`);
    this.ensure(1);
    this.buf[this.pos++] = n;
    return this;
  }

  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`u16 out of range: ${n}`);
    this.ensure(2);
    this.view.setUint16(this.pos, n);
    this.pos += 2;
    return this;
  }

  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`u32 out of range: ${n}`);
    this.ensure(4);
    this.view.setUint32(this.pos, n);
    this.pos += 4;
    return this;
  }

  /** A safe non-negative integer as 8 bytes big-endian. */
  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 out of range: ${n}`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt(n));
    this.pos += 8;
    return this;
  }

  /** A signed 64-bit integer (proposer priorities). */
  i64(n: bigint): this {
    if (n < -(1n << 63n) || n >= 1n << 63n) throw new RangeError(`i64 out of range: ${n}`);
    this.ensure(8);
    this.view.setBigInt64(this.pos, n);
    this.pos += 8;
    return this;
  }

  bool(b: boolean): this {
    return this.u8(b ? 1 : 0);
  }

  /** Raw bytes, no length (fixed-size fields). */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** u32 length, then the bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }

  string(s: string): this {
    return this.bytes(textEncoder.encode(s));
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    if (!(buf instanceof Uint8Array)) throw new TypeError("ByteReader: expected Uint8Array");
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw malformed(`truncated ${what}`, { offset: this.pos, need: n });
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  u16(what = "u16"): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what = "u64"): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} exceeds 2^53-1`);
    return Number(v);
  }

  i64(what = "i64"): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  bool(what = "bool"): boolean {
    const b = this.u8(what);
    if (b > 1) throw malformed(`${what}: expected 0 or 1, got ${b}`);
    return b === 1;
  }

  raw(n: number, what = "bytes"): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(maxLength: number, what = "bytes"): Uint8Array {
    const n = this.u32(`${what} length`);
    if (n > maxLength) throw malformed(`${what}: length ${n} exceeds ${maxLength}`);
    return this.raw(n, what);
  }

  string(maxLength: number, what = "string"): string {
    const b = this.bytes(maxLength, what);
    try {
      return textDecoder.decode(b);
    } catch {
      throw malformed(`${what}: invalid UTF-8`);
    }
  }

  /** Throws unless every byte was consumed. */
  end(what = "structure"): void {
    if (this.remaining !== 0) throw malformed(`${what}: ${this.remaining} trailing bytes`);
  }
}

/** Runs `read` over `bytes` and requires it to consume everything. */
export function decodeAll<T>(bytes: Uint8Array, what: string, read: (r: ByteReader) => T): T {
  const r = new ByteReader(bytes);
  const out = read(r);
  r.end(what);
  return out;
}
