/**
 * The R-ate (optimal ate) pairing of SM9, fast version:
 *   f = f_{6t+2,Q}(P) * l_{T,pi(Q)}(P) * l_{T+pi(Q),-pi^2(Q)}(P),  e(P, Q) = f^((p^12 - 1)/N)
 * Miller loop in homogeneous projective coordinates on the twist (x = X/Z, y = Y/Z) over the NAF of 6t+2,
 * lines multiplied in as sparse Fp12 elements, and lines precomputable for a fixed Q.
 *
 * A line through points of the twist, untwisted and evaluated at P = (xP, yP), scaled by w^3 and by any
 * factor of Fp4 (killed by the final exponentiation), is (l0 + l1 v) + l2 w^2 with
 *   tangent at T:         l0 = Y^2 - 3b'Z^2,       l1 = 2YZ * yP,  l2 = -3X^2 * xP
 *   chord T + Q (affine): l0 = theta xQ - lambda yQ, l1 = lambda * yP, l2 = -theta * xP
 *   where theta = Y - yQ Z, lambda = X - xQ Z.
 */
import { SIX_T_PLUS_2 } from "../params.js";
import { finalExp } from "./final-exp.js";
import { fpBatchInv, P, red } from "./fp.js";
import { f2Neg } from "./fp2.js";
import { FP12_ONE, type Fp12, fp12MulLine, fp12MulLineNorm, fp12Sqr } from "./fp12.js";
import { type G2Affine, g2AffineNeg, g2PsiAffine, naf } from "./g2.js";

export interface G1Affine {
  readonly x: bigint;
  readonly y: bigint;
}

/** The running point T of the Miller loop (mutable, homogeneous projective, reduced coordinates). */
interface MillerPoint {
  x0: bigint;
  x1: bigint;
  y0: bigint;
  y1: bigint;
  z0: bigint;
  z1: bigint;
}

/**
 * A line before it meets P: [l0_0, l0_1, m1_0, m1_1, m2_0, m2_1] with l1 = m1 * yP and l2 = m2 * xP.
 * m1 and m2 are reduced; l0 may be a small multiple of p off (it only enters products).
 */
export type LineCoeffs = readonly [bigint, bigint, bigint, bigint, bigint, bigint];

/** Doubles T in place and returns the tangent line's coefficients. */
function doublingStep(t: MillerPoint): LineCoeffs {
  const x0 = t.x0;
  const x1 = t.x1;
  const y0 = t.y0;
  const y1 = t.y1;
  const z0 = t.z0;
  const z1 = t.z1;
  // A = X Y, B = Y^2, C = Z^2
  const a0 = red(x0 * y0 - ((x1 * y1) << 1n));
  const a1 = red(x0 * y1 + x1 * y0);
  const yy = y0 * y1;
  const b0 = red((y0 + y1) * (y0 - (y1 << 1n)) + yy);
  const b1 = (yy << 1n) % P;
  const zz = z0 * z1;
  const c0 = red((z0 + z1) * (z0 - (z1 << 1n)) + zz);
  const c1 = (zz << 1n) % P;
  // E = 3b' C = 15u C = (-30 c1, 15 c0); F = 3E.
  const e0 = -30n * c1;
  const e1 = 15n * c0;
  const f0 = 3n * e0;
  const f1 = 3n * e1;
  // X3 = 2A(B - F)
  const d0 = b0 - f0;
  const d1 = b1 - f1;
  const nx0 = red((a0 * d0 - ((a1 * d1) << 1n)) << 1n);
  const nx1 = red((a0 * d1 + a1 * d0) << 1n);
  // Y3 = G^2 - 12 E^2, G = B + F
  const g0 = b0 + f0;
  const g1 = b1 + f1;
  const gg = g0 * g1;
  const ee = e0 * e1;
  const ny0 = red(g0 * g0 - ((g1 * g1) << 1n) - 12n * (e0 * e0 - ((e1 * e1) << 1n)));
  const ny1 = red((gg << 1n) - 24n * ee);
  // H = 2YZ; Z3 = 4 B H
  const h0 = red((y0 * z0 - ((y1 * z1) << 1n)) << 1n);
  const h1 = red((y0 * z1 + y1 * z0) << 1n);
  const nz0 = red((b0 * h0 - ((b1 * h1) << 1n)) << 2n);
  const nz1 = red((b0 * h1 + b1 * h0) << 2n);
  // l0 = B - E, l1 = H yP, l2 = -3 X^2 xP
  // l0 stays unreduced (|l0| < 31p): it only ever enters products.
  const l00 = b0 - e0;
  const l01 = b1 - e1;
  const xx = x0 * x1;
  const m20 = red(-3n * (x0 * x0 - ((x1 * x1) << 1n)));
  const m21 = red(-6n * xx);
  t.x0 = nx0;
  t.x1 = nx1;
  t.y0 = ny0;
  t.y1 = ny1;
  t.z0 = nz0;
  t.z1 = nz1;
  return [l00, l01, h0, h1, m20, m21];
}

