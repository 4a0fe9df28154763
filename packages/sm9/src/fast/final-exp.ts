/**
 * The exact final exponentiation f^((p^12 - 1)/N) (SM9 hashes the exact pairing value, so no power of it
 * will do): the easy part f^((p^6 - 1)(p^2 + 1)) with one inversion, then the hard part (p^4 - p^2 + 1)/N
 * as in Scott et al. (eprint 2008/490): three exponentiations by t with cyclotomic squarings, a few
 * Frobenius maps and 13 multiplications.
 */
import { T } from "../params.js";
import { red } from "./fp.js";
import { type Fp2, f2Inv, f2Mul, f2Sqr } from "./fp2.js";
import { FP12_ONE, type Fp12, fp12Conj, fp12CyclotomicSqr, fp12Frobenius, fp12Inv, fp12Mul } from "./fp12.js";
import { naf } from "./g2.js";

export function finalExpEasy(f: Fp12): Fp12 {
  const f1 = fp12Mul(fp12Conj(f), fp12Inv(f));
  return fp12Mul(fp12Frobenius(f1, 2), f1);
}

/** NAF of t, most significant first, without the leading 1. */
const T_DIGITS: readonly number[] = naf(T).reverse().slice(1);
/** NAF of t, least significant first. */
const T_NAF_LSB: readonly number[] = naf(T);

/**
 * Karabina's compressed squaring. Writing f = sum g_i s^i over Fp2 with s = w (s^6 = u), an element of the
 * cyclotomic subgroup squares as (Granger-Scott, regrouped)
 *   g1' = 2 g1 + 6u g2 g5,  g2' = 3(g1^2 + u g4^2) - 2 g2,  g4' = 3(g2^2 + u g5^2) - 2 g4,  g5' = 2 g5 + 6 g1 g4
 * so (g1, g2, g4, g5) square on their own: 4 Fp2 products and 8 reductions instead of 12.
 * Compressed layout: [g1, g2, g4, g5] as 8 bigints = Fp12 indices [4, 5, 8, 9, 6, 7, 10, 11].
 */
type Compressed = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

function compressedSqr(c: Compressed): Compressed {
  const g10 = c[0];
  const g11 = c[1];
  const g20 = c[2];
  const g21 = c[3];
  const g40 = c[4];
  const g41 = c[5];
  const g50 = c[6];
  const g51 = c[7];
  // B14 = g1 g4, B25 = g2 g5 (unreduced)
  const b140 = g10 * g40 - ((g11 * g41) << 1n);
  const b141 = g10 * g41 + g11 * g40;
  const b250 = g20 * g50 - ((g21 * g51) << 1n);
  const b251 = g20 * g51 + g21 * g50;
  // g1^2 + u g4^2 = (g1 + g4)(g1 + u g4) - B14 - u B14, with u (x0 + x1 u) = -2 x1 + x0 u
  const p0 = g10 + g40;
  const p1 = g11 + g41;
  const q0 = g10 - (g41 << 1n);
  const q1 = g11 + g40;
  const s140 = p0 * q0 - ((p1 * q1) << 1n) - b140 + (b141 << 1n);
  const s141 = p0 * q1 + p1 * q0 - b141 - b140;
  const r0 = g20 + g50;
  const r1 = g21 + g51;
  const t0 = g20 - (g51 << 1n);
  const t1 = g21 + g50;
  const s250 = r0 * t0 - ((r1 * t1) << 1n) - b250 + (b251 << 1n);
  const s251 = r0 * t1 + r1 * t0 - b251 - b250;
  return [
    red(-12n * b251 + (g10 << 1n)),
    red(6n * b250 + (g11 << 1n)),
    red(3n * s140 - (g20 << 1n)),
    red(3n * s141 - (g21 << 1n)),
    red(3n * s250 - (g40 << 1n)),
    red(3n * s251 - (g41 << 1n)),
    red(6n * b140 + (g50 << 1n)),
    red(6n * b141 + (g51 << 1n)),
  ];
}

/**
 * Decompression of several compressed elements with one inversion:
 * g3 = (u g5^2 + 3 g2^2 - 2 g4) / (4 g1), g0 = u (2 g3^2 + g1 g5 - 3 g2 g4) + 1.
 * Returns null when some g1 is zero (then the caller uses uncompressed squarings).
 */
function batchDecompress(cs: readonly Compressed[]): Fp12[] | null {
  const dens: Fp2[] = [];
  for (const c of cs) {
    if (c[0] === 0n && c[1] === 0n) return null;
    dens.push([red(c[0] << 2n), red(c[1] << 2n)]);
  }
  // Montgomery's trick over Fp2.
  const prefix: Fp2[] = [];
  let acc: Fp2 = [1n, 0n];
  for (const d of dens) {
    prefix.push(acc);
    acc = f2Mul(acc, d);
  }
  let inv = f2Inv(acc);
  const out: Fp12[] = cs.map(() => FP12_ONE); // overwritten below, back to front
  for (let k = cs.length - 1; k >= 0; k--) {
    const dInv = f2Mul(inv, prefix[k] as Fp2);
    inv = f2Mul(inv, dens[k] as Fp2);
    const c = cs[k] as Compressed;
    const g1: Fp2 = [c[0], c[1]];
    const g2: Fp2 = [c[2], c[3]];
    const g4: Fp2 = [c[4], c[5]];
    const g5: Fp2 = [c[6], c[7]];
    const g55 = f2Sqr(g5);
    const g22 = f2Sqr(g2);
    // u g5^2 + 3 g2^2 - 2 g4
    const num: Fp2 = [
      red(-(g55[1] << 1n) + 3n * g22[0] - (g4[0] << 1n)),
      red(g55[0] + 3n * g22[1] - (g4[1] << 1n)),
    ];
    const g3 = f2Mul(num, dInv);
    const g33 = f2Sqr(g3);
    const g15 = f2Mul(g1, g5);
    const g24 = f2Mul(g2, g4);
    const m0 = (g33[0] << 1n) + g15[0] - 3n * g24[0];
    const m1 = (g33[1] << 1n) + g15[1] - 3n * g24[1];
    out[k] = [
      red(1n - (m1 << 1n)),
      red(m0),
      g3[0],
      g3[1],
      g1[0],
      g1[1],
      g4[0],
      g4[1],
      g2[0],
      g2[1],
      g5[0],
      g5[1],
    ];
  }
  return out;
}

