/**
 * Naive R-ate pairing: affine Miller loop over 6t+2 with full Fp12 line products, the two Frobenius lines,
 * and the exact final exponentiation (p^12 - 1)/N (easy part, then the hard part of Scott et al.).
 */
import { N, P, SIX_T_PLUS_2, T } from "../params.js";
import { type G1Affine, type G2Affine, g2Add, g2Frobenius, g2Neg, g2Slope } from "./curve.js";
import { Fp2, Fp4, Fp12 } from "./field.js";

/**
 * The line through T and R (tangent when T = R) of the untwisted points, evaluated at P and scaled by w^3:
 * (lambda x_T - y_T) + y_P v + (-lambda x_P) w^2.
 */
function line(t: { x: Fp2; y: Fp2 }, r: { x: Fp2; y: Fp2 }, p: { x: bigint; y: bigint }): Fp12 {
  const lambda = g2Slope(t, r);
  if (lambda === null) {
    // Vertical line x - x_T (scaled by w^2): x_P w^2 - x_T. Never reached for points of order N.
    return new Fp12(new Fp4(t.x.neg(), Fp2.ZERO), Fp4.ZERO, new Fp4(new Fp2(p.x, 0n), Fp2.ZERO));
  }
  return new Fp12(
    new Fp4(lambda.mul(t.x).sub(t.y), new Fp2(p.y, 0n)),
    Fp4.ZERO,
    new Fp4(lambda.mulFp(p.x).neg(), Fp2.ZERO),
  );
}

export function millerLoop(p: G1Affine, q: G2Affine): Fp12 {
  if (p === null || q === null) return Fp12.ONE;
  let f = Fp12.ONE;
  let t: G2Affine = q;
  const bits = SIX_T_PLUS_2.toString(2);
  for (let i = 1; i < bits.length; i++) {
    f = f.sqr().mul(line(t as { x: Fp2; y: Fp2 }, t as { x: Fp2; y: Fp2 }, p));
    t = g2Add(t, t);
    if (bits[i] === "1") {
      f = f.mul(line(t as { x: Fp2; y: Fp2 }, q, p));
      t = g2Add(t, q);
    }
  }
  const q1 = g2Frobenius(q) as { x: Fp2; y: Fp2 };
  const q2 = g2Neg(g2Frobenius(q1)) as { x: Fp2; y: Fp2 };
  f = f.mul(line(t as { x: Fp2; y: Fp2 }, q1, p));
  t = g2Add(t, q1);
  f = f.mul(line(t as { x: Fp2; y: Fp2 }, q2, p));
  return f;
}

/** f^((p^6 - 1)(p^2 + 1)). */
export function finalExpEasy(f: Fp12): Fp12 {
  const f1 = f.conj().mul(f.inv());
  return f1.frobeniusN(2).mul(f1);
}

/** f^((p^4 - p^2 + 1)/N) for f in the cyclotomic subgroup (Scott et al., eprint 2008/490). */
export function finalExpHard(f: Fp12): Fp12 {
  const fp = f.frobenius();
  const fp2 = fp.frobenius();
  const fp3 = fp2.frobenius();
  const ft = f.pow(T);
  const ft2 = ft.pow(T);
  const ft3 = ft2.pow(T);
  const y0 = fp.mul(fp2).mul(fp3);
  const y1 = f.conj();
  const y2 = ft2.frobeniusN(2);
  const y3 = ft.frobenius().conj();
  const y4 = ft.mul(ft2.frobenius()).conj();
  const y5 = ft2.conj();
  const y6 = ft3.mul(ft3.frobenius()).conj();
  let t0 = y6.sqr().mul(y4).mul(y5);
  let t1 = y3.mul(y5).mul(t0);
  t0 = t0.mul(y2);
  t1 = t1.sqr().mul(t0).sqr();
  t0 = t1.mul(y1);
  t1 = t1.mul(y0);
  return t0.sqr().mul(t1);
}

export function finalExp(f: Fp12): Fp12 {
  return finalExpHard(finalExpEasy(f));
}

/** The exponent (p^12 - 1)/N itself, for checking `finalExp` against a plain power. */
export const FINAL_EXPONENT = (P ** 12n - 1n) / N;

export function pairing(p: G1Affine, q: G2Affine): Fp12 {
  return finalExp(millerLoop(p, q));
}
