/** Shared helpers of the unit tests: random elements and conversions between the two backends. */
import { randomBytes } from "node:crypto";
import type { Fp12 as FastFp12 } from "../../src/fast/fp12.js";
import type { G2Affine as FastG2 } from "../../src/fast/g2.js";
import type { G2Affine as NaiveG2 } from "../../src/naive/curve.js";
import { TWIST_B } from "../../src/naive/curve.js";
import { Fp2, Fp4, Fp12, fpMod } from "../../src/naive/field.js";
import { N, P, powMod } from "../../src/params.js";

/** Uniform-ish element of [0, m) from the OS CSPRNG (40 bytes reduced: bias < 2^-60). */
export function randomBelow(m: bigint): bigint {
  return BigInt(`0x${randomBytes(40).toString("hex")}`) % m;
}

export const randomFp = (): bigint => randomBelow(P);
export const randomScalar = (): bigint => 1n + randomBelow(N - 1n);
export const randomFp2 = (): Fp2 => new Fp2(randomFp(), randomFp());
export const randomFp12 = (): Fp12 =>
  new Fp12(
    new Fp4(randomFp2(), randomFp2()),
    new Fp4(randomFp2(), randomFp2()),
    new Fp4(randomFp2(), randomFp2()),
  );

export function toFast(f: Fp12): FastFp12 {
  return [
    f.a.a.c0,
    f.a.a.c1,
    f.a.b.c0,
    f.a.b.c1,
    f.b.a.c0,
    f.b.a.c1,
    f.b.b.c0,
    f.b.b.c1,
    f.c.a.c0,
    f.c.a.c1,
    f.c.b.c0,
    f.c.b.c1,
  ];
}

export function fromFast(x: FastFp12): Fp12 {
  return new Fp12(
    new Fp4(new Fp2(x[0], x[1]), new Fp2(x[2], x[3])),
    new Fp4(new Fp2(x[4], x[5]), new Fp2(x[6], x[7])),
    new Fp4(new Fp2(x[8], x[9]), new Fp2(x[10], x[11])),
  );
}

export function g2ToFast(q: NaiveG2): FastG2 {
  if (q === null) throw new Error("infinity");
  return { x: [q.x.c0, q.x.c1], y: [q.y.c0, q.y.c1] };
}

export function g2FromFast(q: FastG2): NaiveG2 {
  return { x: new Fp2(q.x[0], q.x[1]), y: new Fp2(q.y[0], q.y[1]) };
}

/** Square root in Fp (p = 5 mod 8, Atkin), or undefined. */
export function fpSqrt(a: bigint): bigint | undefined {
  const x = fpMod(a);
  if (x === 0n) return 0n;
  const b = powMod(2n * x, (P - 5n) / 8n, P);
  const i = fpMod(2n * x * b * b);
  const r = fpMod(x * b * (i - 1n));
  return fpMod(r * r) === x ? r : undefined;
}

/** Square root in Fp2 = Fp(sqrt(-2)) through the norm, or undefined. */
export function fp2Sqrt(a: Fp2): Fp2 | undefined {
  if (a.isZero()) return Fp2.ZERO;
  const s = fpSqrt(a.c0 * a.c0 + 2n * a.c1 * a.c1);
  if (s === undefined) return undefined;
  const inv2 = powMod(2n, P - 2n, P);
  for (const cand of [fpMod((a.c0 + s) * inv2), fpMod((a.c0 - s) * inv2)]) {
    const x0 = fpSqrt(cand);
    if (x0 === undefined || x0 === 0n) continue;
    const x1 = fpMod(a.c1 * powMod(2n * x0, P - 2n, P));
    const r = new Fp2(x0, x1);
    if (r.sqr().equals(a)) return r;
  }
  return undefined;
}

/** A random point of E'(Fp2) (almost surely outside G2). */
export function randomTwistPoint(): { x: Fp2; y: Fp2 } {
  for (;;) {
    const x = randomFp2();
    const y = fp2Sqrt(x.sqr().mul(x).add(TWIST_B));
    if (y !== undefined) return { x, y };
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
