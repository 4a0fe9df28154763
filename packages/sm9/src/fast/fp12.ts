/**
 * Fp12 = Fp4[w]/(w^3 - v), Fp4 = Fp2[v]/(v^2 - u), Fp2 = Fp[u]/(u^2 + 2), with lazy reduction: every
 * product below is formed from unreduced bigint sums and each of the 12 output coefficients is reduced once.
 *
 * Layout of an element (12 bigints), for f = a + b w + c w^2, a = a0 + a1 v, ai = ai0 + ai1 u:
 *   [a00, a01, a10, a11, b00, b01, b10, b11, c00, c01, c10, c11]
 * i.e. index 4k + 2j + m holds the coefficient of w^k v^j u^m = w^(k + 3j + 6m).
 */
import { fpInv, P, red } from "./fp.js";

export type Fp12 = readonly [
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
];

/** An Fp4 element (x0 + x1 u) + (x2 + x3 u) v, possibly unreduced. */
type F4 = readonly [bigint, bigint, bigint, bigint];

export const FP12_ONE: Fp12 = [1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];

export function fp12Equal(a: Fp12, b: Fp12): boolean {
  for (let i = 0; i < 12; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fp12IsOne(a: Fp12): boolean {
  return fp12Equal(a, FP12_ONE);
}

/** Unreduced Fp4 product (Karatsuba over Fp2, schoolbook Fp2): 12 bigint products. */
function m4(
  x0: bigint,
  x1: bigint,
  x2: bigint,
  x3: bigint,
  y0: bigint,
  y1: bigint,
  y2: bigint,
  y3: bigint,
): F4 {
  const t00 = x0 * y0 - 2n * x1 * y1;
  const t01 = x0 * y1 + x1 * y0;
  const t10 = x2 * y2 - 2n * x3 * y3;
  const t11 = x2 * y3 + x3 * y2;
  const s0 = x0 + x2;
  const s1 = x1 + x3;
  const r0 = y0 + y2;
  const r1 = y1 + y3;
  const u0 = s0 * r0 - 2n * s1 * r1;
  const u1 = s0 * r1 + s1 * r0;
  // (T0 + u T1) + (S - T0 - T1) v
  return [t00 - 2n * t11, t01 + t10, u0 - t00 - t10, u1 - t01 - t11];
}

/** Unreduced Fp4 square: (X0 + X1 v)^2 = (X0^2 + u X1^2) + 2 X0 X1 v. */
function s4(x0: bigint, x1: bigint, x2: bigint, x3: bigint): F4 {
  const a01 = x0 * x1;
  const a0 = x0 * x0 - 2n * x1 * x1; // X0^2 = a0 + 2 a01 u
  const b23 = x2 * x3;
  const b0 = x2 * x2 - 2n * x3 * x3; // X1^2 = b0 + 2 b23 u
  const c0 = x0 * x2 - 2n * x1 * x3; // X0 X1 = c0 + c1 u
  const c1 = x0 * x3 + x1 * x2;
  return [a0 - 4n * b23, 2n * a01 + b0, 2n * c0, 2n * c1];
}

/** Full product: Karatsuba over the cubic extension (6 Fp4 products), 72 bigint products, 12 reductions. */
export function fp12Mul(f: Fp12, g: Fp12): Fp12 {
  const a0 = f[0];
  const a1 = f[1];
  const a2 = f[2];
  const a3 = f[3];
  const b0 = f[4];
  const b1 = f[5];
  const b2 = f[6];
  const b3 = f[7];
  const c0 = f[8];
  const c1 = f[9];
  const c2 = f[10];
  const c3 = f[11];
  const d0 = g[0];
  const d1 = g[1];
  const d2 = g[2];
  const d3 = g[3];
  const e0 = g[4];
  const e1 = g[5];
  const e2 = g[6];
  const e3 = g[7];
  const h0 = g[8];
  const h1 = g[9];
  const h2 = g[10];
  const h3 = g[11];
  const v0 = m4(a0, a1, a2, a3, d0, d1, d2, d3);
  const v1 = m4(b0, b1, b2, b3, e0, e1, e2, e3);
  const v2 = m4(c0, c1, c2, c3, h0, h1, h2, h3);
  const v01 = m4(a0 + b0, a1 + b1, a2 + b2, a3 + b3, d0 + e0, d1 + e1, d2 + e2, d3 + e3);
  const v02 = m4(a0 + c0, a1 + c1, a2 + c2, a3 + c3, d0 + h0, d1 + h1, d2 + h2, d3 + h3);
  const v12 = m4(b0 + c0, b1 + c1, b2 + c2, b3 + c3, e0 + h0, e1 + h1, e2 + h2, e3 + h3);
  // r_a = v0 + v (v12 - v1 - v2); r_b = v01 - v0 - v1 + v v2; r_c = v02 - v0 - v2 + v1.
  // v (X0, X1, X2, X3) = (-2 X3, X2, X0, X1).
  const z0 = v12[0] - v1[0] - v2[0];
  const z1 = v12[1] - v1[1] - v2[1];
  const z2 = v12[2] - v1[2] - v2[2];
  const z3 = v12[3] - v1[3] - v2[3];
  return [
    red(v0[0] - 2n * z3),
    red(v0[1] + z2),
    red(v0[2] + z0),
    red(v0[3] + z1),
    red(v01[0] - v0[0] - v1[0] - 2n * v2[3]),
    red(v01[1] - v0[1] - v1[1] + v2[2]),
    red(v01[2] - v0[2] - v1[2] + v2[0]),
    red(v01[3] - v0[3] - v1[3] + v2[1]),
    red(v02[0] - v0[0] - v2[0] + v1[0]),
    red(v02[1] - v0[1] - v2[1] + v1[1]),
    red(v02[2] - v0[2] - v2[2] + v1[2]),
    red(v02[3] - v0[3] - v2[3] + v1[3]),
  ];
}

/**
 * Square of any element (Chung-Hasan SQR2 over the cubic extension):
 * S0 = a^2, S1 = 2ab, S2 = (a - b + c)^2, S3 = 2bc, S4 = c^2;
 * r_a = S0 + v S3, r_b = S1 + v S4, r_c = S1 + S2 + S3 - S0 - S4.
 */
export function fp12Sqr(f: Fp12): Fp12 {
  const a0 = f[0];
  const a1 = f[1];
  const a2 = f[2];
  const a3 = f[3];
  const b0 = f[4];
  const b1 = f[5];
  const b2 = f[6];
  const b3 = f[7];
  const c0 = f[8];
  const c1 = f[9];
  const c2 = f[10];
  const c3 = f[11];
  const s0 = s4(a0, a1, a2, a3);
  const ab = m4(a0, a1, a2, a3, b0, b1, b2, b3);
  const s2 = s4(a0 - b0 + c0, a1 - b1 + c1, a2 - b2 + c2, a3 - b3 + c3);
  const bc = m4(b0, b1, b2, b3, c0, c1, c2, c3);
  const sc = s4(c0, c1, c2, c3);
  const s10 = 2n * ab[0];
  const s11 = 2n * ab[1];
  const s12 = 2n * ab[2];
  const s13 = 2n * ab[3];
  const s30 = 2n * bc[0];
  const s31 = 2n * bc[1];
  const s32 = 2n * bc[2];
  const s33 = 2n * bc[3];
  return [
    red(s0[0] - 2n * s33),
    red(s0[1] + s32),
    red(s0[2] + s30),
    red(s0[3] + s31),
    red(s10 - 2n * sc[3]),
    red(s11 + sc[2]),
    red(s12 + sc[0]),
    red(s13 + sc[1]),
    red(s10 + s2[0] + s30 - s0[0] - sc[0]),
    red(s11 + s2[1] + s31 - s0[1] - sc[1]),
    red(s12 + s2[2] + s32 - s0[2] - sc[2]),
    red(s13 + s2[3] + s33 - s0[3] - sc[3]),
  ];
}

/**
 * Square of an element of the cyclotomic subgroup (order p^4 - p^2 + 1), Granger-Scott:
 * with x' the conjugate of x over Fp2 (v -> -v),
 * r_a = 3a^2 - 2a', r_b = 3v c^2 + 2b', r_c = 3b^2 - 2c'.
 */
export function fp12CyclotomicSqr(f: Fp12): Fp12 {
  const a0 = f[0];
  const a1 = f[1];
  const a2 = f[2];
  const a3 = f[3];
  const b0 = f[4];
  const b1 = f[5];
  const b2 = f[6];
  const b3 = f[7];
  const c0 = f[8];
  const c1 = f[9];
  const c2 = f[10];
  const c3 = f[11];
  const A = s4(a0, a1, a2, a3);
  const B = s4(b0, b1, b2, b3);
  const C = s4(c0, c1, c2, c3);
  // v C^2 = (-2 C3, C2, C0, C1).
  return [
    thriceMinusTwice(A[0], a0),
    thriceMinusTwice(A[1], a1),
    thricePlusTwice(A[2], a2),
    thricePlusTwice(A[3], a3),
    red((b0 - 3n * C[3]) << 1n),
    thricePlusTwice(C[2], b1),
    thriceMinusTwice(C[0], b2),
    thriceMinusTwice(C[1], b3),
    thriceMinusTwice(B[0], c0),
    thriceMinusTwice(B[1], c1),
    thricePlusTwice(B[2], c2),
    thricePlusTwice(B[3], c3),
  ];
}

/** 3X - 2x reduced, as X + 2(X - x) (additions are cheaper than small-constant products). */
function thriceMinusTwice(X: bigint, x: bigint): bigint {
  const d = X - x;
  return red(d + d + X);
}

/** 3X + 2x reduced. */
function thricePlusTwice(X: bigint, x: bigint): bigint {
  const d = X + x;
  return red(d + d + X);
}

/**
 * f * l for a Miller-loop line l = (l0 + l1 v) + l2 w^2 (l0, l1, l2 in Fp2, possibly unreduced):
 * with L = l0 + l1 v and f = a + b w + c w^2,
 * r_a = a L + v (b l2), r_b = b L + v (c l2), r_c = c L + a l2.
 */
export function fp12MulLine(
  f: Fp12,
  l00: bigint,
  l01: bigint,
  l10: bigint,
  l11: bigint,
  l20: bigint,
  l21: bigint,
): Fp12 {
  const a0 = f[0];
  const a1 = f[1];
  const a2 = f[2];
  const a3 = f[3];
  const b0 = f[4];
  const b1 = f[5];
  const b2 = f[6];
  const b3 = f[7];
  const c0 = f[8];
  const c1 = f[9];
  const c2 = f[10];
  const c3 = f[11];
  // Line-side values shared by the three Fp4 products (Karatsuba over Fp2) and the l2 products.
  const d01 = l01 << 1n;
  const d11 = l11 << 1n;
  const r0 = l00 + l10;
  const r1 = l01 + l11;
  const dr1 = r1 << 1n;
  const d21 = l21 << 1n;
  const aT00 = a0 * l00 - a1 * d01;
  const aT01 = a0 * l01 + a1 * l00;
  const aT10 = a2 * l10 - a3 * d11;
  const aT11 = a2 * l11 + a3 * l10;
  const aS0 = a0 + a2;
  const aS1 = a1 + a3;
  const bT00 = b0 * l00 - b1 * d01;
  const bT01 = b0 * l01 + b1 * l00;
  const bT10 = b2 * l10 - b3 * d11;
  const bT11 = b2 * l11 + b3 * l10;
  const bS0 = b0 + b2;
  const bS1 = b1 + b3;
  const cT00 = c0 * l00 - c1 * d01;
  const cT01 = c0 * l01 + c1 * l00;
  const cT10 = c2 * l10 - c3 * d11;
  const cT11 = c2 * l11 + c3 * l10;
  const cS0 = c0 + c2;
  const cS1 = c1 + c3;
  // X l2 for the Fp2 halves of b and c (a's go straight into r_c).
  const bl0 = b0 * l20 - b1 * d21;
  const bl1 = b0 * l21 + b1 * l20;
  const bl2 = b2 * l20 - b3 * d21;
  const bl3 = b2 * l21 + b3 * l20;
  const cl0 = c0 * l20 - c1 * d21;
  const cl1 = c0 * l21 + c1 * l20;
  const cl2 = c2 * l20 - c3 * d21;
  const cl3 = c2 * l21 + c3 * l20;
  // X L = (T0 + u T1) + (S - T0 - T1) v with S = (X0 + X1)(L0 + L1); then r_a = aL + v(b l2), etc.
  return [
    red(aT00 - ((aT11 + bl3) << 1n)),
    red(aT01 + aT10 + bl2),
    red(aS0 * r0 - aS1 * dr1 - aT00 - aT10 + bl0),
    red(aS0 * r1 + aS1 * r0 - aT01 - aT11 + bl1),
    red(bT00 - ((bT11 + cl3) << 1n)),
    red(bT01 + bT10 + cl2),
    red(bS0 * r0 - bS1 * dr1 - bT00 - bT10 + cl0),
    red(bS0 * r1 + bS1 * r0 - bT01 - bT11 + cl1),
    red(cT00 - (cT11 << 1n) + a0 * l20 - a1 * d21),
    red(cT01 + cT10 + a0 * l21 + a1 * l20),
    red(cS0 * r0 - cS1 * dr1 - cT00 - cT10 + a2 * l20 - a3 * d21),
    red(cS0 * r1 + cS1 * r0 - cT01 - cT11 + a2 * l21 + a3 * l20),
  ];
}

/**
 * f * l for a normalized line l = (l0 + yP v) + l2 w^2 (l0, l2 in Fp2 reduced, yP in Fp): the line divided by
 * its v-coefficient's Fp2 factor. With yP in Fp each Fp4 product needs 10 bigint products instead of 12.
 */
export function fp12MulLineNorm(
  f: Fp12,
  l00: bigint,
  l01: bigint,
  yP: bigint,
  l20: bigint,
  l21: bigint,
): Fp12 {
  const a0 = f[0];
  const a1 = f[1];
  const a2 = f[2];
  const a3 = f[3];
  const b0 = f[4];
  const b1 = f[5];
  const b2 = f[6];
  const b3 = f[7];
  const c0 = f[8];
  const c1 = f[9];
  const c2 = f[10];
  const c3 = f[11];
  const d01 = l01 << 1n;
  const d21 = l21 << 1n;
  const r0 = l00 + yP;
  // X L for X = (x0 + x1 u) + (x2 + x3 u) v and L = l0 + yP v (Karatsuba over Fp2; yP has no u part).
  const aT00 = a0 * l00 - a1 * d01;
  const aT01 = a0 * l01 + a1 * l00;
  const aT10 = a2 * yP;
  const aT11 = a3 * yP;
  const aS0 = a0 + a2;
  const aS1 = a1 + a3;
  const bT00 = b0 * l00 - b1 * d01;
  const bT01 = b0 * l01 + b1 * l00;
  const bT10 = b2 * yP;
  const bT11 = b3 * yP;
  const bS0 = b0 + b2;
  const bS1 = b1 + b3;
  const cT00 = c0 * l00 - c1 * d01;
  const cT01 = c0 * l01 + c1 * l00;
  const cT10 = c2 * yP;
  const cT11 = c3 * yP;
  const cS0 = c0 + c2;
  const cS1 = c1 + c3;
  // X l2 for the Fp2 halves of b, c, a.
  const bl0 = b0 * l20 - b1 * d21;
  const bl1 = b0 * l21 + b1 * l20;
  const bl2 = b2 * l20 - b3 * d21;
  const bl3 = b2 * l21 + b3 * l20;
  const cl0 = c0 * l20 - c1 * d21;
  const cl1 = c0 * l21 + c1 * l20;
  const cl2 = c2 * l20 - c3 * d21;
  const cl3 = c2 * l21 + c3 * l20;
  return [
    red(aT00 - (aT11 << 1n) - (bl3 << 1n)),
    red(aT01 + aT10 + bl2),
    red(aS0 * r0 - aS1 * d01 - aT00 - aT10 + bl0),
    red(aS0 * l01 + aS1 * r0 - aT01 - aT11 + bl1),
    red(bT00 - (bT11 << 1n) - (cl3 << 1n)),
    red(bT01 + bT10 + cl2),
    red(bS0 * r0 - bS1 * d01 - bT00 - bT10 + cl0),
    red(bS0 * l01 + bS1 * r0 - bT01 - bT11 + cl1),
    red(cT00 - (cT11 << 1n) + a0 * l20 - a1 * d21),
    red(cT01 + cT10 + a0 * l21 + a1 * l20),
    red(cS0 * r0 - cS1 * d01 - cT00 - cT10 + a2 * l20 - a3 * d21),
    red(cS0 * l01 + cS1 * r0 - cT01 - cT11 + a2 * l21 + a3 * l20),
  ];
}

/** f^(p^6): the odd powers of w change sign (w^(p^6) = -w). The inverse on the cyclotomic subgroup. */
export function fp12Conj(f: Fp12): Fp12 {
  const n = (x: bigint): bigint => (x === 0n ? 0n : P - x);
  return [f[0], f[1], n(f[2]), n(f[3]), n(f[4]), n(f[5]), f[6], f[7], f[8], f[9], n(f[10]), n(f[11])];
}

/**
 * Frobenius constants: (w^k)^(p^i) = gamma_{i,k} w^k with gamma_{i,k} = u^(k(p^i - 1)/6), which lies in Fp
 * for SM9's p (p = 1 mod 12). Computed once at load (a few modular powers).
 */
function fpPow(a: bigint, e: bigint): bigint {
  let r = 1n;
  let b = a % P;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * b) % P;
    b = (b * b) % P;
    k >>= 1n;
  }
  return r;
}

