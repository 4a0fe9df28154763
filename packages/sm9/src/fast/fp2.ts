/** Fp2 = Fp[u]/(u^2 + 2) on (c0, c1) pairs of bigints, for the twist arithmetic. Results are reduced. */
import { fpInv, P, red } from "./fp.js";

export type Fp2 = readonly [bigint, bigint];

export const FP2_ZERO: Fp2 = [0n, 0n];
export const FP2_ONE: Fp2 = [1n, 0n];

export function f2Add(a: Fp2, b: Fp2): Fp2 {
  let c0 = a[0] + b[0];
  let c1 = a[1] + b[1];
  if (c0 >= P) c0 -= P;
  if (c1 >= P) c1 -= P;
  return [c0, c1];
}

export function f2Sub(a: Fp2, b: Fp2): Fp2 {
  let c0 = a[0] - b[0];
  let c1 = a[1] - b[1];
  if (c0 < 0n) c0 += P;
  if (c1 < 0n) c1 += P;
  return [c0, c1];
}

export function f2Neg(a: Fp2): Fp2 {
  return [a[0] === 0n ? 0n : P - a[0], a[1] === 0n ? 0n : P - a[1]];
}

export function f2Dbl(a: Fp2): Fp2 {
  return f2Add(a, a);
}

export function f2Mul(a: Fp2, b: Fp2): Fp2 {
  const a0 = a[0];
  const a1 = a[1];
  const b0 = b[0];
  const b1 = b[1];
  return [red(a0 * b0 - ((a1 * b1) << 1n)), (a0 * b1 + a1 * b0) % P];
}

/** (a0 + a1 u)^2 = (a0 + a1)(a0 - 2a1) + a0 a1 + 2 a0 a1 u. */
export function f2Sqr(a: Fp2): Fp2 {
  const a0 = a[0];
  const a1 = a[1];
  const t = a0 * a1;
  return [red((a0 + a1) * (a0 - (a1 << 1n)) + t), (t << 1n) % P];
}

export function f2MulFp(a: Fp2, k: bigint): Fp2 {
  return [(a[0] * k) % P, (a[1] * k) % P];
}

/** a * u = -2 a1 + a0 u. */
export function f2MulU(a: Fp2): Fp2 {
  return [red(-(a[1] << 1n)), a[0]];
}

export function f2Conj(a: Fp2): Fp2 {
  return [a[0], a[1] === 0n ? 0n : P - a[1]];
}

export function f2Inv(a: Fp2): Fp2 {
  const n = fpInv(red(a[0] * a[0] + ((a[1] * a[1]) << 1n)));
  return [(a[0] * n) % P, red(-a[1] * n)];
}

export function f2IsZero(a: Fp2): boolean {
  return a[0] === 0n && a[1] === 0n;
}

export function f2Equal(a: Fp2, b: Fp2): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
