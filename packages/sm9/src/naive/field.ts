/**
 * Naive tower arithmetic: one reduction per operation, immutable objects, textbook formulas.
 * The reference against which the fast code is tested (and benchmarked); clarity over speed.
 */
import { invMod, P } from "../params.js";

export function fpMod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

/** Inverse in Fp (extended Euclid). */
export function fpInv(a: bigint): bigint {
  if (fpMod(a) === 0n) throw new RangeError("fpInv: zero");
  return invMod(a, P);
}

/** c0 + c1*u with u^2 = -2. */
export class Fp2 {
  static readonly ZERO = new Fp2(0n, 0n);
  static readonly ONE = new Fp2(1n, 0n);

  constructor(
    readonly c0: bigint,
    readonly c1: bigint,
  ) {}

  add(o: Fp2): Fp2 {
    return new Fp2(fpMod(this.c0 + o.c0), fpMod(this.c1 + o.c1));
  }
  sub(o: Fp2): Fp2 {
    return new Fp2(fpMod(this.c0 - o.c0), fpMod(this.c1 - o.c1));
  }
  neg(): Fp2 {
    return new Fp2(fpMod(-this.c0), fpMod(-this.c1));
  }
  mul(o: Fp2): Fp2 {
    return new Fp2(fpMod(this.c0 * o.c0 - 2n * this.c1 * o.c1), fpMod(this.c0 * o.c1 + this.c1 * o.c0));
  }
  sqr(): Fp2 {
    return this.mul(this);
  }
  mulFp(k: bigint): Fp2 {
    return new Fp2(fpMod(this.c0 * k), fpMod(this.c1 * k));
  }
  /** Multiplication by u: (c0 + c1 u) u = -2 c1 + c0 u. */
  mulU(): Fp2 {
    return new Fp2(fpMod(-2n * this.c1), this.c0);
  }
  /** The p-power Frobenius of Fp2 (u^p = -u). */
  conj(): Fp2 {
    return new Fp2(this.c0, fpMod(-this.c1));
  }
  inv(): Fp2 {
    const norm = fpMod(this.c0 * this.c0 + 2n * this.c1 * this.c1);
    const ni = fpInv(norm);
    return new Fp2(fpMod(this.c0 * ni), fpMod(-this.c1 * ni));
  }
  pow(e: bigint): Fp2 {
    let r = Fp2.ONE;
    let b: Fp2 = this;
    let k = e;
    while (k > 0n) {
      if (k & 1n) r = r.mul(b);
      b = b.sqr();
      k >>= 1n;
    }
    return r;
  }
  isZero(): boolean {
    return this.c0 === 0n && this.c1 === 0n;
  }
  equals(o: Fp2): boolean {
    return this.c0 === o.c0 && this.c1 === o.c1;
  }
}

/** a + b*v with v^2 = u. */
export class Fp4 {
  static readonly ZERO = new Fp4(Fp2.ZERO, Fp2.ZERO);
  static readonly ONE = new Fp4(Fp2.ONE, Fp2.ZERO);

  constructor(
    readonly a: Fp2,
    readonly b: Fp2,
  ) {}

  add(o: Fp4): Fp4 {
    return new Fp4(this.a.add(o.a), this.b.add(o.b));
  }
  sub(o: Fp4): Fp4 {
    return new Fp4(this.a.sub(o.a), this.b.sub(o.b));
  }
  neg(): Fp4 {
    return new Fp4(this.a.neg(), this.b.neg());
  }
  mul(o: Fp4): Fp4 {
    return new Fp4(this.a.mul(o.a).add(this.b.mul(o.b).mulU()), this.a.mul(o.b).add(this.b.mul(o.a)));
  }
  mulFp2(k: Fp2): Fp4 {
    return new Fp4(this.a.mul(k), this.b.mul(k));
  }
  /** Multiplication by v: (a + b v) v = b u + a v. */
  mulV(): Fp4 {
    return new Fp4(this.b.mulU(), this.a);
  }
  /** Conjugate over Fp2: a - b v. */
  conj(): Fp4 {
    return new Fp4(this.a, this.b.neg());
  }
  inv(): Fp4 {
    const norm = this.a.sqr().sub(this.b.sqr().mulU());
    const ni = norm.inv();
    return new Fp4(this.a.mul(ni), this.b.neg().mul(ni));
  }
  isZero(): boolean {
    return this.a.isZero() && this.b.isZero();
  }
  equals(o: Fp4): boolean {
    return this.a.equals(o.a) && this.b.equals(o.b);
  }
}

