/**
 * G1 = E(Fp): y^2 = x^3 + 5 (prime order N, cofactor 1) in Jacobian coordinates, with
 *  - GLV scalar multiplication for variable points (the endomorphism (x, y) -> (beta x, y) acts as [lambda]),
 *  - a Lim-Lee comb for the generator P1.
 */
import { B, N, P1_X, P1_Y } from "../params.js";
import { buildComb, type Comb, type CombGroup, combMul } from "./comb.js";
import { fpBatchInv, fpInv, P, red } from "./fp.js";

export interface G1Affine {
  readonly x: bigint;
  readonly y: bigint;
}

export interface G1Jac {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

export const G1_GEN: G1Affine = { x: P1_X, y: P1_Y };
export const G1_INFINITY: G1Jac = { x: 1n, y: 1n, z: 0n };

export function g1IsOnCurve(p: G1Affine): boolean {
  const { x, y } = p;
  return x >= 0n && x < P && y >= 0n && y < P && (y * y - x * x * x - B) % P === 0n;
}

export function g1FromAffine(p: G1Affine): G1Jac {
  return { x: p.x, y: p.y, z: 1n };
}

export function g1IsInfinity(p: G1Jac): boolean {
  return p.z === 0n;
}

export function g1Neg(p: G1Jac): G1Jac {
  return { x: p.x, y: p.y === 0n ? 0n : P - p.y, z: p.z };
}

/** dbl-2009-l (a = 0). */
export function g1Double(p: G1Jac): G1Jac {
  const { x, y, z } = p;
  if (z === 0n || y === 0n) return G1_INFINITY;
  const a = (x * x) % P;
  const b = (y * y) % P;
  const c = (b * b) % P;
  const xb = x + b;
  const d = red((xb * xb - a - c) << 1n);
  const e = 3n * a;
  const x3 = red(e * e - (d << 1n));
  const y3 = red(e * (d - x3) - (c << 3n));
  const z3 = ((y * z) << 1n) % P;
  return { x: x3, y: y3, z: z3 };
}

/** madd-2007-bl (q affine). */
export function g1AddAffine(p: G1Jac, q: G1Affine): G1Jac {
  if (p.z === 0n) return { x: q.x, y: q.y, z: 1n };
  const { x, y, z } = p;
  const z1z1 = (z * z) % P;
  const u2 = (q.x * z1z1) % P;
  const s2 = (((q.y * z) % P) * z1z1) % P;
  const h = red(u2 - x);
  const r = red((s2 - y) << 1n);
  if (h === 0n) return r === 0n ? g1Double(p) : G1_INFINITY;
  const hh = (h * h) % P;
  const i = hh << 2n;
  const j = (h * i) % P;
  const v = (x * i) % P;
  const x3 = red(r * r - j - (v << 1n));
  const y3 = red(r * (v - x3) - ((y * j) << 1n));
  const zh = z + h;
  const z3 = red(zh * zh - z1z1 - hh);
  return { x: x3, y: y3, z: z3 };
}

/** add-2007-bl. */
export function g1Add(p: G1Jac, q: G1Jac): G1Jac {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = (p.z * p.z) % P;
  const z2z2 = (q.z * q.z) % P;
  const u1 = (p.x * z2z2) % P;
  const u2 = (q.x * z1z1) % P;
  const s1 = (((p.y * q.z) % P) * z2z2) % P;
  const s2 = (((q.y * p.z) % P) * z1z1) % P;
  const h = red(u2 - u1);
  const r = red((s2 - s1) << 1n);
  if (h === 0n) return r === 0n ? g1Double(p) : G1_INFINITY;
  const h2 = h << 1n;
  const i = (h2 * h2) % P;
  const j = (h * i) % P;
  const v = (u1 * i) % P;
  const x3 = red(r * r - j - (v << 1n));
  const y3 = red(r * (v - x3) - ((s1 * j) << 1n));
  const zz = p.z + q.z;
  const z3 = (red(zz * zz - z1z1 - z2z2) * h) % P;
  return { x: x3, y: y3, z: z3 };
}

export function g1ToAffine(p: G1Jac): G1Affine | null {
  if (p.z === 0n) return null;
  const zi = fpInv(p.z);
  const zi2 = (zi * zi) % P;
  return { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P };
}

export function g1BatchToAffine(ps: readonly G1Jac[]): G1Affine[] {
  const inv = fpBatchInv(ps.map((p) => p.z));
  return ps.map((p, k) => {
    const zi = inv[k] as bigint;
    const zi2 = (zi * zi) % P;
    return { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P };
  });
}

export function g1Equal(p: G1Jac, q: G1Jac): boolean {
  if (p.z === 0n || q.z === 0n) return p.z === 0n && q.z === 0n;
  const z1z1 = (p.z * p.z) % P;
  const z2z2 = (q.z * q.z) % P;
  if ((p.x * z2z2 - q.x * z1z1) % P !== 0n) return false;
  return (p.y * z2z2 * q.z - q.y * z1z1 * p.z) % P === 0n;
}

// ---- GLV ----

/** beta: a cube root of unity in Fp with (beta x, y) = [GLV_LAMBDA](x, y) on G1. */
export const GLV_BETA = 0xf300000002a3a6f2780272354f8b78f4d5fc11967be65333n;
/** lambda: the matching root of lambda^2 + lambda + 1 = 0 mod N. */
export const GLV_LAMBDA = 0x1e600000005474de26804e46a9a65c91e2bf5f68bcd8990e5n;

/** A reduced basis {(a1, b1), (a2, b2)} of the lattice {(a, b): a + b lambda = 0 mod N} (extended Euclid). */
function glvBasis(): [bigint, bigint, bigint, bigint] {
  const sqrtN = BigInt(Math.ceil(Math.sqrt(Number(N)))) + 1n;
  let r0 = N;
  let r1 = GLV_LAMBDA;
  let t0 = 0n;
  let t1 = 1n;
  // Invariant: r_i = s_i N + t_i lambda, so (r_i, -t_i) is in the lattice.
  while (r1 >= sqrtN) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  // (r0, t0) is the last remainder >= sqrt(N), (r1, t1) the first below.
  const q = r0 / r1;
  const r2 = r0 - q * r1;
  const t2 = t0 - q * t1;
  const a1 = r1;
  const b1 = -t1;
  const len0 = r0 * r0 + t0 * t0;
  const len2 = r2 * r2 + t2 * t2;
  const [a2, b2] = len0 <= len2 ? [r0, -t0] : [r2, -t2];
  return [a1, b1, a2, b2];
}

const [GLV_A1, GLV_B1, GLV_A2, GLV_B2] = glvBasis();

/** Rounded division for bigints (n may be negative, d > 0). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n >= 0n ? (2n * n + d) / (2n * d) : -((-2n * n + d) / (2n * d));
  return q;
}

/** k = k1 + k2 lambda (mod N) with |k1|, |k2| about sqrt(N). */
export function glvSplit(k: bigint): [bigint, bigint] {
  const c1 = divRound(GLV_B2 * k, N);
  const c2 = divRound(-GLV_B1 * k, N);
  const k1 = k - c1 * GLV_A1 - c2 * GLV_A2;
  const k2 = -c1 * GLV_B1 - c2 * GLV_B2;
  return [k1, k2];
}

const WNAF_W = 5;

/** Width-w NAF, least significant first: odd digits in (-2^(w-1), 2^(w-1)) separated by >= w-1 zeros. */
function wnaf(k: bigint, w: number): number[] {
  const out: number[] = [];
  const full = 1 << w;
  const half = full >> 1;
  let e = k;
  while (e > 0n) {
    if (e & 1n) {
      let d = Number(e & BigInt(full - 1));
      if (d >= half) d -= full;
      out.push(d);
      e -= BigInt(d);
    } else {
      out.push(0);
    }
    e >>= 1n;
  }
  return out;
}

/** Odd multiples [1, 3, ..., 2^(w-1) - 1] p in affine form. */
function oddMultiples(p: G1Affine, count: number): G1Affine[] {
  const pj = g1FromAffine(p);
  const twice = g1Double(pj);
  const jac: G1Jac[] = [pj];
  for (let i = 1; i < count; i++) jac.push(g1Add(jac[i - 1] as G1Jac, twice));
  if (jac.some((q) => q.z === 0n)) throw new Error("g1 odd multiples: unexpected infinity");
  return g1BatchToAffine(jac);
}

/** [k]p for p in G1 (k reduced mod N first), GLV with interleaved width-5 NAFs. Not constant-time. */
export function g1Mul(p: G1Affine, k: bigint): G1Jac {
  const e = ((k % N) + N) % N;
  if (e === 0n) return G1_INFINITY;
  const [k1, k2] = glvSplit(e);
  const count = 1 << (WNAF_W - 2);
  const t1 = oddMultiples(p, count);
  const t2 = t1.map((q) => ({ x: (q.x * GLV_BETA) % P, y: q.y }));
  const n1 = wnaf(k1 < 0n ? -k1 : k1, WNAF_W);
  const n2 = wnaf(k2 < 0n ? -k2 : k2, WNAF_W);
  const s1 = k1 < 0n ? -1 : 1;
  const s2 = k2 < 0n ? -1 : 1;
  const neg = (q: G1Affine): G1Affine => ({ x: q.x, y: q.y === 0n ? 0n : P - q.y });
  let r = G1_INFINITY;
  for (let i = Math.max(n1.length, n2.length) - 1; i >= 0; i--) {
    r = g1Double(r);
    const d1 = (n1[i] ?? 0) * s1;
    if (d1 !== 0) {
      const q = t1[(Math.abs(d1) - 1) >> 1] as G1Affine;
      r = g1AddAffine(r, d1 > 0 ? q : neg(q));
    }
    const d2 = (n2[i] ?? 0) * s2;
    if (d2 !== 0) {
      const q = t2[(Math.abs(d2) - 1) >> 1] as G1Affine;
      r = g1AddAffine(r, d2 > 0 ? q : neg(q));
    }
  }
  return r;
}

// ---- Comb for fixed bases ----

export const G1_COMB_GROUP: CombGroup<G1Jac, G1Affine> = {
  zero: G1_INFINITY,
  double: g1Double,
  add: g1Add,
  addAffine: g1AddAffine,
  normalize: g1BatchToAffine,
};

export function g1BuildComb(base: G1Affine): Comb<G1Jac, G1Affine> {
  return buildComb(G1_COMB_GROUP, g1FromAffine(base));
}

export function g1CombMul(comb: Comb<G1Jac, G1Affine>, k: bigint): G1Jac {
  return combMul(comb, ((k % N) + N) % N);
}

let genComb: Comb<G1Jac, G1Affine> | undefined;

/** [k]P1 through a comb built on first use. */
export function g1MulGen(k: bigint): G1Jac {
  genComb ??= g1BuildComb(G1_GEN);
  return g1CombMul(genComb, k);
}
