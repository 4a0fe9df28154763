/**
 * G2: the order-N subgroup of the twist E'(Fp2): y^2 = x^3 + 5u, in Jacobian coordinates (x = X/Z^2,
 * y = Y/Z^3; Z = 0 is the point at infinity).
 */
import { B, P, P2_X0, P2_X1, P2_Y0, P2_Y1, T } from "../params.js";
import { fpBatchInv, red } from "./fp.js";
import {
  FP2_ONE,
  FP2_ZERO,
  type Fp2,
  f2Add,
  f2Conj,
  f2Dbl,
  f2Equal,
  f2Inv,
  f2IsZero,
  f2Mul,
  f2Neg,
  f2Sqr,
  f2Sub,
} from "./fp2.js";

export interface G2Affine {
  readonly x: Fp2;
  readonly y: Fp2;
}

export interface G2Jac {
  readonly x: Fp2;
  readonly y: Fp2;
  readonly z: Fp2;
}

export const TWIST_B: Fp2 = [0n, B];
export const G2_GEN: G2Affine = { x: [P2_X0, P2_X1], y: [P2_Y0, P2_Y1] };
export const G2_INFINITY: G2Jac = { x: FP2_ONE, y: FP2_ONE, z: FP2_ZERO };

export function g2IsOnCurve(p: G2Affine): boolean {
  const x = p.x;
  return f2Equal(f2Sqr(p.y), f2Add(f2Mul(f2Sqr(x), x), TWIST_B));
}

export function g2FromAffine(p: G2Affine): G2Jac {
  return { x: p.x, y: p.y, z: FP2_ONE };
}

export function g2IsInfinity(p: G2Jac): boolean {
  return f2IsZero(p.z);
}

export function g2Neg(p: G2Jac): G2Jac {
  return { x: p.x, y: f2Neg(p.y), z: p.z };
}

export function g2AffineNeg(p: G2Affine): G2Affine {
  return { x: p.x, y: f2Neg(p.y) };
}

/** dbl-2009-l (a = 0): 2M + 5S. */
export function g2Double(p: G2Jac): G2Jac {
  if (f2IsZero(p.z) || f2IsZero(p.y)) return G2_INFINITY;
  const A = f2Sqr(p.x);
  const Bq = f2Sqr(p.y);
  const C = f2Sqr(Bq);
  const D = f2Dbl(f2Sub(f2Sub(f2Sqr(f2Add(p.x, Bq)), A), C));
  const E = f2Add(f2Dbl(A), A);
  const F = f2Sqr(E);
  const x3 = f2Sub(F, f2Dbl(D));
  const c8 = f2Dbl(f2Dbl(f2Dbl(C)));
  const y3 = f2Sub(f2Mul(E, f2Sub(D, x3)), c8);
  const z3 = f2Dbl(f2Mul(p.y, p.z));
  return { x: x3, y: y3, z: z3 };
}

/** add-2007-bl: 11M + 5S, with the doubling and inverse cases handled. */
export function g2Add(p: G2Jac, q: G2Jac): G2Jac {
  if (f2IsZero(p.z)) return q;
  if (f2IsZero(q.z)) return p;
  const z1z1 = f2Sqr(p.z);
  const z2z2 = f2Sqr(q.z);
  const u1 = f2Mul(p.x, z2z2);
  const u2 = f2Mul(q.x, z1z1);
  const s1 = f2Mul(f2Mul(p.y, q.z), z2z2);
  const s2 = f2Mul(f2Mul(q.y, p.z), z1z1);
  const h = f2Sub(u2, u1);
  const r = f2Dbl(f2Sub(s2, s1));
  if (f2IsZero(h)) return f2IsZero(r) ? g2Double(p) : G2_INFINITY;
  const i = f2Sqr(f2Dbl(h));
  const j = f2Mul(h, i);
  const v = f2Mul(u1, i);
  const x3 = f2Sub(f2Sub(f2Sqr(r), j), f2Dbl(v));
  const y3 = f2Sub(f2Mul(r, f2Sub(v, x3)), f2Dbl(f2Mul(s1, j)));
  const z3 = f2Mul(f2Sub(f2Sub(f2Sqr(f2Add(p.z, q.z)), z1z1), z2z2), h);
  return { x: x3, y: y3, z: z3 };
}

/** madd-2007-bl (q affine): 7M + 4S. */
export function g2AddAffine(p: G2Jac, q: G2Affine): G2Jac {
  if (f2IsZero(p.z)) return g2FromAffine(q);
  const z1z1 = f2Sqr(p.z);
  const u2 = f2Mul(q.x, z1z1);
  const s2 = f2Mul(f2Mul(q.y, p.z), z1z1);
  const h = f2Sub(u2, p.x);
  const r = f2Dbl(f2Sub(s2, p.y));
  if (f2IsZero(h)) return f2IsZero(r) ? g2Double(p) : G2_INFINITY;
  const hh = f2Sqr(h);
  const i = f2Dbl(f2Dbl(hh));
  const j = f2Mul(h, i);
  const v = f2Mul(p.x, i);
  const x3 = f2Sub(f2Sub(f2Sqr(r), j), f2Dbl(v));
  const y3 = f2Sub(f2Mul(r, f2Sub(v, x3)), f2Dbl(f2Mul(p.y, j)));
  const z3 = f2Sub(f2Sub(f2Sqr(f2Add(p.z, h)), z1z1), hh);
  return { x: x3, y: y3, z: z3 };
}

