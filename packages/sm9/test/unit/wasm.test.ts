/** The WebAssembly field kernels and pairing against the bigint code, on random and extreme inputs. */
import { describe, expect, it } from "vitest";
import { createFastBackend, fastBackend } from "../../src/fast/backend.js";
import { finalExp, finalExpEasy } from "../../src/fast/final-exp.js";
import { type Fp12, fp12CyclotomicSqr, fp12Equal, fp12Mul, fp12Sqr } from "../../src/fast/fp12.js";
import { G1_GEN, g1Mul, g1ToAffine } from "../../src/fast/g1.js";
import { G2_GEN } from "../../src/fast/g2.js";
import { millerLoop, millerLoopLinesMulti, pairing, prepareLines } from "../../src/fast/pairing.js";
import { WasmPairing } from "../../src/fast/wasm/pairing-wasm.js";
import { G2_GEN as NG2, g2Mul as naiveG2Mul } from "../../src/naive/curve.js";
import { P } from "../../src/params.js";
import { g2ToFast, randomFp, randomScalar } from "./helpers.js";

const w = WasmPairing.create();
const rand12 = (): Fp12 => Array.from({ length: 12 }, randomFp) as unknown as Fp12;

describe("WebAssembly pairing engine", () => {
  it("compiles here, and the public API uses it", () => {
    expect(w).toBeDefined();
    expect(fastBackend.engine).toBe("wasm");
    expect(createFastBackend({ wasm: false }).engine).toBe("bigint");
  });

  const wp = w as WasmPairing;

  it("Fp12 mul, sqr and cyclotomic sqr equal the bigint ones (random, zero, p-1, 1)", () => {
    const special: Fp12[] = [
      Array(12).fill(P - 1n) as unknown as Fp12,
      Array(12).fill(0n) as unknown as Fp12,
      Array(12).fill(1n) as unknown as Fp12,
      [P - 1n, 0n, 1n, P - 2n, 2n, 0n, P - 1n, 1n, 0n, 0n, 3n, P - 3n],
    ];
    const inputs = [...special, ...Array.from({ length: 20 }, rand12)];
    for (const a of inputs) {
      for (const b of [rand12(), ...special])
        expect(fp12Equal(wp.kernel("fp12_mul", a, b), fp12Mul(a, b))).toBe(true);
      expect(fp12Equal(wp.kernel("fp12_sqr", a), fp12Sqr(a))).toBe(true);
      const c = finalExpEasy(a.every((x) => x === 0n) ? rand12() : a);
      expect(fp12Equal(wp.kernel("fp12_cyc_sqr", c), fp12CyclotomicSqr(c))).toBe(true);
    }
  });

  it("Miller loop (up to the final exponentiation), final exponentiation and pairing equal the bigint ones", () => {
    for (let i = 0; i < 3; i++) {
      const p = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
      const q = g2ToFast(naiveG2Mul(NG2, randomScalar()));
      if (p === null) throw new Error("unexpected infinity");
      expect(fp12Equal(finalExp(wp.millerLoop(p, q)), finalExp(millerLoop(p, q)))).toBe(true);
      const f = rand12();
      expect(fp12Equal(wp.finalExp(f), finalExp(f))).toBe(true);
      expect(fp12Equal(wp.pairing(p, q), pairing(p, q))).toBe(true);
    }
  });

  it("precomputed lines, single and two at once (null points skipped), equal the bigint ones", () => {
    const q = g2ToFast(naiveG2Mul(NG2, randomScalar()));
    const [l1, l2] = [prepareLines(q), prepareLines(G2_GEN)];
    const [c1, c2] = [wp.convertLines(l1), wp.convertLines(l2)];
    const p1 = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
    const p2 = g1ToAffine(g1Mul(G1_GEN, randomScalar()));
    if (p1 === null || p2 === null) throw new Error("unexpected infinity");
    expect(fp12Equal(wp.pairingLinesMulti([p1], [c1]), pairing(p1, q))).toBe(true);
    const both = finalExp(millerLoopLinesMulti([p1, p2], [l1, l2]));
    expect(fp12Equal(wp.pairingLinesMulti([p1, p2], [c1, c2]), both)).toBe(true);
    expect(fp12Equal(wp.pairingLinesMulti([null, p2], [c1, c2]), pairing(p2, G2_GEN))).toBe(true);
  });
});