/** u^(k(p-1)/6) = w^(k(p-1)) for k = 0..5: the factors of the p-power Frobenius on w^k. */
const U = new Fp2(0n, 1n);
const FROB_W: readonly Fp2[] = [0n, 1n, 2n, 3n, 4n, 5n].map((k) => U.pow((k * (P - 1n)) / 6n));

/** a + b*w + c*w^2 with w^3 = v. */
export class Fp12 {
  static readonly ZERO = new Fp12(Fp4.ZERO, Fp4.ZERO, Fp4.ZERO);
  static readonly ONE = new Fp12(Fp4.ONE, Fp4.ZERO, Fp4.ZERO);

  constructor(
    readonly a: Fp4,
    readonly b: Fp4,
    readonly c: Fp4,
  ) {}

  add(o: Fp12): Fp12 {
    return new Fp12(this.a.add(o.a), this.b.add(o.b), this.c.add(o.c));
  }
  sub(o: Fp12): Fp12 {
    return new Fp12(this.a.sub(o.a), this.b.sub(o.b), this.c.sub(o.c));
  }
  /** Schoolbook product, reducing w^3 = v and w^4 = v w. */
  mul(o: Fp12): Fp12 {
    const { a, b, c } = this;
    const { a: d, b: e, c: f } = o;
    return new Fp12(
      a.mul(d).add(b.mul(f).add(c.mul(e)).mulV()),
      a.mul(e).add(b.mul(d)).add(c.mul(f).mulV()),
      a.mul(f).add(b.mul(e)).add(c.mul(d)),
    );
  }
  sqr(): Fp12 {
    return this.mul(this);
  }
  inv(): Fp12 {
    const { a, b, c } = this;
    const A = a.mul(a).sub(b.mul(c).mulV());
    const Bc = c.mul(c).mulV().sub(a.mul(b));
    const C = b.mul(b).sub(a.mul(c));
    const F = a.mul(A).add(c.mul(Bc).add(b.mul(C)).mulV());
    const fi = F.inv();
    return new Fp12(A.mul(fi), Bc.mul(fi), C.mul(fi));
  }
  /** The coefficients of w^0..w^5 (each in Fp2). */
  toW(): [Fp2, Fp2, Fp2, Fp2, Fp2, Fp2] {
    return [this.a.a, this.b.a, this.c.a, this.a.b, this.b.b, this.c.b];
  }
  static fromW(k: readonly Fp2[]): Fp12 {
    const at = (i: number): Fp2 => k[i] ?? Fp2.ZERO;
    return new Fp12(new Fp4(at(0), at(3)), new Fp4(at(1), at(4)), new Fp4(at(2), at(5)));
  }
  /** f^(p^6): w^(p^6) = -w, so the odd powers of w change sign. */
  conj(): Fp12 {
    return Fp12.fromW(this.toW().map((x, k) => (k % 2 === 1 ? x.neg() : x)));
  }
  /** f^p = sum conj(c_k) * w^(k(p-1)) * w^k. */
  frobenius(): Fp12 {
    return Fp12.fromW(this.toW().map((x, k) => x.conj().mul(FROB_W[k] as Fp2)));
  }
  frobeniusN(n: number): Fp12 {
    let r: Fp12 = this;
    for (let i = 0; i < n; i++) r = r.frobenius();
    return r;
  }
  pow(e: bigint): Fp12 {
    if (e < 0n) return this.inv().pow(-e);
    let r = Fp12.ONE;
    for (let i = e.toString(2).length - 1; i >= 0; i--) {
      r = r.sqr();
      if ((e >> BigInt(i)) & 1n) r = r.mul(this);
    }
    return r;
  }
  isZero(): boolean {
    return this.a.isZero() && this.b.isZero() && this.c.isZero();
  }
  isOne(): boolean {
    return this.equals(Fp12.ONE);
  }
  equals(o: Fp12): boolean {
    return this.a.equals(o.a) && this.b.equals(o.b) && this.c.equals(o.c);
  }
}
