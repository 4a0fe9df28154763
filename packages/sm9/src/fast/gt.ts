/**
 * GT: the order-N subgroup of Fp12*. Exponentiation uses cyclotomic squarings; a variable base is split
 * with the Frobenius (g^p = g^(p mod N) on GT), a fixed base uses a Lim-Lee comb.
 */
import { N, P } from "../params.js";
import { buildComb, type Comb, type CombGroup, combMul } from "./comb.js";
import { FP12_ONE, type Fp12, fp12Conj, fp12CyclotomicSqr, fp12Frobenius, fp12Mul } from "./fp12.js";

export const GT_COMB_GROUP: CombGroup<Fp12, Fp12> = {
  zero: FP12_ONE,
  double: fp12CyclotomicSqr,
  add: fp12Mul,
  addAffine: fp12Mul,
  normalize: (xs) => xs.slice(),
};

export type GtComb = Comb<Fp12, Fp12>;

export function gtBuildComb(g: Fp12): GtComb {
  return buildComb(GT_COMB_GROUP, g);
}

export function gtCombPow(comb: GtComb, k: bigint): Fp12 {
  return combMul(comb, ((k % N) + N) % N);
}

/** lambda = p mod N: on GT, the p-power Frobenius is exponentiation by lambda (= 6t^2). */
const LAMBDA = P % N;

const WINDOW = 4;

/** Odd powers g, g^3, ..., g^(2^WINDOW - 1). */
function oddPowers(g: Fp12): Fp12[] {
  const g2 = fp12CyclotomicSqr(g);
  const out: Fp12[] = [g];
  for (let i = 1; i < 1 << (WINDOW - 1); i++) out.push(fp12Mul(out[i - 1] as Fp12, g2));
  return out;
}

/** Sliding-window digits of k (most significant first): pairs [position, odd value]. */
function windows(k: bigint): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = k.toString(2).length - 1;
  while (i >= 0) {
    if (((k >> BigInt(i)) & 1n) === 0n) {
      i--;
      continue;
    }
    let j = Math.max(0, i - WINDOW + 1);
    while (((k >> BigInt(j)) & 1n) === 0n) j++;
    const value = Number((k >> BigInt(j)) & ((1n << BigInt(i - j + 1)) - 1n));
    out.push([j, value]);
    i = j - 1;
  }
  return out;
}

/**
 * g^k for g in GT (order N) and any integer k: k mod N = k0 + k1 lambda with k0, k1 < 2^129, then
 * g^k0 * (g^p)^k1 by a joint sliding window (about 129 cyclotomic squarings).
 */
export function gtPow(g: Fp12, k: bigint): Fp12 {
  let e = ((k % N) + N) % N;
  if (e === 0n) return FP12_ONE;
  const k1 = e / LAMBDA;
  const k0 = e - k1 * LAMBDA;
  e = 0n;
  const bases = [oddPowers(g), k1 === 0n ? [] : oddPowers(fp12Frobenius(g, 1))];
  const ws = [windows(k0), windows(k1)];
  const top = Math.max(k0.toString(2).length, k1.toString(2).length) - 1;
  // Positions at which a window of each base ends.
  const at: Array<Map<number, number>> = ws.map((w) => new Map(w.map(([pos, v]) => [pos, v])));
  let r: Fp12 = FP12_ONE;
  let started = false;
  for (let i = top; i >= 0; i--) {
    if (started) r = fp12CyclotomicSqr(r);
    for (let b = 0; b < 2; b++) {
      const v = (at[b] as Map<number, number>).get(i);
      if (v !== undefined) {
        r = fp12Mul(r, (bases[b] as Fp12[])[(v - 1) >> 1] as Fp12);
        started = true;
      }
    }
  }
  return r;
}

/** g^k by plain square-and-multiply with cyclotomic squarings (for elements of the cyclotomic subgroup). */
export function gtPowPlain(g: Fp12, k: bigint): Fp12 {
  if (k < 0n) return gtPowPlain(fp12Conj(g), -k);
  let r: Fp12 = FP12_ONE;
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    r = fp12CyclotomicSqr(r);
    if ((k >> BigInt(i)) & 1n) r = fp12Mul(r, g);
  }
  return r;
}
