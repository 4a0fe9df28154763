/** Naive affine arithmetic on E(Fp): y^2 = x^3 + 5 and on the twist E'(Fp2): y^2 = x^3 + 5u. */
import { B, P, P1_X, P1_Y, P2_X0, P2_X1, P2_Y0, P2_Y1 } from "../params.js";
import { Fp2, fpInv, fpMod } from "./field.js";

/** An affine point of E(Fp); `null` is the point at infinity. */
export type G1Affine = { readonly x: bigint; readonly y: bigint } | null;
/** An affine point of E'(Fp2); `null` is the point at infinity. */
export type G2Affine = { readonly x: Fp2; readonly y: Fp2 } | null;

export const G1_GEN: G1Affine = { x: P1_X, y: P1_Y };
export const G2_GEN: G2Affine = { x: new Fp2(P2_X0, P2_X1), y: new Fp2(P2_Y0, P2_Y1) };
/** b' = 5u, the twist coefficient. */
export const TWIST_B = new Fp2(0n, B);

export function g1IsOnCurve(x: bigint, y: bigint): boolean {
  return x >= 0n && x < P && y >= 0n && y < P && fpMod(y * y - x * x * x - B) === 0n;
}

export function g1Neg(a: G1Affine): G1Affine {
  return a === null ? null : { x: a.x, y: fpMod(-a.y) };
}

export function g1Add(a: G1Affine, b: G1Affine): G1Affine {
  if (a === null) return b;
  if (b === null) return a;
  let lambda: bigint;
  if (a.x === b.x) {
    if (fpMod(a.y + b.y) === 0n) return null;
    lambda = fpMod(3n * a.x * a.x * fpInv(2n * a.y));
  } else {
    lambda = fpMod((b.y - a.y) * fpInv(b.x - a.x));
  }
  const x = fpMod(lambda * lambda - a.x - b.x);
  const y = fpMod(lambda * (a.x - x) - a.y);
  return { x, y };
}

/** Double-and-add from the most significant bit. */
export function g1Mul(a: G1Affine, k: bigint): G1Affine {
  if (k < 0n) return g1Mul(g1Neg(a), -k);
  let r: G1Affine = null;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    r = g1Add(r, r);
    if ((k >> BigInt(i)) & 1n) r = g1Add(r, a);
  }
  return r;
}

export function g2IsOnCurve(x: Fp2, y: Fp2): boolean {
  return y.sqr().equals(x.sqr().mul(x).add(TWIST_B));
}

export function g2Neg(a: G2Affine): G2Affine {
  return a === null ? null : { x: a.x, y: a.y.neg() };
}

/** Slope of the line through a and b (the tangent when a = b); null for a vertical line. */
export function g2Slope(a: { x: Fp2; y: Fp2 }, b: { x: Fp2; y: Fp2 }): Fp2 | null {
  if (a.x.equals(b.x)) {
    if (a.y.add(b.y).isZero()) return null;
    return a.x.sqr().mulFp(3n).mul(a.y.mulFp(2n).inv());
  }
  return b.y.sub(a.y).mul(b.x.sub(a.x).inv());
}

export function g2Add(a: G2Affine, b: G2Affine): G2Affine {
  if (a === null) return b;
  if (b === null) return a;
  const lambda = g2Slope(a, b);
  if (lambda === null) return null;
  const x = lambda.sqr().sub(a.x).sub(b.x);
  const y = lambda.mul(a.x.sub(x)).sub(a.y);
  return { x, y };
}

export function g2Mul(a: G2Affine, k: bigint): G2Affine {
  if (k < 0n) return g2Mul(g2Neg(a), -k);
  let r: G2Affine = null;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    r = g2Add(r, r);
    if ((k >> BigInt(i)) & 1n) r = g2Add(r, a);
  }
  return r;
}

export function g2Equals(a: G2Affine, b: G2Affine): boolean {
  if (a === null || b === null) return a === b;
  return a.x.equals(b.x) && a.y.equals(b.y);
}

const U = new Fp2(0n, 1n);
/** u^-((p-1)/3) and u^-((p-1)/2): the twisted Frobenius factors. */
const FROB_X = U.pow((P - 1n) / 3n).inv();
const FROB_Y = U.pow((P - 1n) / 2n).inv();

/** pi(x', y') = (conj(x') u^-((p-1)/3), conj(y') u^-((p-1)/2)): the p-power Frobenius seen on the twist. */
export function g2Frobenius(a: G2Affine): G2Affine {
  if (a === null) return null;
  return { x: a.x.conj().mul(FROB_X), y: a.y.conj().mul(FROB_Y) };
}
