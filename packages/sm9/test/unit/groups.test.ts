/** G1 and G2 arithmetic of the fast backend against the naive affine code. */
import { describe, expect, it } from "vitest";
import { g2MulGenFast } from "../../src/fast/backend.js";
import {
  G1_GEN,
  GLV_BETA,
  GLV_LAMBDA,
  g1FromAffine,
  g1Mul,
  g1MulGen,
  g1ToAffine,
  glvSplit,
} from "../../src/fast/g1.js";
import {
  G2_GEN,
  g2FromAffine,
  g2IsInSubgroup,
  g2MulNaf,
  g2Psi,
  g2PsiAffine,
  g2ToAffine,
} from "../../src/fast/g2.js";
import {
  g2Add,
  g2Equals,
  g2Neg,
  G1_GEN as NG1,
  G2_GEN as NG2,
  g1Mul as ng1Mul,
  g2Mul as ng2Mul,
} from "../../src/naive/curve.js";
import { N, P, T, TRACE } from "../../src/params.js";
import { g2FromFast, g2ToFast, randomBelow, randomScalar, randomTwistPoint } from "./helpers.js";

describe("G1", () => {
  it("beta and lambda match: (beta x, y) = [lambda](x, y)", () => {
    const q = ng1Mul(NG1, GLV_LAMBDA);
    expect(q).toEqual({ x: (G1_GEN.x * GLV_BETA) % P, y: G1_GEN.y });
    expect((GLV_LAMBDA * GLV_LAMBDA + GLV_LAMBDA + 1n) % N).toBe(0n);
  });

  it("GLV split: k = k1 + k2 lambda mod N with |k1|, |k2| < 2^130", () => {
    for (const k of [
      1n,
      2n,
      N - 1n,
      N - 2n,
      GLV_LAMBDA,
      2n ** 255n,
      ...Array.from({ length: 50 }, randomScalar),
    ]) {
      const [k1, k2] = glvSplit(k);
      expect((((k1 + k2 * GLV_LAMBDA - k) % N) + N) % N).toBe(0n);
      expect(k1 < 2n ** 130n && -k1 < 2n ** 130n).toBe(true);
      expect(k2 < 2n ** 130n && -k2 < 2n ** 130n).toBe(true);
    }
  });

  it("GLV multiplication and the comb for P1 equal double-and-add", () => {
    const p = ng1Mul(NG1, randomScalar());
    if (p === null) throw new Error("unexpected infinity");
    for (const k of [1n, 2n, 3n, N - 1n, randomScalar(), randomScalar()]) {
      expect(g1ToAffine(g1Mul(p, k))).toEqual(ng1Mul(p, k));
      expect(g1ToAffine(g1MulGen(k))).toEqual(ng1Mul(NG1, k));
    }
    expect(g1ToAffine(g1Mul(p, 0n))).toBeNull();
    expect(g1ToAffine(g1Mul(p, N))).toBeNull();
    expect(g1ToAffine(g1MulGen(0n))).toBeNull();
    expect(g1ToAffine(g1FromAffine(p))).toEqual(p);
  });
});

describe("G2", () => {
  it("the comb for P2 equals double-and-add", () => {
    for (const k of [1n, 2n, N - 1n, randomScalar()]) {
      expect(g2FromFast(g2MulGenFast(k) as never)).toEqual(ng2Mul(NG2, k));
    }
    expect(g2MulGenFast(N)).toBeNull();
  });

  it("psi is the p-power Frobenius: psi(Q) = [p mod N]Q = [6t^2]Q on G2", () => {
    const q = g2ToFast(ng2Mul(NG2, randomScalar()));
    const psiQ = g2FromFast(g2PsiAffine(q));
    expect(g2Equals(psiQ, ng2Mul(g2FromFast(q), 6n * T * T))).toBe(true);
    expect(g2ToAffine(g2Psi(g2FromAffine(q)))).toEqual(g2PsiAffine(q));
  });

  it("on all of E'(Fp2): psi^2 - tr psi + p = 0, and #E'(Fp2) = N (2p - N)", () => {
    const r = randomTwistPoint();
    const fr = g2ToFast(r);
    const psi1 = g2FromFast(g2PsiAffine(fr));
    const psi2 = g2FromFast(g2PsiAffine(g2PsiAffine(fr)));
    const sum = g2Add(g2Add(psi2, g2Neg(ng2Mul(psi1, TRACE))), ng2Mul(r, P));
    expect(sum).toBeNull();
    expect(ng2Mul(r, N * (2n * P - N))).toBeNull();
    expect(ng2Mul(r, N)).not.toBeNull(); // a random point is not in G2
  });

  it("the membership test's polynomial: g(p mod N) = 0 mod N and gcd(Norm(g(psi)), #E') = N", () => {
    // g(x) = (t+1) + t x + t x^2 - 2t x^3, reduced modulo x^2 - tr x + p to c0 + c1 x.
    const lambda = P % N;
    const g = [T + 1n, T, T, -2n * T];
    expect(g.reduce((acc, c, i) => acc + c * lambda ** BigInt(i), 0n) % N).toBe(0n);
    const c = [...g];
    while (c.length > 2) {
      const top = c.pop() as bigint;
      const k = c.length;
      c[k - 1] = (c[k - 1] as bigint) + top * TRACE;
      c[k - 2] = (c[k - 2] as bigint) - top * P;
    }
    const [c0, c1] = c as [bigint, bigint];
    const norm = c0 * c0 + c0 * c1 * TRACE + c1 * c1 * P;
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
    expect(gcd(norm, N * (2n * P - N))).toBe(N);
  });

  it("the membership test accepts G2 and rejects points of E'(Fp2) outside it", () => {
    expect(g2IsInSubgroup(G2_GEN)).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(g2IsInSubgroup(g2ToFast(ng2Mul(NG2, randomScalar())))).toBe(true);
      const r = randomTwistPoint();
      expect(g2IsInSubgroup(g2ToFast(r))).toBe(false);
      // A point of the cofactor part (order dividing 2p - N), and G2 + that.
      const h = ng2Mul(r, N);
      expect(g2IsInSubgroup(g2ToFast(h))).toBe(false);
      expect(g2IsInSubgroup(g2ToFast(g2Add(h, NG2)))).toBe(false);
    }
  });

  it("NAF multiplication equals double-and-add for any sign", () => {
    const q = g2FromAffine(G2_GEN);
    for (const k of [1n, 5n, T, -T, randomBelow(2n ** 64n)]) {
      expect(g2FromFast(g2ToAffine(g2MulNaf(q, k)) as never)).toEqual(ng2Mul(NG2, k));
    }
  });
});
