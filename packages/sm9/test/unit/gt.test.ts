/** Exponentiation in GT: Frobenius-split variable base, comb fixed base, against plain powers. */
import { describe, expect, it } from "vitest";
import { FP12_ONE, fp12Equal } from "../../src/fast/fp12.js";
import { G1_GEN } from "../../src/fast/g1.js";
import { G2_GEN } from "../../src/fast/g2.js";
import { gtBuildComb, gtCombPow, gtPow, gtPowPlain } from "../../src/fast/gt.js";
import { pairing } from "../../src/fast/pairing.js";
import { N } from "../../src/params.js";
import { fromFast, randomBelow, randomScalar, toFast } from "./helpers.js";

describe("GT exponentiation", () => {
  const g = pairing(G1_GEN, G2_GEN);
  const comb = gtBuildComb(g);

  it("variable base (Frobenius split), fixed base (comb) and plain powers agree", () => {
    for (const k of [
      1n,
      2n,
      3n,
      15n,
      16n,
      N - 1n,
      N - 2n,
      2n ** 128n,
      2n ** 200n + 1n,
      randomScalar(),
      randomScalar(),
    ]) {
      const expected = gtPowPlain(g, k);
      expect(fp12Equal(gtPow(g, k), expected)).toBe(true);
      expect(fp12Equal(gtCombPow(comb, k), expected)).toBe(true);
    }
    const k = randomBelow(2n ** 64n);
    expect(fp12Equal(gtPowPlain(g, k), toFast(fromFast(g).pow(k)))).toBe(true);
  });

  it("reduces exponents mod N: g^0 = g^N = 1, g^(N+1) = g", () => {
    for (const k of [0n, N, 2n * N]) {
      expect(fp12Equal(gtPow(g, k), FP12_ONE)).toBe(true);
      expect(fp12Equal(gtCombPow(comb, k), FP12_ONE)).toBe(true);
    }
    expect(fp12Equal(gtPow(g, N + 1n), g)).toBe(true);
    expect(fp12Equal(gtPow(g, -1n), gtPow(g, N - 1n))).toBe(true);
  });
});
