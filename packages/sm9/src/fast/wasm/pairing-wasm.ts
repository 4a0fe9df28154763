/**
 * The pairing on the WebAssembly field kernels (field-module.ts): the same algorithms as pairing.ts and
 * final-exp.ts (projective Miller loop over the NAF of 6t+2, normalized precomputed lines, multi-Miller
 * loops, exact final exponentiation with Scott et al.'s hard part), with every Fp12 value kept in the
 * module's memory in Montgomery form. Bigints cross the boundary only for the inputs, the one inversion of
 * the easy part, and the result.
 *
 * `createWasmPairing()` returns undefined where WebAssembly cannot be compiled synchronously (then the
 * bigint code is used); tests check both give the same values.
 */
import { T as BN_T, P, SIX_T_PLUS_2 } from "../../params.js";
import { fpInv } from "../fp.js";
import { type Fp12, fp12Inv, GAMMA } from "../fp12.js";
import { type G2Affine, g2AffineNeg, g2PsiAffine, naf } from "../g2.js";
import type { G1Affine, PreparedLine } from "../pairing.js";
import { ADDR, buildFieldModule, FP, FP2, FP12, WORK_START } from "./field-module.js";

type Kernel = (...addrs: number[]) => void;

/** The part of the WebAssembly JS API used here (the project compiles without the DOM library). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly fp12_mul: Kernel;
  readonly fp12_sqr: Kernel;
  readonly fp12_cyc_sqr: Kernel;
  readonly fp12_mul_line: Kernel;
  readonly fp12_conj: Kernel;
  readonly fp12_frob1: Kernel;
  readonly fp12_frob2: Kernel;
  readonly fp12_frob3: Kernel;
  readonly fp12_copy: Kernel;
  readonly dbl_step: Kernel;
  readonly add_step: Kernel;
  readonly eval_prepared: Kernel;
  readonly fp_mul: Kernel;
  readonly fp_add: Kernel;
  readonly fp_sub: Kernel;
  readonly fp2_mul: Kernel;
  readonly fp2_sqr: Kernel;
}

const R = (1n << 256n) % P;
const R_INV = fpInv(R);
const M64 = (1n << 64n) - 1n;

const LOOP_DIGITS: readonly number[] = naf(SIX_T_PLUS_2).reverse().slice(1);
const T_DIGITS: readonly number[] = naf(BN_T).reverse().slice(1);

/** Prepared lines in Montgomery limbs: per line (l0, l2') = 2 Fp2 = 128 bytes. */
export interface WasmLines {
  readonly count: number;
  readonly bytes: Uint8Array;
}

const LINE_BYTES = 2 * FP2;
const MAX_LINES = 128;

// Work area layout.
let next = WORK_START;
const slot = (bytes: number): number => {
  const a = next;
  next += bytes;
  return a;
};
const F = slot(FP12);
const TPT = slot(3 * FP2);
const LINE = slot(3 * FP2);
const PXY = [slot(2 * FP), slot(2 * FP)] as const;
const QXY = slot(2 * FP2);
const QNEG = slot(2 * FP2);
const Q1 = slot(2 * FP2);
const Q2 = slot(2 * FP2);
const S = Array.from({ length: 16 }, () => slot(FP12));
const LINES = [slot(MAX_LINES * LINE_BYTES), slot(MAX_LINES * LINE_BYTES)] as const;
const WORK_END = next;

export class WasmPairing {
  private readonly x: Exports;
  private readonly view: DataView;
  private readonly u8: Uint8Array;

  private constructor(x: Exports) {
    this.x = x;
    this.view = new DataView(x.memory.buffer);
    this.u8 = new Uint8Array(x.memory.buffer);
    if (WORK_END > x.memory.buffer.byteLength) throw new Error("wasm pairing: memory too small");
    this.writeFp(ADDR.ZERO, 0n);
    this.writeFp(ADDR.ONE, 1n);
    this.writeFp(ADDR.C3, 3n);
    this.writeFp(ADDR.C12, 12n);
    this.writeFp(ADDR.C15, 15n);
    for (let i = 1; i <= 3; i++) {
      for (let k = 1; k <= 5; k++) {
        // gamma_{i,k} = u^(k (p^i - 1)/6), in Fp (the bigint code's table).
        const g = (GAMMA[i - 1] as readonly bigint[])[k] as bigint;
        this.writeFp(ADDR.GAMMA + ((i - 1) * 5 + (k - 1)) * FP, g);
      }
    }
  }

