/**
 * The pairing's field arithmetic as a WebAssembly module generated at load time: Fp in Montgomery form
 * (8 little-endian 32-bit limbs, CIOS multiplication with 64-bit products), and Fp2/Fp4/Fp12, the Miller
 * loop's doubling and addition steps and line products as straight-line sequences of calls.
 *
 * Every function takes byte addresses into the module's memory, reads all of its inputs before writing its
 * output (so outputs may alias inputs), and keeps its temporaries in a scratch area of its own (no function
 * is ever active twice at once: there is no recursion). Elements: Fp 32 bytes, Fp2 64 (c0, c1), Fp4 128
 * (A0, A1 with A = A0 + A1 v), Fp12 384 (a, b, c with f = a + b w + c w^2) -- the same coefficient order as
 * the bigint code (fp12.ts), at 32 bytes per coefficient.
 */
import { P } from "../../params.js";
import { I32, I64, ModuleWriter, op } from "./emit.js";

const MASK = 0xffffffffn;
const LIMBS = 8;
export const FP = 32;
export const FP2 = 64;
export const FP4 = 128;
export const FP12 = 384;

const P_LIMBS: bigint[] = Array.from({ length: LIMBS }, (_, i) => (P >> BigInt(32 * i)) & MASK);

/** -p^-1 mod 2^32. */
const P_INV32 = (() => {
  const m = 1n << 32n;
  let inv = 1n;
  // Newton iteration for p^-1 mod 2^32.
  for (let i = 0; i < 6; i++) inv = (inv * (2n - (((P % m) * inv) % m) + m)) % m;
  return (m - inv) % m;
})();

// ---- Memory map ----

/** Constants: ZERO, ONE (Montgomery), small integers, Frobenius factors. */
export const ADDR = {
  ZERO: 0,
  ONE: 32,
  /** Montgomery form of 3, 12, 15. */
  C3: 64,
  C12: 96,
  C15: 128,
  /** gamma_{i,k} for i = 1..3, k = 1..5 (Fp): at GAMMA + ((i - 1) * 5 + (k - 1)) * 32. */
  GAMMA: 160,
} as const;
const SCRATCH_START = 1024;
/** Where the driver (pairing-wasm.ts) may place its own data. */
export const WORK_START = 65536;
export const MEMORY_PAGES = 8; // 512 KB

type Addr = { readonly param: number; readonly off: number } | { readonly abs: number };

/** Builds a function body as a sequence of calls on addresses. */
class Seq {
  readonly code: number[] = [];

  call(f: number, ...args: Addr[]): void {
    for (const a of args) {
      if ("abs" in a) this.code.push(...op.i32Const(a.abs));
      else {
        this.code.push(...op.localGet(a.param));
        if (a.off !== 0) this.code.push(...op.i32Const(a.off), ...op.i32Add);
      }
    }
    this.code.push(...op.call(f));
  }
}

const p = (param: number, off = 0): Addr => ({ param, off });
const abs = (address: number): Addr => ({ abs: address });
const at = (a: Addr, off: number): Addr =>
  "abs" in a ? { abs: a.abs + off } : { param: a.param, off: a.off + off };

export interface FieldModule {
  readonly bytes: Uint8Array;
  /** Export names of the functions the driver calls. */
  readonly exports: readonly string[];
}

