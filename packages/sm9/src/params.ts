/**
 * SM9 curve parameters (GM/T 0044-2016 part 5, annex A; the BN curve "sm9p256v1").
 *
 * Towers used throughout (the standard's, and the byte order of GT elements follows from them):
 *   Fp2  = Fp[u]/(u^2 + 2)
 *   Fp4  = Fp2[v]/(v^2 - u)
 *   Fp12 = Fp4[w]/(w^3 - v)          (so w^6 = u and, over Fp, w^12 = -2)
 * G1 = E(Fp), E: y^2 = x^3 + 5, of prime order N (cofactor 1).
 * G2 = the order-N subgroup of the sextic M-type twist E'(Fp2): y^2 = x^3 + 5u.
 */

/** BN parameter t. */
export const T = 0x600000000058f98an;
/** Base field prime p = 36t^4 + 36t^3 + 24t^2 + 6t + 1. */
export const P = 0xb640000002a3a6f1d603ab4ff58ec74521f2934b1a7aeedbe56f9b27e351457dn;
/** Group order N = 36t^4 + 36t^3 + 18t^2 + 6t + 1. */
export const N = 0xb640000002a3a6f1d603ab4ff58ec74449f2934b18ea8beee56ee19cd69ecf25n;
/** Trace of Frobenius tr = 6t^2 + 1 (N = p + 1 - tr). */
export const TRACE = 6n * T * T + 1n;
/** Curve coefficient b of E (a = 0). */
export const B = 5n;
/** Miller loop length of the R-ate (optimal ate) pairing, 6t + 2. */
export const SIX_T_PLUS_2 = 6n * T + 2n;

/** Generator P1 of G1 (affine). */
export const P1_X = 0x93de051d62bf718ff5ed0704487d01d6e1e4086909dc3280e8c4e4817c66ddddn;
export const P1_Y = 0x21fe8dda4f21e607631065125c395bbc1c1c00cbfa6024350c464cd70a3ea616n;

/** Generator P2 of G2 (affine, each coordinate c0 + c1*u). */
export const P2_X0 = 0x3722755292130b08d2aab97fd34ec120ee265948d19c17abf9b7213baf82d65bn;
export const P2_X1 = 0x85aef3d078640c98597b6027b441a01ff1dd2c190f5e93c454806c11d8806141n;
export const P2_Y0 = 0xa7cf28d519be3da65f3170153d278ff247efba98a71a08116215bba5c999a7c7n;
export const P2_Y1 = 0x17509b092e845c1266ba0d262cbee6ed0736a96fa347c8bd856dc76b84ebeb96n;

/** Byte lengths of the encodings used by the API. */
export const SCALAR_BYTES = 32;
export const FP_BYTES = 32;
export const G1_BYTES = 65;
export const G2_BYTES = 129;
export const GT_BYTES = 384;

/** Default hid values of the standard (part 5, 5.3/6.3/7.3). */
export const HID_SIGN = 0x01;
export const HID_EXCHANGE = 0x02;
export const HID_ENCRYPT = 0x03;

/** (a^e) mod m for e >= 0 (plain square-and-multiply; used for constants and by the naive code). */
export function powMod(a: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let base = ((a % m) + m) % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) result = (result * base) % m;
    base = (base * base) % m;
    k >>= 1n;
  }
  return result;
}

/**
 * Inverse of a modulo m (gcd(a, m) = 1) by Lehmer's extended Euclidean algorithm: the quotients are taken
 * from 53-bit leading parts in floating point while they provably agree with the exact ones (Knuth 4.5.2,
 * algorithm L), and the bigint remainders and cofactors are updated once per batch of quotients. About
 * 2.5x faster than plain Euclid on 256-bit operands, which matters for the affine conversions and the
 * final exponentiation. Throws RangeError when a is not invertible.
 */
export function invMod(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = ((a % m) + m) % m;
  let s0 = 0n;
  let s1 = 1n;
  // Invariant: r_i = s_i * a (mod m).
  while (r1 !== 0n) {
    const bits = r0.toString(16).length * 4;
    if (bits <= 52) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
      continue;
    }
    const shift = BigInt(bits - 52);
    let x = Number(r0 >> shift);
    let y = Number(r1 >> shift);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    for (;;) {
      if (y + C === 0 || y + D === 0) break;
      const q = Math.floor((x + A) / (y + C));
      if (q !== Math.floor((x + B) / (y + D))) break;
      const nA = C;
      const nB = D;
      const nC = A - q * C;
      const nD = B - q * D;
      // Keep every cofactor within 2^26 so that all the arithmetic above stays exact in doubles.
      if (Math.abs(nC) > 0x4000000 || Math.abs(nD) > 0x4000000) break;
      A = nA;
      B = nB;
      C = nC;
      D = nD;
      const ny = x - q * y;
      x = y;
      y = ny;
    }
    if (B === 0) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    } else {
      const bA = BigInt(A);
      const bB = BigInt(B);
      const bC = BigInt(C);
      const bD = BigInt(D);
      [r0, r1] = [bA * r0 + bB * r1, bC * r0 + bD * r1];
      [s0, s1] = [bA * s0 + bB * s1, bC * s0 + bD * s1];
    }
  }
  if (r0 !== 1n) throw new RangeError("invMod: not invertible");
  const r = s0 % m;
  return r < 0n ? r + m : r;
}