/**
 * Where f^t switches from Granger-Scott to compressed squarings: just above the last nonzero NAF digit
 * below the longest run of zeros (t = 0x600000000058F98A: digits at 1..23, then 38 zeros, then 61 and 63).
 * Decompressing costs an inversion, so compressed squarings only pay off over that long run.
 */
const SWITCH = ((): number => {
  let best = 0;
  let bestStart = 0;
  let run = 0;
  for (let i = 0; i < T_NAF_LSB.length; i++) {
    if (T_NAF_LSB[i] === 0) {
      run++;
      if (run > best) {
        best = run;
        bestStart = i - run + 1;
      }
    } else run = 0;
  }
  return bestStart;
})();

/**
 * f^t right to left: f^(2^i) by Granger-Scott squarings up to the long run of zeros in the NAF of t, by
 * compressed squarings across it; the powers the NAF needs above it are decompressed together (one
 * inversion), then everything is multiplied (the conjugate for a digit -1).
 */
function cyclotomicExpTCompressed(f: Fp12): Fp12 | null {
  const parts: Fp12[] = [];
  const signs: number[] = [];
  let x = f;
  let i = 0;
  for (; i < SWITCH; i++) {
    if (i > 0) x = fp12CyclotomicSqr(x);
    const d = T_NAF_LSB[i] as number;
    if (d !== 0) {
      parts.push(x);
      signs.push(d);
    }
  }
  let c: Compressed = [x[4], x[5], x[8], x[9], x[6], x[7], x[10], x[11]];
  const kept: Compressed[] = [];
  for (; i < T_NAF_LSB.length; i++) {
    c = compressedSqr(c);
    const d = T_NAF_LSB[i] as number;
    if (d !== 0) {
      kept.push(c);
      signs.push(d);
    }
  }
  const full = batchDecompress(kept);
  if (full === null) return null;
  parts.push(...full);
  let r: Fp12 | null = null;
  for (let k = 0; k < parts.length; k++) {
    const y = signs[k] === 1 ? (parts[k] as Fp12) : fp12Conj(parts[k] as Fp12);
    r = r === null ? y : fp12Mul(r, y);
  }
  return r as Fp12;
}

/** f^t for f in the cyclotomic subgroup (where the inverse is the conjugate). */
export function cyclotomicExpT(f: Fp12): Fp12 {
  return cyclotomicExpTCompressed(f) ?? cyclotomicExpTPlain(f);
}

/** f^t with Granger-Scott squarings only (also the fallback when a decompression would divide by zero). */
export function cyclotomicExpTPlain(f: Fp12): Fp12 {
  const fc = fp12Conj(f);
  let r = f;
  for (const d of T_DIGITS) {
    r = fp12CyclotomicSqr(r);
    if (d === 1) r = fp12Mul(r, f);
    else if (d === -1) r = fp12Mul(r, fc);
  }
  return r;
}

export function finalExpHard(f: Fp12): Fp12 {
  const ft = cyclotomicExpT(f);
  const ft2 = cyclotomicExpT(ft);
  const ft3 = cyclotomicExpT(ft2);
  const y0 = fp12Mul(fp12Mul(fp12Frobenius(f, 1), fp12Frobenius(f, 2)), fp12Frobenius(f, 3));
  const y1 = fp12Conj(f);
  const y2 = fp12Frobenius(ft2, 2);
  const y3 = fp12Conj(fp12Frobenius(ft, 1));
  const y4 = fp12Conj(fp12Mul(ft, fp12Frobenius(ft2, 1)));
  const y5 = fp12Conj(ft2);
  const y6 = fp12Conj(fp12Mul(ft3, fp12Frobenius(ft3, 1)));
  let t0 = fp12Mul(fp12Mul(fp12CyclotomicSqr(y6), y4), y5);
  let t1 = fp12Mul(fp12Mul(y3, y5), t0);
  t0 = fp12Mul(t0, y2);
  t1 = fp12CyclotomicSqr(fp12Mul(fp12CyclotomicSqr(t1), t0));
  t0 = fp12Mul(t1, y1);
  t1 = fp12Mul(t1, y0);
  return fp12Mul(fp12CyclotomicSqr(t0), t1);
}

export function finalExp(f: Fp12): Fp12 {
  return finalExpHard(finalExpEasy(f));
}

/** Internals exposed for benchmarks and tests. */
export const finalExpInternals = { compressedSqr, batchDecompress };