export function buildFieldModule(): FieldModule {
  const m = new ModuleWriter(MEMORY_PAGES);
  let scratchNext = SCRATCH_START;
  const scratch = (bytes: number): Addr => {
    const a = abs(scratchNext);
    scratchNext += bytes;
    return a;
  };
  const exported: string[] = [];
  const ex = (nameOf: string, f: number): number => {
    m.exportFunction(nameOf, f);
    exported.push(nameOf);
    return f;
  };

  // ---- Fp (raw instructions) ----
  const fpMul = m.declare([I32, I32, I32]);
  const fpAdd = m.declare([I32, I32, I32]);
  const fpSub = m.declare([I32, I32, I32]);
  const fpCopy = m.declare([I32, I32]);

  {
    // Locals: 0 d, 1 a, 2 b | a0..a7 = 3..10 | bi 11 | t0..t9 = 12..21 | C 22 | M 23 | S 24 | u0..u7 25..32 | br 33
    const A = (j: number): number => 3 + j;
    const T = (j: number): number => 12 + j;
    const BI = 11;
    const C = 22;
    const M = 23;
    const S = 24;
    const U = (j: number): number => 25 + j;
    const BR = 33;
    const c: number[] = [];
    const lo = (dst: number): void => {
      c.push(...op.localGet(S), ...op.i64Const(MASK), ...op.i64And, ...op.localSet(dst));
    };
    const hi = (dst: number): void => {
      c.push(...op.localGet(S), ...op.i64Const(32), ...op.i64ShrU, ...op.localSet(dst));
    };
    for (let j = 0; j < LIMBS; j++) c.push(...op.localGet(1), ...op.load32u(4 * j), ...op.localSet(A(j)));
    for (let j = 0; j < 10; j++) c.push(...op.i64Const(0), ...op.localSet(T(j)));
    for (let i = 0; i < LIMBS; i++) {
      c.push(
        ...op.localGet(2),
        ...op.load32u(4 * i),
        ...op.localSet(BI),
        ...op.i64Const(0),
        ...op.localSet(C),
      );
      for (let j = 0; j < LIMBS; j++) {
        // S = t_j + a_j b_i + C  (< 2^64)
        c.push(...op.localGet(T(j)), ...op.localGet(A(j)), ...op.localGet(BI), ...op.i64Mul, ...op.i64Add);
        c.push(...op.localGet(C), ...op.i64Add, ...op.localSet(S));
        lo(T(j));
        hi(C);
      }
      c.push(...op.localGet(T(8)), ...op.localGet(C), ...op.i64Add, ...op.localSet(S));
      lo(T(8));
      hi(T(9));
      // m = t0 * (-p^-1) mod 2^32
      c.push(...op.localGet(T(0)), ...op.i64Const(P_INV32), ...op.i64Mul, ...op.i64Const(MASK), ...op.i64And);
      c.push(...op.localSet(M));
      // C = (t0 + m p0) >> 32
      c.push(...op.localGet(T(0)), ...op.localGet(M), ...op.i64Const(P_LIMBS[0] as bigint), ...op.i64Mul);
      c.push(...op.i64Add, ...op.localSet(S));
      hi(C);
      for (let j = 1; j < LIMBS; j++) {
        c.push(...op.localGet(T(j)), ...op.localGet(M), ...op.i64Const(P_LIMBS[j] as bigint), ...op.i64Mul);
        c.push(...op.i64Add, ...op.localGet(C), ...op.i64Add, ...op.localSet(S));
        lo(T(j - 1));
        hi(C);
      }
      c.push(...op.localGet(T(8)), ...op.localGet(C), ...op.i64Add, ...op.localSet(S));
      lo(T(7));
      c.push(...op.localGet(S), ...op.i64Const(32), ...op.i64ShrU, ...op.localGet(T(9)), ...op.i64Add);
      c.push(...op.localSet(T(8)));
    }
    // t < 2p: u = t - p; keep u unless it borrowed (and t8 = 0).
    c.push(...op.i64Const(0), ...op.localSet(BR));
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(T(j)), ...op.i64Const(P_LIMBS[j] as bigint), ...op.i64Sub, ...op.localGet(BR));
      c.push(...op.i64Sub, ...op.localSet(S));
      lo(U(j));
      c.push(...op.localGet(S), ...op.i64Const(63), ...op.i64ShrU, ...op.localSet(BR));
    }
    for (let j = 0; j < LIMBS; j++) {
      // d_j = (t8 != 0 || br == 0) ? u_j : t_j
      c.push(...op.localGet(0), ...op.localGet(U(j)), ...op.localGet(T(j)));
      c.push(
        ...op.localGet(T(8)),
        ...op.i64Const(0),
        ...op.i64Ne,
        ...op.localGet(BR),
        ...op.i64Eqz,
        ...op.i32Or,
      );
      c.push(...op.select, ...op.store32(4 * j));
    }
    m.define(fpMul, Array(31).fill(I64), c);
  }

  {
    // fp_add: s = a + b (carry out C); u = s - p; d = (C || no borrow) ? u : s.
    // Locals: 0 d, 1 a, 2 b | s0..s7 3..10 | u0..u7 11..18 | C 19 | BR 20 | S 21
    const s = (j: number): number => 3 + j;
    const u = (j: number): number => 11 + j;
    const C = 19;
    const BR = 20;
    const S = 21;
    const c: number[] = [...op.i64Const(0), ...op.localSet(C)];
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(1), ...op.load32u(4 * j), ...op.localGet(2), ...op.load32u(4 * j), ...op.i64Add);
      c.push(...op.localGet(C), ...op.i64Add, ...op.localSet(S));
      c.push(...op.localGet(S), ...op.i64Const(MASK), ...op.i64And, ...op.localSet(s(j)));
      c.push(...op.localGet(S), ...op.i64Const(32), ...op.i64ShrU, ...op.localSet(C));
    }
    c.push(...op.i64Const(0), ...op.localSet(BR));
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(s(j)), ...op.i64Const(P_LIMBS[j] as bigint), ...op.i64Sub, ...op.localGet(BR));
      c.push(...op.i64Sub, ...op.localSet(S));
      c.push(...op.localGet(S), ...op.i64Const(MASK), ...op.i64And, ...op.localSet(u(j)));
      c.push(...op.localGet(S), ...op.i64Const(63), ...op.i64ShrU, ...op.localSet(BR));
    }
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(0), ...op.localGet(u(j)), ...op.localGet(s(j)));
      c.push(
        ...op.localGet(C),
        ...op.i64Const(0),
        ...op.i64Ne,
        ...op.localGet(BR),
        ...op.i64Eqz,
        ...op.i32Or,
      );
      c.push(...op.select, ...op.store32(4 * j));
    }
    m.define(fpAdd, Array(19).fill(I64), c);
  }

  {
    // fp_sub: s = a - b (borrow BR); u = s + p; d = BR ? u : s.
    const s = (j: number): number => 3 + j;
    const u = (j: number): number => 11 + j;
    const C = 19;
    const BR = 20;
    const S = 21;
    const c: number[] = [...op.i64Const(0), ...op.localSet(BR)];
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(1), ...op.load32u(4 * j), ...op.localGet(2), ...op.load32u(4 * j), ...op.i64Sub);
      c.push(...op.localGet(BR), ...op.i64Sub, ...op.localSet(S));
      c.push(...op.localGet(S), ...op.i64Const(MASK), ...op.i64And, ...op.localSet(s(j)));
      c.push(...op.localGet(S), ...op.i64Const(63), ...op.i64ShrU, ...op.localSet(BR));
    }
    c.push(...op.i64Const(0), ...op.localSet(C));
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(s(j)), ...op.i64Const(P_LIMBS[j] as bigint), ...op.i64Add, ...op.localGet(C));
      c.push(...op.i64Add, ...op.localSet(S));
      c.push(...op.localGet(S), ...op.i64Const(MASK), ...op.i64And, ...op.localSet(u(j)));
      c.push(...op.localGet(S), ...op.i64Const(32), ...op.i64ShrU, ...op.localSet(C));
    }
    for (let j = 0; j < LIMBS; j++) {
      c.push(...op.localGet(0), ...op.localGet(u(j)), ...op.localGet(s(j)));
      c.push(...op.localGet(BR), ...op.i32WrapI64, ...op.select, ...op.store32(4 * j));
    }
    m.define(fpSub, Array(19).fill(I64), c);
  }

  {
    const c: number[] = [];
    for (let j = 0; j < LIMBS; j++) c.push(...op.localGet(1), ...op.load32u(4 * j), ...op.localSet(2 + j));
    for (let j = 0; j < LIMBS; j++) c.push(...op.localGet(0), ...op.localGet(2 + j), ...op.store32(4 * j));
    m.define(fpCopy, Array(8).fill(I64), c);
  }

  /** Declares and defines a call-sequence function of `params` address arguments. */
  const fn = (params: number, build: (s: Seq) => void): number => {
    const f = m.declare(Array(params).fill(I32));
    const s = new Seq();
    build(s);
    m.define(f, [], s.code);
    return f;
  };

  const ZERO = abs(ADDR.ZERO);

  // ---- Fp2: (c0, c1), u^2 = -2 ----
  const fp2Add = fn(3, (s) => {
    s.call(fpAdd, p(0), p(1), p(2));
    s.call(fpAdd, p(0, FP), p(1, FP), p(2, FP));
  });
  const fp2Sub = fn(3, (s) => {
    s.call(fpSub, p(0), p(1), p(2));
    s.call(fpSub, p(0, FP), p(1, FP), p(2, FP));
  });
  const fp2Neg = fn(2, (s) => {
    s.call(fpSub, p(0), ZERO, p(1));
    s.call(fpSub, p(0, FP), ZERO, p(1, FP));
  });
  const fp2Copy = fn(2, (s) => {
    s.call(fpCopy, p(0), p(1));
    s.call(fpCopy, p(0, FP), p(1, FP));
  });
  const fp2Dbl = fn(2, (s) => {
    s.call(fpAdd, p(0), p(1), p(1));
    s.call(fpAdd, p(0, FP), p(1, FP), p(1, FP));
  });
  const fp2MulFp = fn(3, (s) => {
    s.call(fpMul, p(0), p(1), p(2));
    s.call(fpMul, p(0, FP), p(1, FP), p(2));
  });
  const fp2Mul = (() => {
    const t0 = scratch(FP);
    const t1 = scratch(FP);
    const t2 = scratch(FP);
    const t3 = scratch(FP);
    return fn(3, (s) => {
      s.call(fpMul, t0, p(1), p(2)); // a0 b0
      s.call(fpMul, t1, p(1, FP), p(2, FP)); // a1 b1
      s.call(fpAdd, t2, p(1), p(1, FP));
      s.call(fpAdd, t3, p(2), p(2, FP));
      s.call(fpMul, t2, t2, t3);
      s.call(fpSub, t2, t2, t0);
      s.call(fpSub, p(0, FP), t2, t1); // c1 = a0 b1 + a1 b0
      s.call(fpAdd, t1, t1, t1);
      s.call(fpSub, p(0), t0, t1); // c0 = a0 b0 - 2 a1 b1
    });
  })();
  const fp2Sqr = (() => {
    const t0 = scratch(FP);
    const t1 = scratch(FP);
    const t2 = scratch(FP);
    return fn(2, (s) => {
      s.call(fpMul, t0, p(1), p(1, FP)); // a0 a1
      s.call(fpAdd, t1, p(1), p(1, FP)); // a0 + a1
      s.call(fpAdd, t2, p(1, FP), p(1, FP));
      s.call(fpSub, t2, p(1), t2); // a0 - 2 a1
      s.call(fpMul, t1, t1, t2);
      s.call(fpAdd, p(0), t1, t0); // a0^2 - 2 a1^2
      s.call(fpAdd, p(0, FP), t0, t0); // 2 a0 a1
    });
  })();
  /** (x0 + x1 u) u = -2 x1 + x0 u. */
  const fp2MulU = (() => {
    const t = scratch(FP);
    return fn(2, (s) => {
      s.call(fpAdd, t, p(1, FP), p(1, FP));
      s.call(fpCopy, p(0, FP), p(1));
      s.call(fpSub, p(0), ZERO, t);
    });
  })();
  const fp2Conj = fn(2, (s) => {
    s.call(fpCopy, p(0), p(1));
    s.call(fpSub, p(0, FP), ZERO, p(1, FP));
  });

  // ---- Fp4: (A0, A1), v^2 = u ----
  const fp4Add = fn(3, (s) => {
    s.call(fp2Add, p(0), p(1), p(2));
    s.call(fp2Add, p(0, FP2), p(1, FP2), p(2, FP2));
  });
  const fp4Sub = fn(3, (s) => {
    s.call(fp2Sub, p(0), p(1), p(2));
    s.call(fp2Sub, p(0, FP2), p(1, FP2), p(2, FP2));
  });
  const fp4Copy = fn(2, (s) => {
    s.call(fp2Copy, p(0), p(1));
    s.call(fp2Copy, p(0, FP2), p(1, FP2));
  });
  const fp4Dbl = fn(2, (s) => {
    s.call(fp2Dbl, p(0), p(1));
    s.call(fp2Dbl, p(0, FP2), p(1, FP2));
  });
  /** (X0 + X1 v) v = u X1 + X0 v. */
  const fp4MulV = (() => {
    const t = scratch(FP2);
    return fn(2, (s) => {
      s.call(fp2MulU, t, p(1, FP2));
      s.call(fp2Copy, p(0, FP2), p(1));
      s.call(fp2Copy, p(0), t);
    });
  })();
  const fp4Mul = (() => {
    const t0 = scratch(FP2);
    const t1 = scratch(FP2);
    const t2 = scratch(FP2);
    const t3 = scratch(FP2);
    return fn(3, (s) => {
      s.call(fp2Mul, t0, p(1), p(2));
      s.call(fp2Mul, t1, p(1, FP2), p(2, FP2));
      s.call(fp2Add, t2, p(1), p(1, FP2));
      s.call(fp2Add, t3, p(2), p(2, FP2));
      s.call(fp2Mul, t2, t2, t3);
      s.call(fp2Sub, t2, t2, t0);
      s.call(fp2Sub, p(0, FP2), t2, t1);
      s.call(fp2MulU, t1, t1);
      s.call(fp2Add, p(0), t0, t1);
    });
  })();
  const fp4Sqr = (() => {
    const t0 = scratch(FP2);
    const t1 = scratch(FP2);
    const t2 = scratch(FP2);
    return fn(2, (s) => {
      s.call(fp2Sqr, t0, p(1));
      s.call(fp2Sqr, t1, p(1, FP2));
      s.call(fp2Add, t2, p(1), p(1, FP2));
      s.call(fp2Sqr, t2, t2);
      s.call(fp2Sub, t2, t2, t0);
      s.call(fp2Sub, p(0, FP2), t2, t1);
      s.call(fp2MulU, t1, t1);
      s.call(fp2Add, p(0), t0, t1);
    });
  })();
  /** X l for X in Fp4 and l in Fp2: (X0 l, X1 l). */
  const fp4MulFp2 = fn(3, (s) => {
    s.call(fp2Mul, p(0), p(1), p(2));
    s.call(fp2Mul, p(0, FP2), p(1, FP2), p(2));
  });

  // ---- Fp12: (a, b, c), w^3 = v ----
  const A = 0;
  const B = FP4;
  const C = 2 * FP4;
  const fp12Copy = fn(2, (s) => {
    s.call(fp4Copy, p(0, A), p(1, A));
    s.call(fp4Copy, p(0, B), p(1, B));
    s.call(fp4Copy, p(0, C), p(1, C));
  });
  const fp12Mul = (() => {
    const v0 = scratch(FP4);
    const v1 = scratch(FP4);
    const v2 = scratch(FP4);
    const s1 = scratch(FP4);
    const s2 = scratch(FP4);
    const x = scratch(FP4);
    const y = scratch(FP4);
    const z = scratch(FP4);
    return fn(3, (s) => {
      s.call(fp4Mul, v0, p(1, A), p(2, A));
      s.call(fp4Mul, v1, p(1, B), p(2, B));
      s.call(fp4Mul, v2, p(1, C), p(2, C));
      // x = (a + b)(d + e) - v0 - v1 + v v2
      s.call(fp4Add, s1, p(1, A), p(1, B));
      s.call(fp4Add, s2, p(2, A), p(2, B));
      s.call(fp4Mul, x, s1, s2);
      s.call(fp4Sub, x, x, v0);
      s.call(fp4Sub, x, x, v1);
      s.call(fp4MulV, z, v2);
      s.call(fp4Add, x, x, z);
      // y = (a + c)(d + h) - v0 - v2 + v1
      s.call(fp4Add, s1, p(1, A), p(1, C));
      s.call(fp4Add, s2, p(2, A), p(2, C));
      s.call(fp4Mul, y, s1, s2);
      s.call(fp4Sub, y, y, v0);
      s.call(fp4Sub, y, y, v2);
      s.call(fp4Add, y, y, v1);
      // r_a = v0 + v ((b + c)(e + h) - v1 - v2)
      s.call(fp4Add, s1, p(1, B), p(1, C));
      s.call(fp4Add, s2, p(2, B), p(2, C));
      s.call(fp4Mul, z, s1, s2);
      s.call(fp4Sub, z, z, v1);
      s.call(fp4Sub, z, z, v2);
      s.call(fp4MulV, z, z);
      s.call(fp4Add, p(0, A), v0, z);
      s.call(fp4Copy, p(0, B), x);
      s.call(fp4Copy, p(0, C), y);
    });
  })();
  const fp12Sqr = (() => {
    // Chung-Hasan SQR2.
    const s0 = scratch(FP4);
    const s1 = scratch(FP4);
    const s2 = scratch(FP4);
    const s3 = scratch(FP4);
    const s4 = scratch(FP4);
    const t = scratch(FP4);
    return fn(2, (s) => {
      s.call(fp4Sqr, s0, p(1, A));
      s.call(fp4Mul, s1, p(1, A), p(1, B));
      s.call(fp4Dbl, s1, s1);
      s.call(fp4Sub, s2, p(1, A), p(1, B));
      s.call(fp4Add, s2, s2, p(1, C));
      s.call(fp4Sqr, s2, s2);
      s.call(fp4Mul, s3, p(1, B), p(1, C));
      s.call(fp4Dbl, s3, s3);
      s.call(fp4Sqr, s4, p(1, C));
      // r_c = s1 + s2 + s3 - s0 - s4
      s.call(fp4Add, t, s1, s2);
      s.call(fp4Add, t, t, s3);
      s.call(fp4Sub, t, t, s0);
      s.call(fp4Sub, p(0, C), t, s4);
      // r_a = s0 + v s3, r_b = s1 + v s4
      s.call(fp4MulV, s3, s3);
      s.call(fp4Add, p(0, A), s0, s3);
      s.call(fp4MulV, s4, s4);
      s.call(fp4Add, p(0, B), s1, s4);
    });
  })();
  /** Granger-Scott: r_a = 3a^2 - 2a', r_b = 3v c^2 + 2b', r_c = 3b^2 - 2c' (x' = conjugate over Fp2). */
  const fp12CycSqr = (() => {
    const sa = scratch(FP4);
    const sb = scratch(FP4);
    const sc = scratch(FP4);
    const t = scratch(FP4);
    const x = scratch(FP4);
    // r = 3S - 2x' component-wise: for the v^0 half 3S0 - 2x0, for the v^1 half 3S1 + 2x1.
    const threeMinus = (s: Seq, dst: Addr, sq: Addr, src: Addr): void => {
      s.call(fp2Sub, at(t, 0), at(sq, 0), at(src, 0));
      s.call(fp2Dbl, at(t, 0), at(t, 0));
      s.call(fp2Add, at(dst, 0), at(t, 0), at(sq, 0));
      s.call(fp2Add, at(t, FP2), at(sq, FP2), at(src, FP2));
      s.call(fp2Dbl, at(t, FP2), at(t, FP2));
      s.call(fp2Add, at(dst, FP2), at(t, FP2), at(sq, FP2));
    };
    return fn(2, (s) => {
      s.call(fp4Sqr, sa, p(1, A));
      s.call(fp4Sqr, sb, p(1, B));
      s.call(fp4Sqr, sc, p(1, C));
      // r_b = 3 v c^2 + 2 b' : with y = v c^2, (3 y0 + 2 b0, 3 y1 - 2 b1)
      s.call(fp4MulV, x, sc);
      s.call(fp2Add, at(t, 0), at(x, 0), p(1, B));
      s.call(fp2Dbl, at(t, 0), at(t, 0));
      s.call(fp2Add, at(t, 0), at(t, 0), at(x, 0));
      s.call(fp2Sub, at(t, FP2), at(x, FP2), p(1, B + FP2));
      s.call(fp2Dbl, at(t, FP2), at(t, FP2));
      s.call(fp2Add, at(t, FP2), at(t, FP2), at(x, FP2));
      s.call(fp4Copy, x, t);
      threeMinus(s, p(0, A), sa, p(1, A));
      threeMinus(s, p(0, C), sb, p(1, C));
      s.call(fp4Copy, p(0, B), x);
    });
  })();
  /**
   * f * l for a line l = (l0 + l1 v) + l2 w^2 stored as three Fp2 (l0, l1, l2):
   * r_a = a L + v (b l2), r_b = b L + v (c l2), r_c = c L + a l2 with L = l0 + l1 v.
   */
  const fp12MulLine = (() => {
    const aL = scratch(FP4);
    const bL = scratch(FP4);
    const cL = scratch(FP4);
    const t = scratch(FP4);
    return fn(3, (s) => {
      s.call(fp4Mul, aL, p(1, A), p(2));
      s.call(fp4Mul, bL, p(1, B), p(2));
      s.call(fp4Mul, cL, p(1, C), p(2));
      s.call(fp4MulFp2, t, p(1, A), p(2, FP4)); // a l2
      s.call(fp4Add, cL, cL, t);
      s.call(fp4MulFp2, t, p(1, B), p(2, FP4)); // b l2
      s.call(fp4MulV, t, t);
      s.call(fp4Add, aL, aL, t);
      s.call(fp4MulFp2, t, p(1, C), p(2, FP4)); // c l2
      s.call(fp4MulV, t, t);
      s.call(fp4Add, bL, bL, t);
      s.call(fp4Copy, p(0, A), aL);
      s.call(fp4Copy, p(0, B), bL);
      s.call(fp4Copy, p(0, C), cL);
    });
  })();
  /** f^(p^6): negate the coefficients of w, w^3, w^5 (a1, b0, c1). */
  const fp12Conj = fn(2, (s) => {
    s.call(fp2Copy, p(0, 0), p(1, 0));
    s.call(fp2Neg, p(0, FP2), p(1, FP2));
    s.call(fp2Neg, p(0, B), p(1, B));
    s.call(fp2Copy, p(0, B + FP2), p(1, B + FP2));
    s.call(fp2Copy, p(0, C), p(1, C));
    s.call(fp2Neg, p(0, C + FP2), p(1, C + FP2));
  });
  /** f^(p^i): conjugate (odd i) and scale the coefficient of w^k by gamma_{i,k} (in Fp). */
  const frob = (i: 1 | 2 | 3): number =>
    fn(2, (s) => {
      // w^k lives at: w^0 a0 (0), w^1 b0 (B), w^2 c0 (C), w^3 a1 (FP2), w^4 b1 (B+FP2), w^5 c1 (C+FP2)
      const where = [0, B, C, FP2, B + FP2, C + FP2];
      where.forEach((off, k) => {
        if (i % 2 === 1) s.call(fp2Conj, p(0, off), p(1, off));
        else s.call(fp2Copy, p(0, off), p(1, off));
        if (k > 0) s.call(fp2MulFp, p(0, off), p(0, off), abs(ADDR.GAMMA + ((i - 1) * 5 + (k - 1)) * FP));
      });
    });
  const fp12Frob1 = frob(1);
  const fp12Frob2 = frob(2);
  const fp12Frob3 = frob(3);

  // ---- Miller loop steps (twist points in homogeneous projective coordinates) ----
  // T: X, Y, Z (Fp2 each) at +0, +64, +128. P: xP, yP (Fp) at +0, +32. Q affine: x, y (Fp2) at +0, +64.
  // LINE out: l0, l1, l2 (Fp2 each), with P folded in (l1 = m1 yP, l2 = m2 xP).
  const X = 0;
  const Y = FP2;
  const Z = 2 * FP2;
  const dblStep = (() => {
    const a = scratch(FP2);
    const b = scratch(FP2);
    const c = scratch(FP2);
    const e = scratch(FP2);
    const f = scratch(FP2);
    const g = scratch(FP2);
    const h = scratch(FP2);
    const t = scratch(FP2);
    const xx = scratch(FP2);
    return fn(3, (s) => {
      const T = 0;
      const L = 1;
      const PP = 2;
      s.call(fp2Mul, a, p(T, X), p(T, Y)); // A = XY
      s.call(fp2Sqr, b, p(T, Y)); // B = Y^2
      s.call(fp2Sqr, c, p(T, Z)); // C = Z^2
      s.call(fp2Sqr, xx, p(T, X)); // X^2
      s.call(fp2Add, h, p(T, Y), p(T, Z));
      s.call(fp2Sqr, h, h);
      s.call(fp2Sub, h, h, b);
      s.call(fp2Sub, h, h, c); // H = 2YZ
      s.call(fp2MulU, e, c);
      s.call(fp2MulFp, e, e, abs(ADDR.C15)); // E = 15u C = 3b' Z^2
      s.call(fp2Add, f, e, e);
      s.call(fp2Add, f, f, e); // F = 3E
      // line: l0 = B - E, l1 = H yP, l2 = -3 X^2 xP
      s.call(fp2Sub, p(L, 0), b, e);
      s.call(fp2MulFp, p(L, FP2), h, p(PP, FP));
      s.call(fp2MulFp, t, xx, abs(ADDR.C3));
      s.call(fp2MulFp, t, t, p(PP, 0));
      s.call(fp2Neg, p(L, 2 * FP2), t);
      // X3 = 2A(B - F)
      s.call(fp2Sub, t, b, f);
      s.call(fp2Mul, t, a, t);
      s.call(fp2Add, p(T, X), t, t);
      // Z3 = 4 B H
      s.call(fp2Mul, t, b, h);
      s.call(fp2Add, t, t, t);
      s.call(fp2Add, p(T, Z), t, t);
      // Y3 = (B + F)^2 - 12 E^2
      s.call(fp2Add, g, b, f);
      s.call(fp2Sqr, g, g);
      s.call(fp2Sqr, t, e);
      s.call(fp2MulFp, t, t, abs(ADDR.C12));
      s.call(fp2Sub, p(T, Y), g, t);
    });
  })();
  const addStep = (() => {
    const th = scratch(FP2);
    const la = scratch(FP2);
    const c = scratch(FP2);
    const d = scratch(FP2);
    const e = scratch(FP2);
    const f = scratch(FP2);
    const g = scratch(FP2);
    const h = scratch(FP2);
    const t = scratch(FP2);
    const u = scratch(FP2);
    return fn(4, (s) => {
      const T = 0;
      const L = 1;
      const Q = 2;
      const PP = 3;
      // theta = Y - yQ Z, lambda = X - xQ Z
      s.call(fp2Mul, t, p(Q, FP2), p(T, Z));
      s.call(fp2Sub, th, p(T, Y), t);
      s.call(fp2Mul, t, p(Q, 0), p(T, Z));
      s.call(fp2Sub, la, p(T, X), t);
      // line: l0 = theta xQ - lambda yQ, l1 = lambda yP, l2 = -theta xP
      s.call(fp2Mul, t, th, p(Q, 0));
      s.call(fp2Mul, u, la, p(Q, FP2));
      s.call(fp2Sub, p(L, 0), t, u);
      s.call(fp2MulFp, p(L, FP2), la, p(PP, FP));
      s.call(fp2MulFp, t, th, p(PP, 0));
      s.call(fp2Neg, p(L, 2 * FP2), t);
      // C = theta^2, D = lambda^2, E = lambda D, F = Z C, G = X D, H = E + F - 2G
      s.call(fp2Sqr, c, th);
      s.call(fp2Sqr, d, la);
      s.call(fp2Mul, e, la, d);
      s.call(fp2Mul, f, p(T, Z), c);
      s.call(fp2Mul, g, p(T, X), d);
      s.call(fp2Add, h, e, f);
      s.call(fp2Sub, h, h, g);
      s.call(fp2Sub, h, h, g);
      // X3 = lambda H, Y3 = theta (G - H) - Y E, Z3 = Z E
      s.call(fp2Mul, p(T, X), la, h);
      s.call(fp2Sub, t, g, h);
      s.call(fp2Mul, t, th, t);
      s.call(fp2Mul, u, p(T, Y), e);
      s.call(fp2Sub, p(T, Y), t, u);
      s.call(fp2Mul, p(T, Z), p(T, Z), e);
    });
  })();
  /**
   * A precomputed, normalized line (l0, l2'), stored as two Fp2, evaluated at P into (l0, yP, l2' xP).
   */
  const evalPrepared = fn(3, (s) => {
    const L = 0;
    const PRE = 1;
    const PP = 2;
    s.call(fp2Copy, p(L, 0), p(PRE, 0));
    s.call(fpCopy, p(L, FP2), p(PP, FP));
    s.call(fpCopy, p(L, FP2 + FP), ZERO);
    s.call(fp2MulFp, p(L, 2 * FP2), p(PRE, FP2), p(PP, 0));
  });

  ex("fp_mul", fpMul);
  ex("fp_add", fpAdd);
  ex("fp_sub", fpSub);
  ex("fp2_mul", fp2Mul);
  ex("fp2_sqr", fp2Sqr);
  ex("fp12_mul", fp12Mul);
  ex("fp12_sqr", fp12Sqr);
  ex("fp12_cyc_sqr", fp12CycSqr);
  ex("fp12_mul_line", fp12MulLine);
  ex("fp12_conj", fp12Conj);
  ex("fp12_frob1", fp12Frob1);
  ex("fp12_frob2", fp12Frob2);
  ex("fp12_frob3", fp12Frob3);
  ex("fp12_copy", fp12Copy);
  ex("dbl_step", dblStep);
  ex("add_step", addStep);
  ex("eval_prepared", evalPrepared);
  if (scratchNext > WORK_START) throw new Error("wasm field module: scratch area overflow");
  return { bytes: m.bytes(), exports: exported };
}