  /** Compiles the module (synchronously); undefined when WebAssembly is unavailable or refused. */
  static create(): WasmPairing | undefined {
    try {
      const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (api === undefined) return undefined;
      const mod = buildFieldModule();
      const instance = new api.Instance(new api.Module(mod.bytes), {});
      return new WasmPairing(instance.exports as Exports);
    } catch {
      return undefined;
    }
  }

  // ---- Conversions (Montgomery form, 8 little-endian 32-bit limbs) ----

  writeFp(addr: number, x: bigint): void {
    let v = (x * R) % P;
    for (let i = 0; i < 4; i++) {
      this.view.setBigUint64(addr + 8 * i, v & M64, true);
      v >>= 64n;
    }
  }

  readFp(addr: number): bigint {
    const v =
      this.view.getBigUint64(addr, true) |
      (this.view.getBigUint64(addr + 8, true) << 64n) |
      (this.view.getBigUint64(addr + 16, true) << 128n) |
      (this.view.getBigUint64(addr + 24, true) << 192n);
    return (v * R_INV) % P;
  }

  writeFp12(addr: number, f: Fp12): void {
    for (let i = 0; i < 12; i++) this.writeFp(addr + FP * i, f[i] as bigint);
  }

  readFp12(addr: number): Fp12 {
    const out: bigint[] = [];
    for (let i = 0; i < 12; i++) out.push(this.readFp(addr + FP * i));
    return out as unknown as Fp12;
  }

  private writeG2(addr: number, q: G2Affine): void {
    this.writeFp(addr, q.x[0]);
    this.writeFp(addr + FP, q.x[1]);
    this.writeFp(addr + FP2, q.y[0]);
    this.writeFp(addr + FP2 + FP, q.y[1]);
  }

  private setOne(addr: number): void {
    this.u8.fill(0, addr, addr + FP12);
    this.u8.copyWithin(addr, ADDR.ONE, ADDR.ONE + FP);
  }

  /** Normalized prepared lines (bigint) in the module's representation, to cache per G2 point. */
  convertLines(lines: readonly PreparedLine[]): WasmLines {
    if (lines.length > MAX_LINES) throw new Error("wasm pairing: too many lines");
    const base = LINES[0];
    lines.forEach((l, i) => {
      for (let j = 0; j < 4; j++) this.writeFp(base + i * LINE_BYTES + j * FP, l[j] as bigint);
    });
    return { count: lines.length, bytes: this.u8.slice(base, base + lines.length * LINE_BYTES) };
  }

  // ---- Miller loops (result in F) ----

  private millerLoopInto(p: G1Affine, q: G2Affine): void {
    const x = this.x;
    this.writeFp(PXY[0], p.x);
    this.writeFp(PXY[0] + FP, p.y);
    this.writeG2(QXY, q);
    this.writeG2(QNEG, g2AffineNeg(q));
    this.writeG2(TPT, q);
    this.u8.fill(0, TPT + 2 * FP2, TPT + 3 * FP2);
    this.u8.copyWithin(TPT + 2 * FP2, ADDR.ONE, ADDR.ONE + FP);
    this.setOne(F);
    let first = true;
    for (const d of LOOP_DIGITS) {
      if (!first) x.fp12_sqr(F, F);
      first = false;
      x.dbl_step(TPT, LINE, PXY[0]);
      x.fp12_mul_line(F, F, LINE);
      if (d !== 0) {
        x.add_step(TPT, LINE, d === 1 ? QXY : QNEG, PXY[0]);
        x.fp12_mul_line(F, F, LINE);
      }
    }
    const q1 = g2PsiAffine(q);
    this.writeG2(Q1, q1);
    this.writeG2(Q2, g2AffineNeg(g2PsiAffine(q1)));
    x.add_step(TPT, LINE, Q1, PXY[0]);
    x.fp12_mul_line(F, F, LINE);
    x.add_step(TPT, LINE, Q2, PXY[0]);
    x.fp12_mul_line(F, F, LINE);
  }

  private millerLoopLinesInto(ps: readonly (G1Affine | null)[], lines: readonly WasmLines[]): void {
    const x = this.x;
    const active: number[] = [];
    ps.forEach((pt, j) => {
      if (pt === null) return;
      const l = lines[j] as WasmLines;
      this.u8.set(l.bytes, LINES[active.length] as number);
      this.writeFp(PXY[active.length] as number, pt.x);
      this.writeFp((PXY[active.length] as number) + FP, pt.y);
      active.push(j);
    });
    if (active.length > 2) throw new Error("wasm pairing: at most two Miller loops at once");
    this.setOne(F);
    let i = 0;
    const step = (): void => {
      for (let k = 0; k < active.length; k++) {
        x.eval_prepared(LINE, (LINES[k] as number) + i * LINE_BYTES, PXY[k] as number);
        x.fp12_mul_line(F, F, LINE);
      }
      i++;
    };
    let first = true;
    for (const d of LOOP_DIGITS) {
      if (!first) x.fp12_sqr(F, F);
      first = false;
      step();
      if (d !== 0) step();
    }
    step();
    step();
  }