/** u^(2m) = (-2)^m; every exponent k (p^i - 1)/6 is even. */
function gamma(i: number, k: number): bigint {
  const e = (BigInt(k) * (P ** BigInt(i) - 1n)) / 6n;
  if (e % 2n !== 0n) throw new Error("Frobenius constant outside Fp");
  return fpPow(P - 2n, e / 2n);
}

/** GAMMA[i-1][k] for i = 1, 2, 3 and k = 0..5. */
export const GAMMA: readonly (readonly bigint[])[] = [1, 2, 3].map((i) =>
  [0, 1, 2, 3, 4, 5].map((k) => gamma(i, k)),
);

/** f^(p^i) for i = 1, 2, 3: conjugate each Fp2 coefficient when i is odd, then scale by gamma_{i,k}. */
export function fp12Frobenius(f: Fp12, i: 1 | 2 | 3): Fp12 {
  const g = GAMMA[i - 1] as readonly bigint[];
  const g1 = g[1] as bigint;
  const g2 = g[2] as bigint;
  const g3 = g[3] as bigint;
  const g4 = g[4] as bigint;
  const g5 = g[5] as bigint;
  // Layout positions of w^k: w^0 -> 0, w^1 -> 4, w^2 -> 8, w^3 -> 2, w^4 -> 6, w^5 -> 10 (gamma_0 = 1).
  // The u-coefficients change sign for odd i (conjugation of Fp2).
  if (i === 2) {
    return [
      f[0],
      f[1],
      (f[2] * g3) % P,
      (f[3] * g3) % P,
      (f[4] * g1) % P,
      (f[5] * g1) % P,
      (f[6] * g4) % P,
      (f[7] * g4) % P,
      (f[8] * g2) % P,
      (f[9] * g2) % P,
      (f[10] * g5) % P,
      (f[11] * g5) % P,
    ];
  }
  return [
    f[0],
    f[1] === 0n ? 0n : P - f[1],
    (f[2] * g3) % P,
    red(-f[3] * g3),
    (f[4] * g1) % P,
    red(-f[5] * g1),
    (f[6] * g4) % P,
    red(-f[7] * g4),
    (f[8] * g2) % P,
    red(-f[9] * g2),
    (f[10] * g5) % P,
    red(-f[11] * g5),
  ];
}

