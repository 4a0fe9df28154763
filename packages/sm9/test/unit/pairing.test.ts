/** The fast pairing: equal to the naive one, bilinear, non-degenerate, exact final exponentiation. */
import { describe, expect, it } from "vitest";
import {
  cyclotomicExpT,
  cyclotomicExpTPlain,
  finalExp,
  finalExpEasy,
  finalExpHard,
} from "../../src/fast/final-exp.js";
import { fp12Equal, fp12IsOne, fp12Mul } from "../../src/fast/fp12.js";
import { G1_GEN, g1Mul, g1ToAffine } from "../../src/fast/g1.js";
import { G2_GEN } from "../../src/fast/g2.js";
import { gtPow } from "../../src/fast/gt.js";
import {
  millerLoop,
  millerLoopLines,
  millerLoopLinesMulti,
  pairing,
  pairingLines,
  prepareLines,
} from "../../src/fast/pairing.js";
import { G1_GEN as NG1, G2_GEN as NG2, g1Mul as ng1Mul, g2Mul as ng2Mul } from "../../src/naive/curve.js";
import {
  FINAL_EXPONENT,
  finalExp as naiveFinalExp,
  pairing as naivePairing,
} from "../../src/naive/pairing.js";
import { N, T } from "../../src/params.js";
import { fromFast, g2ToFast, randomFp12, randomScalar, toFast } from "./helpers.js";

describe("pairing", () => {
  it("equals the naive pairing on random points", () => {
    for (let i = 0; i < 2; i++) {
      const p = ng1Mul(NG1, randomScalar());
      const q = ng2Mul(NG2, randomScalar());
      if (p === null || q === null) throw new Error("unexpected infinity");
      const fast = pairing(p, g2ToFast(q));
      expect(fp12Equal(fast, toFast(naivePairing(p, q)))).toBe(true);
    }
  });

  it("precomputed (normalized) lines give the same pairing as lines computed on the fly", () => {
    const q = g2ToFast(ng2Mul(NG2, randomScalar()));
    const lines = prepareLines(q);
    for (let i = 0; i < 3; i++) {
      const p = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
      if (p === null) throw new Error("unexpected infinity");
      // The Miller values differ by Fp2 factors (the normalization), which the final exponentiation kills.
      expect(fp12Equal(finalExp(millerLoopLines(p, lines)), finalExp(millerLoop(p, q)))).toBe(true);
      expect(fp12Equal(pairingLines(p, lines), pairing(p, q))).toBe(true);
    }
  });

  it("a shared multi-Miller loop gives the product of the pairings (points at infinity contribute 1)", () => {
    const q1 = g2ToFast(ng2Mul(NG2, randomScalar()));
    const q2 = g2ToFast(ng2Mul(NG2, randomScalar()));
    const p1 = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
    const p2 = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
    if (p1 === null || p2 === null) throw new Error("unexpected infinity");
    const [l1, l2] = [prepareLines(q1), prepareLines(q2)];
    const product = finalExp(millerLoopLinesMulti([p1, p2], [l1, l2]));
    expect(fp12Equal(product, fp12Mul(pairing(p1, q1), pairing(p2, q2)))).toBe(true);
    expect(fp12Equal(finalExp(millerLoopLinesMulti([p1, null], [l1, l2])), pairing(p1, q1))).toBe(true);
    expect(fp12IsOne(finalExp(millerLoopLinesMulti([null, null], [l1, l2])))).toBe(true);
  });

  it("is bilinear: e([a]P, [b]Q) = e(P, Q)^(ab) = e([ab]P, Q)", () => {
    const a = randomScalar();
    const b = randomScalar();
    const pa = g1ToAffine(g1Mul(G1_GEN, a));
    const qb = g2ToFast(ng2Mul(NG2, b));
    if (pa === null) throw new Error("unexpected infinity");
    const e = pairing(G1_GEN, G2_GEN);
    const lhs = pairing(pa, qb);
    expect(fp12Equal(lhs, gtPow(e, (a * b) % N))).toBe(true);
    const pab = g1ToAffine(g1Mul(G1_GEN, (a * b) % N));
    if (pab === null) throw new Error("unexpected infinity");
    expect(fp12Equal(lhs, pairing(pab, G2_GEN))).toBe(true);
  });

  it("is non-degenerate and lands in the order-N group", () => {
    const e = pairing(G1_GEN, G2_GEN);
    expect(fp12IsOne(e)).toBe(false);
    expect(fromFast(e).pow(N).isOne()).toBe(true);
    expect(
      fromFast(e)
        .pow(N / 5n)
        .isOne(),
    ).toBe(false);
  });
});

describe("final exponentiation", () => {
  it("equals the plain power f^((p^12 - 1)/N) on random inputs", () => {
    for (let i = 0; i < 2; i++) {
      const f = randomFp12();
      const expected = f.pow(FINAL_EXPONENT);
      expect(fp12Equal(finalExp(toFast(f)), toFast(expected))).toBe(true);
      expect(naiveFinalExp(f).equals(expected)).toBe(true);
    }
  });

  it("the easy part and the hard part separately match the naive ones", () => {
    const f = randomFp12();
    const easy = finalExpEasy(toFast(f));
    const { finalExpEasy: nEasy, finalExpHard: nHard } = naiveParts;
    expect(fp12Equal(easy, toFast(nEasy(f)))).toBe(true);
    expect(fp12Equal(finalExpHard(easy), toFast(nHard(nEasy(f))))).toBe(true);
  });

  it("f^t with compressed squarings equals f^t with plain squarings and a plain power", () => {
    for (let i = 0; i < 3; i++) {
      const c = finalExpEasy(toFast(randomFp12()));
      const viaCompressed = cyclotomicExpT(c);
      expect(fp12Equal(viaCompressed, cyclotomicExpTPlain(c))).toBe(true);
      expect(fp12Equal(viaCompressed, toFast(fromFast(c).pow(T)))).toBe(true);
    }
  });
});

import * as naiveParts from "../../src/naive/pairing.js";
