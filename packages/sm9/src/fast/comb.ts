/**
 * Fixed-base exponentiation by the Lim-Lee comb: for a base B, tables of sums of B * 2^(i a + j b) over
 * the bits i of an 8-bit index, so that [k]B for a 256-bit k costs 15 doublings and at most 32 additions.
 * Generic over the group (G1, G2 or GT), written multiplicatively or additively alike.
 */
export interface CombGroup<J, A> {
  readonly zero: J;
  double(p: J): J;
  add(p: J, q: J): J;
  addAffine(p: J, q: A): J;
  /** Normalized forms of many elements (one inversion for all). Elements are never zero here. */
  normalize(ps: readonly J[]): A[];
}

const TEETH = 8; // bits per table index
const SPAN = 256; // exponent bits covered
const ROWS = SPAN / TEETH; // a = 32: distance between the teeth of one index
const SUBTABLES = 2; // v
const COLS = ROWS / SUBTABLES; // b = 16: doublings per evaluation (plus one)

export interface Comb<J, A> {
  readonly tables: readonly (readonly A[])[];
  readonly group: CombGroup<J, A>;
}

/** Builds the comb tables for base `base` (256 doublings and about 500 additions). */
export function buildComb<J, A>(group: CombGroup<J, A>, base: J): Comb<J, A> {
  // powers[m] = B * 2^(COLS * m) for m = 0 .. TEETH * SUBTABLES - 1
  const powers: J[] = [base];
  let cur = base;
  for (let m = 1; m < TEETH * SUBTABLES; m++) {
    for (let d = 0; d < COLS; d++) cur = group.double(cur);
    powers.push(cur);
  }
  const tables: A[][] = [];
  for (let j = 0; j < SUBTABLES; j++) {
    // Tooth i of subtable j is B * 2^(i a + j b) = powers[i * SUBTABLES + j].
    const entries: J[] = new Array(1 << TEETH);
    entries[0] = group.zero;
    for (let u = 1; u < 1 << TEETH; u++) {
      const top = 31 - Math.clz32(u);
      const tooth = powers[top * SUBTABLES + j] as J;
      const rest = u ^ (1 << top);
      entries[u] = rest === 0 ? tooth : group.add(entries[rest] as J, tooth);
    }
    const normalized = group.normalize(entries.slice(1));
    tables.push([undefined as unknown as A, ...normalized]);
  }
  return { tables, group };
}

/** [k]B for 0 <= k < 2^256. Time depends on the bits of k (not constant-time). */
export function combMul<J, A>(comb: Comb<J, A>, k: bigint): J {
  const g = comb.group;
  // Split k into 32 bytes-of-bits: bit (i a + j b + c) of k is bit c of chunk (i * SUBTABLES + j).
  const chunks: number[] = new Array(TEETH * SUBTABLES);
  let e = k;
  for (let m = 0; m < TEETH * SUBTABLES; m++) {
    chunks[m] = Number(e & 0xffffn);
    e >>= BigInt(COLS);
  }
  let r = g.zero;
  let started = false;
  for (let c = COLS - 1; c >= 0; c--) {
    if (started) r = g.double(r);
    for (let j = SUBTABLES - 1; j >= 0; j--) {
      let idx = 0;
      for (let i = 0; i < TEETH; i++) idx |= (((chunks[i * SUBTABLES + j] as number) >>> c) & 1) << i;
      if (idx !== 0) {
        r = g.addAffine(r, (comb.tables[j] as readonly A[])[idx] as A);
        started = true;
      }
    }
  }
  return r;
}