/** Inverse of x0 + x1 u: (x0 - x1 u) / (x0^2 + 2 x1^2). */
function inv2(x0: bigint, x1: bigint): [bigint, bigint] {
  const n = fpInv(red(x0 * x0 + 2n * x1 * x1));
  return [red(x0 * n), red(-x1 * n)];
}

/**
 * Inverse: for f = a + b w + c w^2 over Fp4 with w^3 = v,
 * A = a^2 - v bc, B = v c^2 - ab, C = b^2 - ac, F = aA + v(cB + bC), f^-1 = (A + B w + C w^2) / F.
 */
export function fp12Inv(f: Fp12): Fp12 {
  const r4 = (x: F4): F4 => [red(x[0]), red(x[1]), red(x[2]), red(x[3])];
  const mul = (x: F4, y: F4): F4 => r4(m4(x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]));
  const mulV = (x: F4): F4 => [red(-2n * x[3]), x[2], x[0], x[1]];
  const sub = (x: F4, y: F4): F4 => [red(x[0] - y[0]), red(x[1] - y[1]), red(x[2] - y[2]), red(x[3] - y[3])];
  const add = (x: F4, y: F4): F4 => [red(x[0] + y[0]), red(x[1] + y[1]), red(x[2] + y[2]), red(x[3] + y[3])];
  const a: F4 = [f[0], f[1], f[2], f[3]];
  const b: F4 = [f[4], f[5], f[6], f[7]];
  const c: F4 = [f[8], f[9], f[10], f[11]];
  const A = sub(mul(a, a), mulV(mul(b, c)));
  const B = sub(mulV(mul(c, c)), mul(a, b));
  const C = sub(mul(b, b), mul(a, c));
  const F = add(mul(a, A), mulV(add(mul(c, B), mul(b, C))));
  // F^-1 in Fp4: (F0 + F1 v)^-1 = (F0 - F1 v) / (F0^2 - u F1^2).
  const f0: [bigint, bigint] = [F[0], F[1]];
  const f1: [bigint, bigint] = [F[2], F[3]];
  const sq0 = [red(f0[0] * f0[0] - 2n * f0[1] * f0[1]), red(2n * f0[0] * f0[1])] as const;
  const sq1 = [red(f1[0] * f1[0] - 2n * f1[1] * f1[1]), red(2n * f1[0] * f1[1])] as const;
  // norm = F0^2 - u F1^2 = (sq0_0 + 2 sq1_1) + (sq0_1 - sq1_0) u
  const [n0, n1] = inv2(red(sq0[0] + 2n * sq1[1]), red(sq0[1] - sq1[0]));
  const Finv: F4 = [
    red(f0[0] * n0 - 2n * f0[1] * n1),
    red(f0[0] * n1 + f0[1] * n0),
    red(-(f1[0] * n0 - 2n * f1[1] * n1)),
    red(-(f1[0] * n1 + f1[1] * n0)),
  ];
  const ra = mul(A, Finv);
  const rb = mul(B, Finv);
  const rc = mul(C, Finv);
  return [ra[0], ra[1], ra[2], ra[3], rb[0], rb[1], rb[2], rb[3], rc[0], rc[1], rc[2], rc[3]];
}
