import { readFileSync } from "node:fs";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../src/bytes.js";
import { hkdf, hkdfExpand, hkdfExtract, hmac } from "../../src/hmac.js";
import { sm3Portable } from "../../src/sm3.js";

function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
}

const rfc4231 = readVectors<{
  source: string;
  vectors: { id: string; key: string; data: string; hmac_sha256: string; truncate_bytes?: number }[];
}>("hmac-sha256-rfc4231.json");
const rfc5869 = readVectors<{
  source: string;
  vectors: {
    id: string;
    ikm: string;
    salt: string;
    info: string;
    length: number;
    prk: string;
    okm: string;
  }[];
}>("hkdf-sha256-rfc5869.json");

describe("HMAC-SHA-256 known answers (RFC 4231 §4)", () => {
  for (const v of rfc4231.vectors) {
    it(`reproduces ${v.id}`, () => {
      const mac = hmac("sha256", hexToBytes(v.key), hexToBytes(v.data));
      expect(mac.length).toBe(32);
      expect(bytesToHex(mac.subarray(0, v.truncate_bytes ?? 32))).toBe(v.hmac_sha256);
    });
  }
});

describe("HKDF-SHA-256 known answers (RFC 5869 appendix A)", () => {
  for (const v of rfc5869.vectors) {
    it(`reproduces PRK and OKM of ${v.id}`, () => {
      const [ikm, salt, info] = [hexToBytes(v.ikm), hexToBytes(v.salt), hexToBytes(v.info)];
      const prk = hkdfExtract("sha256", ikm, salt);
      expect(bytesToHex(prk)).toBe(v.prk);
      expect(bytesToHex(hkdfExpand("sha256", prk, info, v.length))).toBe(v.okm);
      expect(bytesToHex(hkdf("sha256", ikm, salt, info, v.length))).toBe(v.okm);
    });
  }
});

describe("HMAC and HKDF properties", () => {
  it("matches @noble/hashes hmac over SHA-256 and over the portable SM3", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 200 }), (key, data) => {
        expect(bytesToHex(hmac("sha256", key, data))).toBe(bytesToHex(nobleHmac(nobleSha256, key, data)));
        expect(bytesToHex(hmac("sm3", key, data))).toBe(bytesToHex(nobleHmac(sm3Portable, key, data)));
      }),
      { numRuns: 150 },
    );
  });

  it("matches @noble/hashes hkdf for both suites and any output length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.integer({ min: 1, max: 255 * 32 }),
        (ikm, salt, info, length) => {
          expect(bytesToHex(hkdf("sha256", ikm, salt, info, length))).toBe(
            bytesToHex(nobleHkdf(nobleSha256, ikm, salt, info, length)),
          );
          expect(bytesToHex(hkdf("sm3", ikm, salt, info, length))).toBe(
            bytesToHex(nobleHkdf(sm3Portable, ikm, salt, info, length)),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("makes every shorter output a prefix of a longer one", () => {
    const ikm = new Uint8Array(32).fill(9);
    const long = hkdf("sm3", ikm, new Uint8Array(0), new Uint8Array(0), 100);
    expect(bytesToHex(hkdf("sm3", ikm, new Uint8Array(0), new Uint8Array(0), 33))).toBe(
      bytesToHex(long.subarray(0, 33)),
    );
  });
});

describe("HMAC and HKDF wrong inputs", () => {
  const b = new Uint8Array(4);
  it("rejects an unknown hash with a RangeError and a non-string hash with a TypeError", () => {
    expect(() => hmac("sha1" as never, b, b)).toThrow(RangeError);
    expect(() => hkdf("md5" as never, b, b, b, 32)).toThrow(RangeError);
    expect(() => hkdfExtract(256 as never, b, b)).toThrow(TypeError);
    expect(() => hkdfExpand(undefined as never, b, b, 32)).toThrow(TypeError);
  });

  it("rejects non-bytes keys, data, ikm, salt, info and prk with a TypeError", () => {
    expect(() => hmac("sha256", "key" as never, b)).toThrow(TypeError);
    expect(() => hmac("sha256", b, [1] as never)).toThrow(TypeError);
    expect(() => hkdf("sha256", null as never, b, b, 32)).toThrow(TypeError);
    expect(() => hkdf("sha256", b, "salt" as never, b, 32)).toThrow(TypeError);
    expect(() => hkdf("sha256", b, b, {} as never, 32)).toThrow(TypeError);
    expect(() => hkdfExpand("sm3", "prk" as never, b, 32)).toThrow(TypeError);
  });

  it("rejects an output length outside [1, 255·32] with a RangeError and a non-number with a TypeError", () => {
    expect(hkdf("sha256", b, b, b, 8160).length).toBe(8160);
    expect(() => hkdf("sha256", b, b, b, 8161)).toThrow(RangeError);
    expect(() => hkdf("sha256", b, b, b, 0)).toThrow(RangeError);
    expect(() => hkdf("sha256", b, b, b, -1)).toThrow(RangeError);
    expect(() => hkdf("sha256", b, b, b, 1.5)).toThrow(RangeError);
    expect(() => hkdf("sha256", b, b, b, Number.NaN)).toThrow(RangeError);
    expect(() => hkdf("sha256", b, b, b, "32" as never)).toThrow(TypeError);
  });
});
