/**
 * Fp for the fast backend. Elements are bigints in [0, p). The cost model that shaped everything under
 * fast/: on V8 a 256-bit bigint product costs about 3 additions, and a reduction (`%`) about 3 products, so
 * the code multiplies unreduced values, sums them, and reduces once per output coefficient ("lazy
 * reduction"). Any bigint in (-2^600, 2^600) is a valid input to {@link red}.
 */
import { invMod, P } from "../params.js";

export { P };

/** x mod p in [0, p) for any (possibly negative) bigint. */
export function red(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

/** Inverse in Fp (extended Euclid); throws RangeError for zero. */
export function fpInv(a: bigint): bigint {
  return invMod(a, P);
}

/**
 * Inverses of many elements with one inversion (Montgomery's trick). Zeros are not allowed.
 */
export function fpBatchInv(xs: readonly bigint[]): bigint[] {
  const n = xs.length;
  const prefix: bigint[] = new Array(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * (xs[i] as bigint)) % P;
  }
  let inv = fpInv(acc);
  const out: bigint[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * (prefix[i] as bigint)) % P;
    inv = (inv * (xs[i] as bigint)) % P;
  }
  return out;
}
