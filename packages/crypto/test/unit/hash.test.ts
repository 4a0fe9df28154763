import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, utf8ToBytes } from "../../src/bytes.js";
import { hashFn, hashFnPortable, sha256, sha256Portable, sm3 } from "../../src/hash.js";

describe("hash suites", () => {
  it("gives the FIPS 180-2 SHA-256 digest of 'abc' natively and portably", () => {
    const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    expect(bytesToHex(sha256(utf8ToBytes("abc")))).toBe(want);
    expect(bytesToHex(sha256Portable(utf8ToBytes("abc")))).toBe(want);
    expect(bytesToHex(hashFn("sha256")(utf8ToBytes("abc")))).toBe(want);
    expect(bytesToHex(hashFnPortable("sha256")(utf8ToBytes("abc")))).toBe(want);
  });

  it("gives the same bytes from hashFn and hashFnPortable for both suites", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom("sha256", "sm3" as const),
        (data, name) => {
          expect(bytesToHex(hashFnPortable(name)(data))).toBe(bytesToHex(hashFn(name)(data)));
          expect(bytesToHex(hashFn(name)(data))).toBe(createHash(name).update(data).digest("hex"));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("maps each suite name to its function", () => {
    expect(hashFn("sha256")).toBe(sha256);
    expect(hashFn("sm3")).toBe(sm3);
  });

  it("rejects an unknown suite name with a RangeError", () => {
    expect(() => hashFn("md5" as never)).toThrow(RangeError);
    expect(() => hashFnPortable("sha512" as never)).toThrow(RangeError);
  });

  it("rejects non-bytes input with a TypeError", () => {
    expect(() => sha256("abc" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sha256Portable(undefined as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => hashFnPortable("sha256")({} as unknown as Uint8Array)).toThrow(TypeError);
  });
});