  // ---- Final exponentiation of F (result in F) ----

  private expT(dst: number, src: number, conjSlot: number): void {
    const x = this.x;
    x.fp12_conj(conjSlot, src);
    x.fp12_copy(dst, src);
    for (const d of T_DIGITS) {
      x.fp12_cyc_sqr(dst, dst);
      if (d === 1) x.fp12_mul(dst, dst, src);
      else if (d === -1) x.fp12_mul(dst, dst, conjSlot);
    }
  }

  private finalExpInPlace(): void {
    const x = this.x;
    const [t0, t1, ft, ft2, ft3, y0, y1, y2, y3, y4, y5, y6, c, tmp] = S as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    // Easy part: f^(p^6 - 1) = conj(f) / f, then ^(p^2 + 1).
    this.writeFp12(t1, fp12Inv(this.readFp12(F)));
    x.fp12_conj(t0, F);
    x.fp12_mul(F, t0, t1);
    x.fp12_frob2(t0, F);
    x.fp12_mul(F, t0, F);
    // Hard part.
    this.expT(ft, F, c);
    this.expT(ft2, ft, c);
    this.expT(ft3, ft2, c);
    x.fp12_frob1(y0, F);
    x.fp12_frob2(tmp, F);
    x.fp12_mul(y0, y0, tmp);
    x.fp12_frob3(tmp, F);
    x.fp12_mul(y0, y0, tmp);
    x.fp12_conj(y1, F);
    x.fp12_frob2(y2, ft2);
    x.fp12_frob1(y3, ft);
    x.fp12_conj(y3, y3);
    x.fp12_frob1(y4, ft2);
    x.fp12_mul(y4, ft, y4);
    x.fp12_conj(y4, y4);
    x.fp12_conj(y5, ft2);
    x.fp12_frob1(y6, ft3);
    x.fp12_mul(y6, ft3, y6);
    x.fp12_conj(y6, y6);
    // T0 = y6^2 y4 y5; T1 = y3 y5 T0; T0 = T0 y2; T1 = (T1^2 T0)^2; T0 = T1 y1; T1 = T1 y0; f = T0^2 T1
    x.fp12_cyc_sqr(t0, y6);
    x.fp12_mul(t0, t0, y4);
    x.fp12_mul(t0, t0, y5);
    x.fp12_mul(t1, y3, y5);
    x.fp12_mul(t1, t1, t0);
    x.fp12_mul(t0, t0, y2);
    x.fp12_cyc_sqr(t1, t1);
    x.fp12_mul(t1, t1, t0);
    x.fp12_cyc_sqr(t1, t1);
    x.fp12_mul(t0, t1, y1);
    x.fp12_mul(t1, t1, y0);
    x.fp12_cyc_sqr(t0, t0);
    x.fp12_mul(F, t0, t1);
  }

  // ---- Public entry points (bigint in, bigint out) ----

  pairing(p: G1Affine, q: G2Affine): Fp12 {
    this.millerLoopInto(p, q);
    this.finalExpInPlace();
    return this.readFp12(F);
  }

  millerLoop(p: G1Affine, q: G2Affine): Fp12 {
    this.millerLoopInto(p, q);
    return this.readFp12(F);
  }

  /** prod_j e(p_j, Q_j) for at most two pairs, from each Q_j's converted lines (null points skipped). */
  pairingLinesMulti(ps: readonly (G1Affine | null)[], lines: readonly WasmLines[]): Fp12 {
    this.millerLoopLinesInto(ps, lines);
    this.finalExpInPlace();
    return this.readFp12(F);
  }

  finalExp(f: Fp12): Fp12 {
    this.writeFp12(F, f);
    this.finalExpInPlace();
    return this.readFp12(F);
  }

  /** Exposed for the tests: one kernel on bigint operands. */
  kernel(name: "fp12_mul" | "fp12_sqr" | "fp12_cyc_sqr", a: Fp12, b?: Fp12): Fp12 {
    const [sa, sb, sd] = [S[13] as number, S[14] as number, S[15] as number];
    this.writeFp12(sa, a);
    if (b !== undefined) this.writeFp12(sb, b);
    if (name === "fp12_mul") this.x.fp12_mul(sd, sa, sb);
    else this.x[name](sd, sa);
    return this.readFp12(sd);
  }
}