/** T += Q (Q affine, T != +-Q) in place; returns the chord's coefficients. */
function additionStep(t: MillerPoint, qx0: bigint, qx1: bigint, qy0: bigint, qy1: bigint): LineCoeffs {
  const x0 = t.x0;
  const x1 = t.x1;
  const y0 = t.y0;
  const y1 = t.y1;
  const z0 = t.z0;
  const z1 = t.z1;
  // theta = Y - yQ Z, lambda = X - xQ Z
  const th0 = red(y0 - (qy0 * z0 - ((qy1 * z1) << 1n)));
  const th1 = red(y1 - (qy0 * z1 + qy1 * z0));
  const la0 = red(x0 - (qx0 * z0 - ((qx1 * z1) << 1n)));
  const la1 = red(x1 - (qx0 * z1 + qx1 * z0));
  // C = theta^2, D = lambda^2, E = lambda D, F = Z C, G = X D, H = E + F - 2G
  const c0 = red(th0 * th0 - ((th1 * th1) << 1n));
  const c1 = red((th0 * th1) << 1n);
  const d0 = red(la0 * la0 - ((la1 * la1) << 1n));
  const d1 = red((la0 * la1) << 1n);
  const e0 = red(la0 * d0 - ((la1 * d1) << 1n));
  const e1 = red(la0 * d1 + la1 * d0);
  const f0 = z0 * c0 - ((z1 * c1) << 1n);
  const f1 = z0 * c1 + z1 * c0;
  const g0 = red(x0 * d0 - ((x1 * d1) << 1n));
  const g1 = red(x0 * d1 + x1 * d0);
  const hh0 = red(e0 + f0 - (g0 << 1n));
  const hh1 = red(e1 + f1 - (g1 << 1n));
  // X3 = lambda H, Y3 = theta (G - H) - Y E, Z3 = Z E
  const nx0 = red(la0 * hh0 - ((la1 * hh1) << 1n));
  const nx1 = red(la0 * hh1 + la1 * hh0);
  const gh0 = g0 - hh0;
  const gh1 = g1 - hh1;
  const ny0 = red(th0 * gh0 - ((th1 * gh1) << 1n) - (y0 * e0 - ((y1 * e1) << 1n)));
  const ny1 = red(th0 * gh1 + th1 * gh0 - (y0 * e1 + y1 * e0));
  const nz0 = red(z0 * e0 - ((z1 * e1) << 1n));
  const nz1 = red(z0 * e1 + z1 * e0);
  // l0 = theta xQ - lambda yQ, l1 = lambda yP, l2 = -theta xP
  const l00 = red(th0 * qx0 - ((th1 * qx1) << 1n) - (la0 * qy0 - ((la1 * qy1) << 1n)));
  const l01 = red(th0 * qx1 + th1 * qx0 - (la0 * qy1 + la1 * qy0));
  t.x0 = nx0;
  t.x1 = nx1;
  t.y0 = ny0;
  t.y1 = ny1;
  t.z0 = nz0;
  t.z1 = nz1;
  return [l00, l01, la0, la1, th0 === 0n ? 0n : P - th0, th1 === 0n ? 0n : P - th1];
}

/** NAF digits of 6t+2, most significant first, without the leading 1. */
const LOOP_DIGITS: readonly number[] = naf(SIX_T_PLUS_2).reverse().slice(1);

function mulLineAt(f: Fp12, l: LineCoeffs, xP: bigint, yP: bigint): Fp12 {
  return fp12MulLine(f, l[0], l[1], (l[2] * yP) % P, (l[3] * yP) % P, (l[4] * xP) % P, (l[5] * xP) % P);
}

/** A line as a full Fp12 element (for the first step, where f = 1). */
function lineAt(l: LineCoeffs, xP: bigint, yP: bigint): Fp12 {
  return mulLineAt(FP12_ONE, l, xP, yP);
}

/**
 * A precomputed line, normalized: divided by the Fp2 factor m1 of its v-coefficient (a factor the final
 * exponentiation kills), it reads (l0 + yP v) + (l2 xP) w^2. Stored as [l0_0, l0_1, l2_0, l2_1].
 */
export type PreparedLine = readonly [bigint, bigint, bigint, bigint];

/**
 * Every line of the Miller loop for a fixed Q, in order (the same sequence `millerLoop` computes on the
 * fly), normalized with one inversion for all. Independent of P, so it can be cached per Q (a user's
 * private key, P2, a master public key).
 */
