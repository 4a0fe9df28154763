import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeExact, LedgerError, LedgerErrorCode, Reader, varintSize, Writer } from "../../src/index.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

const bytes = (...b: number[]) => new Uint8Array(b);

describe("Writer / Reader: fixed-width integers", () => {
  it("writes u8, u16, u32, u64 and u128 big-endian", () => {
    const w = new Writer(1);
    w.u8(0xab).u16(0x0102).u32(0x03040506).u64(0x0708090a0b0c).u64Big(0xffff_ffff_ffff_ffffn).u128(1n);
    expect(Buffer.from(w.finish()).toString("hex")).toBe(
      ["ab", "0102", "03040506", "0000070809", "0a0b0c", "ffffffffffffffff", `${"00".repeat(15)}01`].join(""),
    );
  });

  it("reads back the same values", () => {
    const w = new Writer();
    w.u8(255)
      .u16(65535)
      .u32(0xffff_ffff)
      .u64(Number.MAX_SAFE_INTEGER)
      .u64Big(1n << 63n)
      .u128((1n << 128n) - 1n);
    const r = new Reader(w.finish());
    expect(r.u8()).toBe(255);
    expect(r.u16()).toBe(65535);
    expect(r.u32()).toBe(0xffff_ffff);
    expect(r.u64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(r.u64Big()).toBe(1n << 63n);
    expect(r.u128()).toBe((1n << 128n) - 1n);
    r.finish();
  });

  it("rejects a u64 above 2^53 - 1 when read as a number, but not as a bigint", () => {
    const b = new Writer().u64Big(1n << 53n).finish();
    expect(code(() => new Reader(b).u64())).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    expect(new Reader(b).u64Big()).toBe(1n << 53n);
  });

  it("refuses to encode out-of-range integers with ENCODE_INVALID_VALUE", () => {
    const w = new Writer();
    for (const f of [
      () => w.u8(256),
      () => w.u8(-1),
      () => w.u8(1.5),
      () => w.u16(65536),
      () => w.u32(2 ** 32),
      () => w.u64(2 ** 53),
      () => w.u64(-1),
      () => w.u64Big(1n << 64n),
      () => w.u64Big(-1n),
      () => w.u128(1n << 128n),
      () => w.varint(2 ** 32),
    ]) {
      expect(code(f)).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    }
  });

  it("reports truncation with DECODE_TRUNCATED", () => {
    expect(code(() => new Reader(bytes(1)).u16())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(bytes(1, 2, 3)).u32())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(bytes(0, 0, 0, 0, 0, 0, 0)).u64())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(new Uint8Array(15)).u128())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(bytes()).u8())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
  });

  it("round-trips every u64 and u128 (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        (a, b) => {
          const r = new Reader(new Writer().u64Big(a).u128(b).finish());
          expect(r.u64Big()).toBe(a);
          expect(r.u128()).toBe(b);
          r.finish();
        },
      ),
    );
  });
});

describe("Writer / Reader: LEB128 lengths", () => {
  it("uses the shortest form (known answers)", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [1, "01"],
      [127, "7f"],
      [128, "8001"],
      [300, "ac02"],
      [16383, "ff7f"],
      [16384, "808001"],
      [2 ** 32 - 1, "ffffffff0f"],
    ];
    for (const [v, hex] of cases) {
      const b = new Writer().varint(v).finish();
      expect(Buffer.from(b).toString("hex")).toBe(hex);
      expect(b.length).toBe(varintSize(v));
      expect(new Reader(b).varint()).toBe(v);
    }
  });

  it("rejects non-minimal forms with DECODE_NON_MINIMAL", () => {
    for (const b of [
      bytes(0x80, 0x00),
      bytes(0x81, 0x00),
      bytes(0xff, 0x80, 0x00),
      bytes(0x80, 0x80, 0x80, 0x80, 0x00),
    ]) {
      expect(code(() => new Reader(b).varint())).toBe(LedgerErrorCode.DECODE_NON_MINIMAL);
    }
  });

  it("rejects over-long and too-large varints with DECODE_OUT_OF_RANGE", () => {
    expect(code(() => new Reader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).varint())).toBe(
      LedgerErrorCode.DECODE_OUT_OF_RANGE,
    );
    expect(code(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x1f)).varint())).toBe(
      LedgerErrorCode.DECODE_OUT_OF_RANGE,
    );
    expect(code(() => new Reader(bytes(11)).varint(10))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("rejects a varint cut short with DECODE_TRUNCATED", () => {
    expect(code(() => new Reader(bytes(0x80)).varint())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(bytes()).varint())).toBe(LedgerErrorCode.DECODE_TRUNCATED);
  });

  it("round-trips every u32 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const b = new Writer().varint(v).finish();
        expect(b.length).toBe(varintSize(v));
        expect(decodeExact(b, (r) => r.varint())).toBe(v);
      }),
    );
  });
});