/** Projective equality: X1 Z2^2 = X2 Z1^2 and Y1 Z2^3 = Y2 Z1^3. */
export function g2Equal(p: G2Jac, q: G2Jac): boolean {
  const pi = f2IsZero(p.z);
  const qi = f2IsZero(q.z);
  if (pi || qi) return pi && qi;
  const z1z1 = f2Sqr(p.z);
  const z2z2 = f2Sqr(q.z);
  if (!f2Equal(f2Mul(p.x, z2z2), f2Mul(q.x, z1z1))) return false;
  return f2Equal(f2Mul(p.y, f2Mul(z2z2, q.z)), f2Mul(q.y, f2Mul(z1z1, p.z)));
}

export function g2ToAffine(p: G2Jac): G2Affine | null {
  if (f2IsZero(p.z)) return null;
  const zi = f2Inv(p.z);
  const zi2 = f2Sqr(zi);
  return { x: f2Mul(p.x, zi2), y: f2Mul(p.y, f2Mul(zi2, zi)) };
}

/** Affine forms of many finite points with one Fp inversion. */
export function g2BatchToAffine(ps: readonly G2Jac[]): G2Affine[] {
  // Invert each Z through its norm Z0^2 + 2 Z1^2 in Fp, batched.
  const norms = ps.map((p) => red(p.z[0] * p.z[0] + ((p.z[1] * p.z[1]) << 1n)));
  const inv = fpBatchInv(norms);
  return ps.map((p, k) => {
    const n = inv[k] as bigint;
    const zi: Fp2 = [(p.z[0] * n) % P, red(-p.z[1] * n)];
    const zi2 = f2Sqr(zi);
    return { x: f2Mul(p.x, zi2), y: f2Mul(p.y, f2Mul(zi2, zi)) };
  });
}

/** Non-adjacent form, least significant digit first (digits in {-1, 0, 1}). */
export function naf(k: bigint): number[] {
  const out: number[] = [];
  let e = k;
  while (e > 0n) {
    if (e & 1n) {
      const d = (e & 3n) === 3n ? -1 : 1;
      out.push(d);
      e -= BigInt(d);
    } else {
      out.push(0);
    }
    e >>= 1n;
  }
  return out;
}

/** [k]p by NAF double-and-add (variable time; only used on public scalars). */
export function g2MulNaf(p: G2Jac, k: bigint): G2Jac {
  if (k < 0n) return g2MulNaf(g2Neg(p), -k);
  const digits = naf(k);
  const neg = g2Neg(p);
  let r = G2_INFINITY;
  for (let i = digits.length - 1; i >= 0; i--) {
    r = g2Double(r);
    const d = digits[i];
    if (d === 1) r = g2Add(r, p);
    else if (d === -1) r = g2Add(r, neg);
  }
  return r;
}

// ---- Frobenius on the twist and the subgroup check ----

function f2Pow(a: Fp2, e: bigint): Fp2 {
  let r = FP2_ONE;
  let b = a;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = f2Mul(r, b);
    b = f2Sqr(b);
    k >>= 1n;
  }
  return r;
}

const U: Fp2 = [0n, 1n];
/** psi(x', y') = (conj(x') u^-((p-1)/3), conj(y') u^-((p-1)/2)): the p-power Frobenius seen on E'. */
export const PSI_X: Fp2 = f2Inv(f2Pow(U, (P - 1n) / 3n));
export const PSI_Y: Fp2 = f2Inv(f2Pow(U, (P - 1n) / 2n));

export function g2PsiAffine(p: G2Affine): G2Affine {
  return { x: f2Mul(f2Conj(p.x), PSI_X), y: f2Mul(f2Conj(p.y), PSI_Y) };
}

/** psi on Jacobian coordinates: (conj(X) PSI_X, conj(Y) PSI_Y, conj(Z)). */
export function g2Psi(p: G2Jac): G2Jac {
  return { x: f2Mul(f2Conj(p.x), PSI_X), y: f2Mul(f2Conj(p.y), PSI_Y), z: f2Conj(p.z) };
}

/**
 * Membership in G2 for a point already on E'(Fp2): [t+1]Q + psi([t]Q) + psi^2([t]Q) = psi^3([2t]Q)
 * (Scott, "A note on group membership tests for G1, G2 and GT on BLS pairing-friendly curves", the BN
 * case). Why it is exact here: on E', psi^2 - tr*psi + p = 0, and g(x) = (t+1) + t x + t x^2 - 2t x^3 has
 * g(p mod N) = 0 mod N, so g(psi) kills G2; the kernel of g(psi) inside E'(Fp2) has order dividing
 * gcd(Norm(g(psi)), #E'(Fp2)) = gcd(Norm, N (2p - N)), which is exactly N (checked numerically in
 * test/unit/g2-subgroup.test.ts). So the test accepts exactly the order-N subgroup, with one 63-bit scalar
 * multiplication instead of a 256-bit [N]Q.
 */
export function g2IsInSubgroup(q: G2Affine): boolean {
  const qj = g2FromAffine(q);
  const tq = g2MulNaf(qj, T);
  const lhs = g2Add(g2Add(g2Add(tq, qj), g2Psi(tq)), g2Psi(g2Psi(tq)));
  const rhs = g2Psi(g2Psi(g2Psi(g2Double(tq))));
  return g2Equal(lhs, rhs);
}