export function prepareLines(q: G2Affine): PreparedLine[] {
  const raw: LineCoeffs[] = [];
  const t: MillerPoint = { x0: q.x[0], x1: q.x[1], y0: q.y[0], y1: q.y[1], z0: 1n, z1: 0n };
  const nqy = f2Neg(q.y);
  for (const d of LOOP_DIGITS) {
    raw.push(doublingStep(t));
    if (d === 1) raw.push(additionStep(t, q.x[0], q.x[1], q.y[0], q.y[1]));
    else if (d === -1) raw.push(additionStep(t, q.x[0], q.x[1], nqy[0], nqy[1]));
  }
  const q1 = g2PsiAffine(q);
  const q2 = g2AffineNeg(g2PsiAffine(q1));
  raw.push(additionStep(t, q1.x[0], q1.x[1], q1.y[0], q1.y[1]));
  raw.push(additionStep(t, q2.x[0], q2.x[1], q2.y[0], q2.y[1]));
  // 1/m1 = conj(m1) / N(m1) with all the norms inverted at once.
  const norms = raw.map((l) => red(l[2] * l[2] + ((l[3] * l[3]) << 1n)));
  const inv = fpBatchInv(norms);
  return raw.map((l, i) => {
    const n = inv[i] as bigint;
    const i0 = (l[2] * n) % P;
    const i1 = red(-l[3] * n);
    return [
      red(l[0] * i0 - ((l[1] * i1) << 1n)),
      red(l[0] * i1 + l[1] * i0),
      red(l[4] * i0 - ((l[5] * i1) << 1n)),
      red(l[4] * i1 + l[5] * i0),
    ];
  });
}

function mulPrepared(f: Fp12, l: PreparedLine, xP: bigint, yP: bigint): Fp12 {
  return fp12MulLineNorm(f, l[0], l[1], yP, (l[2] * xP) % P, (l[3] * xP) % P);
}

/**
 * The product of Miller loops f_{P_j, Q_j} sharing the squarings, from precomputed lines of each Q_j
 * (pairs with P_j at infinity contribute 1 and are skipped).
 */
export function millerLoopLinesMulti(
  ps: readonly (G1Affine | null)[],
  lines: readonly (readonly PreparedLine[])[],
): Fp12 {
  const idx: number[] = [];
  for (let j = 0; j < ps.length; j++) if (ps[j] !== null) idx.push(j);
  let f: Fp12 = FP12_ONE;
  let i = 0;
  let first = true;
  const step = (): void => {
    for (const j of idx) {
      const p = ps[j] as G1Affine;
      f = mulPrepared(f, (lines[j] as readonly PreparedLine[])[i] as PreparedLine, p.x, p.y);
    }
    i++;
  };
  for (const d of LOOP_DIGITS) {
    if (!first) f = fp12Sqr(f);
    first = false;
    step();
    if (d !== 0) step();
  }
  step();
  step();
  return f;
}

/** The Miller loop from precomputed lines. */
export function millerLoopLines(p: G1Affine, lines: readonly PreparedLine[]): Fp12 {
  return millerLoopLinesMulti([p], [lines]);
}

/** The Miller loop with the lines computed on the fly. */
export function millerLoop(p: G1Affine, q: G2Affine): Fp12 {
  const xP = p.x;
  const yP = p.y;
  const t: MillerPoint = { x0: q.x[0], x1: q.x[1], y0: q.y[0], y1: q.y[1], z0: 1n, z1: 0n };
  const nqy = f2Neg(q.y);
  let f: Fp12 | null = null;
  for (const d of LOOP_DIGITS) {
    const l = doublingStep(t);
    f = f === null ? lineAt(l, xP, yP) : mulLineAt(fp12Sqr(f), l, xP, yP);
    if (d === 1) f = mulLineAt(f, additionStep(t, q.x[0], q.x[1], q.y[0], q.y[1]), xP, yP);
    else if (d === -1) f = mulLineAt(f, additionStep(t, q.x[0], q.x[1], nqy[0], nqy[1]), xP, yP);
  }
  const q1 = g2PsiAffine(q);
  const q2 = g2AffineNeg(g2PsiAffine(q1));
  f = mulLineAt(f as Fp12, additionStep(t, q1.x[0], q1.x[1], q1.y[0], q1.y[1]), xP, yP);
  return mulLineAt(f, additionStep(t, q2.x[0], q2.x[1], q2.y[0], q2.y[1]), xP, yP);
}

export function pairing(p: G1Affine, q: G2Affine): Fp12 {
  return finalExp(millerLoop(p, q));
}

export function pairingLines(p: G1Affine, lines: readonly PreparedLine[]): Fp12 {
  return finalExp(millerLoopLines(p, lines));
}