describe("Writer / Reader: bytes, strings, booleans, options, arrays", () => {
  it("frames bytes with a length and enforces the field's bounds", () => {
    const b = new Writer().bytes(bytes(1, 2, 3), 3).finish();
    expect([...b]).toEqual([3, 1, 2, 3]);
    expect([...new Reader(b).bytes(3)]).toEqual([1, 2, 3]);
    expect(code(() => new Reader(b).bytes(2))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    expect(code(() => new Reader(b).bytes(10, "x", 4))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    expect(code(() => new Writer().bytes(bytes(1, 2, 3), 2))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
  });

  it("rejects a declared length larger than the input before allocating", () => {
    // 0xffffffff0f = 2^32 - 1 declared, 1 byte present.
    const b = bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00);
    expect(code(() => new Reader(b).bytes(2 ** 32 - 1))).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => new Reader(bytes(0x05, 1, 2)).bytes(10))).toBe(LedgerErrorCode.DECODE_TRUNCATED);
  });

  it("bounds array counts by the remaining input before allocating", () => {
    const b = bytes(0xff, 0xff, 0x03, 0x00);
    expect(code(() => new Reader(b).array(1_000_000, 1, (r) => r.u8()))).toBe(
      LedgerErrorCode.DECODE_TRUNCATED,
    );
    expect(code(() => new Reader(bytes(3, 1, 2, 3)).array(2, 1, (r) => r.u8()))).toBe(
      LedgerErrorCode.DECODE_OUT_OF_RANGE,
    );
    expect(new Reader(bytes(3, 1, 2, 3)).array(3, 1, (r) => r.u8())).toEqual([1, 2, 3]);
  });

  it("encodes strings as UTF-8 and validates them on decode", () => {
    const b = new Writer().string("héllo ✓ 🚀", 64).finish();
    expect(new Reader(b).string(64)).toBe("héllo ✓ 🚀");
    expect(code(() => new Reader(bytes(2, 0xc3, 0x28)).string(10))).toBe(LedgerErrorCode.DECODE_INVALID_UTF8);
    expect(code(() => new Reader(bytes(1, 0xff)).string(10))).toBe(LedgerErrorCode.DECODE_INVALID_UTF8);
    // Overlong encoding of "/" (0xc0 0xaf) and an encoded surrogate (0xed 0xa0 0x80) are not UTF-8.
    expect(code(() => new Reader(bytes(2, 0xc0, 0xaf)).string(10))).toBe(LedgerErrorCode.DECODE_INVALID_UTF8);
    expect(code(() => new Reader(bytes(3, 0xed, 0xa0, 0x80)).string(10))).toBe(
      LedgerErrorCode.DECODE_INVALID_UTF8,
    );
  });

  it("keeps a leading byte-order mark as a character, so the bytes re-encode identically", () => {
    const b = new Uint8Array([4, 0xef, 0xbb, 0xbf, 0x61]);
    const s = decodeExact(b, (r) => r.string(10));
    expect(s).toBe("\ufeffa");
    expect(new Writer().string(s, 10).finish()).toEqual(b);
    expect(decodeExact(b, (r) => r.string(10, "x", true))).toBe("\ufeffa");
  });

  it("refuses strings with a lone surrogate or longer than the field allows", () => {
    expect(code(() => new Writer().string("a\ud800b", 10))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => new Writer().string("\udc00", 10))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => new Writer().string("abcd", 3))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => new Writer().string("ééé", 5))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => new Reader(new Writer().string("abcd", 4).finish()).string(3))).toBe(
      LedgerErrorCode.DECODE_OUT_OF_RANGE,
    );
  });

  it("round-trips any well-formed string (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 100 }), (s) => {
        const b = new Writer().string(s, 1000).finish();
        expect(decodeExact(b, (r) => r.string(1000))).toBe(s);
      }),
    );
  });

  it("accepts only 0 and 1 as booleans and optional tags", () => {
    expect(new Reader(bytes(0)).bool()).toBe(false);
    expect(new Reader(bytes(1)).bool()).toBe(true);
    expect(code(() => new Reader(bytes(2)).bool())).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    expect(code(() => new Reader(bytes(0xff)).optionalTag())).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("inserts the length of a prefixed section in front of it", () => {
    for (const n of [0, 5, 127, 128, 20000]) {
      const w = new Writer(4);
      w.u8(9);
      const mark = w.beginPrefixed();
      for (let i = 0; i < n; i++) w.u8(i & 0xff);
      w.endPrefixed(mark, 1 << 20);
      w.u8(7);
      const r = new Reader(w.finish());
      expect(r.u8()).toBe(9);
      const inner = r.prefixed(1 << 20, (rr) => rr.view(n));
      expect(inner.length).toBe(n);
      expect(r.u8()).toBe(7);
      r.finish();
    }
  });

  it("requires a prefixed section to be consumed exactly", () => {
    const b = bytes(2, 1, 2);
    expect(code(() => new Reader(b).prefixed(10, (r) => r.u8()))).toBe(LedgerErrorCode.DECODE_TRAILING_BYTES);
  });

  it("rejects trailing bytes with DECODE_TRAILING_BYTES", () => {
    expect(code(() => decodeExact(bytes(1, 2), (r) => r.u8()))).toBe(LedgerErrorCode.DECODE_TRAILING_BYTES);
  });

  it("keeps working after the buffer grows", () => {
    const w = new Writer(2);
    const big = new Uint8Array(10_000).map((_, i) => i & 0xff);
    w.bytes(big, 10_000).u8(1);
    const r = new Reader(w.finish());
    expect(r.bytes(10_000)).toEqual(big);
    expect(r.u8()).toBe(1);
  });
});
