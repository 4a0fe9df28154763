/** The fast tower arithmetic (lazy reduction) against the naive one, on random elements. */
import { describe, expect, it } from "vitest";
import { finalExpInternals } from "../../src/fast/final-exp.js";
import { fpBatchInv, red } from "../../src/fast/fp.js";
import { f2Inv, f2Mul, f2MulU, f2Sqr } from "../../src/fast/fp2.js";
import {
  FP12_ONE,
  fp12Conj,
  fp12CyclotomicSqr,
  fp12Equal,
  fp12Frobenius,
  fp12Inv,
  fp12Mul,
  fp12MulLine,
  fp12Sqr,
} from "../../src/fast/fp12.js";
import { Fp2, Fp4, Fp12 } from "../../src/naive/field.js";
import { finalExpEasy } from "../../src/naive/pairing.js";
import { N, P } from "../../src/params.js";
import { fromFast, randomFp, randomFp2, randomFp12, toFast } from "./helpers.js";

const RUNS = 25;
const same = (a: readonly bigint[], b: Fp12): boolean => fp12Equal(a as never, toFast(b));

describe("Fp and Fp2", () => {
  it("red reduces any sign and size into [0, p)", () => {
    for (const x of [0n, 1n, P - 1n, P, P + 1n, -1n, -P, P * P * 7n + 5n, -(P * P * 9n) - 3n]) {
      const r = red(x);
      expect(r >= 0n && r < P).toBe(true);
      expect((r - x) % P).toBe(0n);
    }
  });

  it("batch inversion equals one-by-one inversion", () => {
    const xs = Array.from({ length: 9 }, () => 1n + (randomFp() % (P - 1n)));
    const inv = fpBatchInv(xs);
    xs.forEach((x, i) => {
      expect(((inv[i] as bigint) * x) % P).toBe(1n);
    });
  });

  it("Fp2 mul, sqr, inv and multiplication by u agree with the naive field", () => {
    for (let i = 0; i < RUNS; i++) {
      const a = randomFp2();
      const b = randomFp2();
      expect(f2Mul([a.c0, a.c1], [b.c0, b.c1])).toEqual([a.mul(b).c0, a.mul(b).c1]);
      expect(f2Sqr([a.c0, a.c1])).toEqual([a.sqr().c0, a.sqr().c1]);
      expect(f2Inv([a.c0, a.c1])).toEqual([a.inv().c0, a.inv().c1]);
      expect(f2MulU([a.c0, a.c1])).toEqual([a.mulU().c0, a.mulU().c1]);
    }
  });
});

describe("Fp12 (lazy reduction) against the naive tower", () => {
  it("mul, sqr, conj, inv", () => {
    for (let i = 0; i < RUNS; i++) {
      const x = randomFp12();
      const y = randomFp12();
      expect(same(fp12Mul(toFast(x), toFast(y)), x.mul(y))).toBe(true);
      expect(same(fp12Sqr(toFast(x)), x.sqr())).toBe(true);
      expect(same(fp12Conj(toFast(x)), x.conj())).toBe(true);
      expect(same(fp12Inv(toFast(x)), x.inv())).toBe(true);
      expect(fp12Equal(fp12Mul(fp12Inv(toFast(x)), toFast(x)), FP12_ONE)).toBe(true);
    }
  });

  it("handles the extremes p-1 and 0 in every coefficient", () => {
    const max = fromFast(Array(12).fill(P - 1n) as never);
    expect(same(fp12Mul(toFast(max), toFast(max)), max.mul(max))).toBe(true);
    expect(same(fp12Sqr(toFast(max)), max.sqr())).toBe(true);
    expect(same(fp12Mul(toFast(max), toFast(Fp12.ZERO)), Fp12.ZERO)).toBe(true);
  });

  it("Frobenius p, p^2, p^3 equal the naive ones (and f^p equals a plain power)", () => {
    for (let i = 0; i < 5; i++) {
      const x = randomFp12();
      for (const k of [1, 2, 3] as const)
        expect(same(fp12Frobenius(toFast(x), k), x.frobeniusN(k))).toBe(true);
    }
    const x = randomFp12();
    expect(same(fp12Frobenius(toFast(x), 1), x.pow(P))).toBe(true);
  });

  it("sparse line product equals the product with the full line element", () => {
    for (let i = 0; i < RUNS; i++) {
      const x = randomFp12();
      const [l0, l1, l2] = [randomFp2(), randomFp2(), randomFp2()];
      const line = new Fp12(new Fp4(l0, l1), Fp4.ZERO, new Fp4(l2, Fp2.ZERO));
      const r = fp12MulLine(toFast(x), l0.c0, l0.c1, l1.c0, l1.c1, l2.c0, l2.c1);
      expect(same(r, x.mul(line))).toBe(true);
    }
  });

  it("cyclotomic squaring (Granger-Scott) equals squaring on the cyclotomic subgroup", () => {
    for (let i = 0; i < 10; i++) {
      const c = finalExpEasy(randomFp12());
      expect(same(fp12CyclotomicSqr(toFast(c)), c.sqr())).toBe(true);
    }
  });

  it("compressed squarings followed by decompression equal plain squarings (Karabina)", () => {
    const { compressedSqr, batchDecompress } = finalExpInternals;
    const elems = Array.from({ length: 3 }, () => toFast(finalExpEasy(randomFp12())));
    const compressed = elems.map((f) => {
      let c = [f[4], f[5], f[8], f[9], f[6], f[7], f[10], f[11]] as const;
      for (let k = 0; k < 5; k++) c = compressedSqr(c) as typeof c;
      return c;
    });
    const full = batchDecompress(compressed);
    expect(full).not.toBeNull();
    elems.forEach((f, i) => {
      let g = f;
      for (let k = 0; k < 5; k++) g = fp12CyclotomicSqr(g);
      expect(fp12Equal((full as never[])[i] as never, g)).toBe(true);
    });
    // A zero g1 cannot be decompressed this way: the caller falls back to plain squarings.
    expect(batchDecompress([[0n, 0n, 1n, 0n, 1n, 0n, 1n, 0n]])).toBeNull();
  });

  it("GT elements have order N after the final exponentiation's easy part and hard part", () => {
    const c = finalExpEasy(randomFp12());
    expect(c.pow(P ** 4n - P ** 2n + 1n).isOne()).toBe(true);
    expect(c.pow(N).isOne()).toBe(false);
  });
});
