import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeAccountNonce,
  decodeAmount,
  encodeAccountNonce,
  encodeAmount,
  readAmount,
  readNonce,
  writeAmount,
  writeNonce,
} from "../../../src/state/codec.js";

const U128_MAX = (1n << 128n) - 1n;

describe("hot-path account and amount codecs", () => {
  it("write the same bytes as the canonical codecs and read them back", () => {
    const amounts = fc.oneof(
      fc.bigInt({ min: 0n, max: 1000n }),
      fc.bigInt({ min: 0n, max: (1n << 53n) + 10n }),
      fc.bigInt({ min: 0n, max: U128_MAX }),
      fc.constantFrom(0n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n, 1n << 64n, U128_MAX),
    );
    fc.assert(
      fc.property(amounts, (a) => {
        expect(writeAmount(a)).toEqual(encodeAmount(a));
        expect(readAmount(encodeAmount(a))).toBe(decodeAmount(encodeAmount(a)));
      }),
      { numRuns: 500 },
    );
    const nonces = fc.oneof(
      fc.nat(1000),
      fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
      fc.maxSafeNat(),
    );
    fc.assert(
      fc.property(nonces, (n) => {
        expect(writeNonce(n)).toEqual(encodeAccountNonce(n));
        expect(readNonce(encodeAccountNonce(n))).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it("leave odd stored bytes to the canonical codecs", () => {
    expect(readAmount(new Uint8Array(15))).toBeUndefined();
    const big = new Uint8Array(8).fill(0xff);
    expect(() => readNonce(big)).toThrow();
    expect(() => decodeAccountNonce(big)).toThrow();
    expect(() => readNonce(new Uint8Array(7))).toThrow();
    expect(() => writeNonce(-1)).toThrow();
  });
});
