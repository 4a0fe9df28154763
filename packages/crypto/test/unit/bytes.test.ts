import { describe, expect, it } from "vitest";
import {
  assertBytes,
  BytesKeyedLru,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  bytesToUtf8,
  CryptoError,
  concatBytes,
  equalBytes,
  hexToBytes,
  randomBytes,
  utf8ToBytes,
} from "../../src/bytes.js";

describe("CryptoError", () => {
  it("carries a stable code, its name and an optional cause", () => {
    const cause = new Error("inner");
    const e = new CryptoError("CRYPTO_DECRYPT_FAILED", "open: authentication failed", { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("CryptoError");
    expect(e.code).toBe("CRYPTO_DECRYPT_FAILED");
    expect(e.cause).toBe(cause);
  });
});

describe("BytesKeyedLru", () => {
  const key = (i: number) => new Uint8Array([i, 0, 255, i]);

  it("creates once per key and returns the cached value afterwards", () => {
    const lru = new BytesKeyedLru<number>(4);
    let calls = 0;
    const make = () => ++calls;
    expect(lru.getOrCreate(key(1), make)).toBe(1);
    expect(lru.getOrCreate(Uint8Array.from(key(1)), make)).toBe(1);
    expect(calls).toBe(1);
  });

  it("keys by content, not by buffer identity or offset", () => {
    const lru = new BytesKeyedLru<string>(4);
    const big = new Uint8Array([9, 1, 0, 255, 1, 9]);
    lru.getOrCreate(big.subarray(1, 5), () => "x");
    expect(lru.getOrCreate(key(1), () => "y")).toBe("x");
  });

  it("evicts the least recently used key when full", () => {
    const lru = new BytesKeyedLru<number>(2);
    lru.getOrCreate(key(1), () => 1);
    lru.getOrCreate(key(2), () => 2);
    lru.getOrCreate(key(1), () => -1); // touch 1: 2 is now the oldest
    lru.getOrCreate(key(3), () => 3);
    expect(lru.size).toBe(2);
    expect(lru.getOrCreate(key(1), () => -1)).toBe(1);
    expect(lru.getOrCreate(key(2), () => 22)).toBe(22);
  });

  it("caches nothing when create returns undefined", () => {
    const lru = new BytesKeyedLru<number>(2);
    expect(lru.getOrCreate(key(1), () => undefined)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new BytesKeyedLru(0)).toThrow(RangeError);
    expect(() => new BytesKeyedLru(1.5)).toThrow(RangeError);
  });
});

describe("byte helpers on wrong inputs", () => {
  it("labels type and length errors", () => {
    expect(() => assertBytes("x", "thing")).toThrow(/thing: expected Uint8Array/);
    expect(() => assertBytes(new Uint8Array(3), "thing", 4)).toThrow(RangeError);
    expect(() => hexToBytes("abc")).toThrow(RangeError);
    expect(() => hexToBytes(12 as never)).toThrow(TypeError);
    expect(() => bytesToHex("00" as never)).toThrow(TypeError);
    expect(() => concatBytes(new Uint8Array(1), "x" as never)).toThrow(TypeError);
    expect(() => equalBytes(new Uint8Array(1), null as never)).toThrow(TypeError);
    expect(() => utf8ToBytes(1 as never)).toThrow(TypeError);
    expect(() => bytesToUtf8(new Uint8Array([0xff]))).toThrow(TypeError);
    expect(() => randomBytes(-1)).toThrow(RangeError);
    expect(() => bigIntToBytes(256n, 1)).toThrow(RangeError);
    expect(() => bigIntToBytes(-1n, 1)).toThrow(RangeError);
    expect(() => bytesToBigInt([1] as never)).toThrow(TypeError);
  });
});
