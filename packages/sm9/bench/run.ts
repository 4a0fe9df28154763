/**
 * SM9 benchmarks: every figure of the fast code (the public API) beside the naive reference implementation
 * (the first correct version), in the same process. One JSON line per figure (bench "sm9"):
 *   { name, value: fast ms (median), unit: "ms", opsPerSec, naiveMs, speedup, target?, load }
 * Run: pnpm --filter @tandem/sm9 bench  (or node --conditions=@tandem/source --import tsx bench/run.ts)
 * Options (argv): --quick (fewer windows), --only=<substring>.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { emitJson, opsPerSecond, timeMs } from "@tandem/test-utils/bench";
import { createFastBackend, fastBackend } from "../src/fast/backend.js";
import { finalExp } from "../src/fast/final-exp.js";
import { g1Mul, g1MulGen } from "../src/fast/g1.js";
import { g2IsInSubgroup } from "../src/fast/g2.js";
import { gtBuildComb, gtCombPow, gtPow } from "../src/fast/gt.js";
import { millerLoop, millerLoopLines, pairing, pairingLines, prepareLines } from "../src/fast/pairing.js";
import { WasmPairing } from "../src/fast/wasm/pairing-wasm.js";
import * as sm9 from "../src/index.js";
import { naiveBackend } from "../src/naive/backend.js";
import { G1_GEN as NAIVE_G1, g1Mul as naiveG1Mul, g2Mul as naiveG2Mul } from "../src/naive/curve.js";
import {
  finalExp as naiveFinalExp,
  millerLoop as naiveMillerLoop,
  pairing as naivePairing,
} from "../src/naive/pairing.js";
import { N } from "../src/params.js";
import { createSm9 } from "../src/scheme.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice(7);
const rate = quick
  ? { windowMs: 200, windows: 3, warmupMs: 100 }
  : { windowMs: 400, windows: 5, warmupMs: 200 };
const naiveRuns = quick ? 3 : 5;

/** Cumulative [all, idle, steal] CPU jiffies from /proc/stat (undefined where unavailable). */
function cpuTimes(): [number, number, number] | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    return [v.slice(0, 8).reduce((a, b) => a + b, 0), (v[3] ?? 0) + (v[4] ?? 0), v[7] ?? 0];
  } catch {
    return undefined;
  }
}

let lastSteal: number | undefined;

/**
 * Runs `fn` and returns what it returns plus the CPU other processes used meanwhile, in cores: all busy CPU
 * from /proc/stat minus this process's own (process.cpuUsage). undefined where /proc is unavailable.
 */
function withBackground<T>(fn: () => T): [T, number | undefined] {
  const a = cpuTimes();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wallMs = performance.now() - t0;
  const own = process.cpuUsage(own0);
  const b = cpuTimes();
  if (a === undefined || b === undefined || b[0] === a[0] || wallMs <= 0) return [result, undefined];
  const busyCores = (1 - (b[1] - a[1]) / (b[0] - a[0])) * cpus().length;
  // Time the hypervisor gave to other guests (the vCPUs are shared with other machines too).
  lastSteal = ((b[2] - a[2]) / (b[0] - a[0])) * cpus().length;
  const ownCores = (own.user + own.system) / 1000 / wallMs;
  return [result, Math.max(0, busyCores - ownCores)];
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits (up to `maxMs`) until other processes use less than 0.3 cores. */
function waitForQuiet(maxMs = 15_000): void {
  const start = Date.now();
  for (;;) {
    const [, bg] = withBackground(() => sleepMs(500));
    if (bg === undefined || bg < 0.3 || Date.now() - start > maxMs) return;
  }
}

/**
 * One figure: the fast code's median rate (the harness's windows), the naive code's median time, and the
 * background CPU during the fast measurement. The machine is shared, so a figure taken while other
 * processes used 0.3 cores or more is retaken (up to 3 tries) and the quietest try is kept.
 */
function figure(
  name: string,
  fast: () => unknown,
  naive: (() => unknown) | undefined,
  extra: Record<string, unknown> = {},
): void {
  if (only !== undefined && !name.includes(only)) return;
  let best: { ops: number; bg: number | undefined; steal: number | undefined } | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    waitForQuiet();
    const [ops, bg] = withBackground(() => opsPerSecond(fast, rate));
    if (best === undefined || (bg ?? 0) < (best.bg ?? 0)) best = { ops, bg, steal: lastSteal };
    if (bg === undefined || bg < 0.3) break;
  }
  const { ops, bg, steal } = best as { ops: number; bg: number | undefined; steal: number | undefined };
  const ms = 1000 / ops;
  const naiveMs = naive === undefined ? undefined : timeMs(naive, naiveRuns, 1);
  emitJson({
    bench: "sm9",
    name,
    value: Number(ms.toFixed(3)),
    unit: "ms",
    opsPerSec: Math.round(ops),
    ...(naiveMs === undefined
      ? {}
      : { naiveMs: Number(naiveMs.toFixed(2)), speedup: Number((naiveMs / ms).toFixed(1)) }),
    ...extra,
    bg: bg === undefined ? null : Number(bg.toFixed(2)),
    steal: steal === undefined ? null : Number(steal.toFixed(2)),
    load1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  });
}

const naive = createSm9(naiveBackend);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// Keys and inputs (random master keys; identities as in the standard's examples).
const signMk = sm9.signMasterKey();
const encMk = sm9.encryptMasterKey();
const idA = utf8("Alice");
const idB = utf8("Bob");
const dsA = sm9.signUserKey(signMk.secret, idA);
const deB = sm9.encryptUserKey(encMk.secret, idB);
const deA2 = sm9.exchangeUserKey(encMk.secret, idA);
const deB2 = sm9.exchangeUserKey(encMk.secret, idB);
const msg = new Uint8Array(100).map((_, i) => i);
const sig = sm9.sign(msg, dsA, signMk.publicKey);
const ct = sm9.encrypt(msg, idB, encMk.publicKey);
const ctSm4 = sm9.encrypt(msg, idB, encMk.publicKey, { mode: "sm4-ecb" });
const kem = sm9.encapsulate(idB, encMk.publicKey, 32);

// Decoded points for the primitive figures.
function nonNull<T>(x: T | null): T {
  if (x === null) throw new Error("unexpected point at infinity");
  return x;
}
const p = nonNull(fastBackend.g1Decode(dsA));
const q = nonNull(fastBackend.g2Decode(deB));
const np = naiveBackend.g1Decode(dsA);
const nq = naiveBackend.g2Decode(deB);
const f = millerLoop(p, q);
const nf = naiveMillerLoop(np, nq);
const lines = prepareLines(q);
const k = 0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5an % N;
const g = pairing(p, q);
const ng = naivePairing(np, nq);
const gComb = gtBuildComb(g);

// ---- The pairing and its parts ----
// "wasm": the WebAssembly field kernels (the public API's engine); "bigint": the lazy-reduction bigint code
// (the fallback where WebAssembly cannot be compiled synchronously); "naive": the first correct version.
const engine = WasmPairing.create();
if (engine === undefined) throw new Error("bench: WebAssembly is unavailable");
const wLines = engine.convertLines(lines);
figure(
  "pairing",
  () => engine.pairing(p, q),
  () => naivePairing(np, nq),
  {
    target: 5,
    note: "decoded points, wasm engine",
  },
);
figure(
  "pairing (bigint engine)",
  () => pairing(p, q),
  () => naivePairing(np, nq),
  { target: 5 },
);
figure(
  "pairing (API: bytes in, bytes out)",
  () => sm9.pairing(dsA, deB),
  () => naive.pairing(dsA, deB),
  {
    target: 5,
    note: "includes decoding and encoding; Q seen before, so its subgroup check is cached",
  },
);
figure(
  "pairing (API, new Q: with the G2 subgroup check)",
  () => {
    sm9.clearSm9Caches();
    sm9.pairing(dsA, deB);
  },
  () => naive.pairing(dsA, deB),
  { target: 5 },
);
figure(
  "pairing (precomputed lines for Q)",
  () => engine.pairingLinesMulti([p], [wLines]),
  () => naivePairing(np, nq),
);
figure(
  "pairing (precomputed lines, bigint engine)",
  () => pairingLines(p, lines),
  () => naivePairing(np, nq),
);
figure(
  "miller loop",
  () => engine.millerLoop(p, q),
  () => naiveMillerLoop(np, nq),
);
figure(
  "miller loop (bigint engine)",
  () => millerLoop(p, q),
  () => naiveMillerLoop(np, nq),
);
figure(
  "miller loop (precomputed lines, bigint engine)",
  () => millerLoopLines(p, lines),
  () => naiveMillerLoop(np, nq),
);
figure(
  "final exponentiation",
  () => engine.finalExp(f),
  () => naiveFinalExp(nf),
);
figure(
  "final exponentiation (bigint engine)",
  () => finalExp(f),
  () => naiveFinalExp(nf),
);
figure("line precomputation for a G2 point", () => prepareLines(q), undefined);

// ---- Group operations ----
figure(
  "G1 mul, variable base (GLV)",
  () => g1Mul(p, k),
  () => naiveG1Mul(np, k),
);
figure(
  "G1 mul, P1 (comb)",
  () => g1MulGen(k),
  () => naiveG1Mul(NAIVE_G1, k),
);
figure(
  "G2 mul, P2 (comb)",
  () => fastBackend.g2MulGen(k),
  () => naiveBackend.g2MulGen(k),
);
figure(
  "G2 subgroup check",
  () => g2IsInSubgroup(q),
  () => naiveG2Mul(nq, N),
  {
    note: "fast: psi-based test with [t]Q; naive: [N]Q = O",
  },
);
figure(
  "GT pow, variable base",
  () => gtPow(g, k),
  () => ng.pow(k),
);
figure(
  "GT pow, fixed base (comb)",
  () => gtCombPow(gComb, k),
  () => ng.pow(k),
);
figure("GT comb construction", () => gtBuildComb(g), undefined);

// ---- The schemes (warm caches: master keys and user keys seen before) ----
figure(
  "sign",
  () => sm9.sign(msg, dsA, signMk.publicKey),
  () => naive.sign(msg, dsA, signMk.publicKey),
  {
    target: 2,
  },
);
figure(
  "verify",
  () => sm9.verify(msg, sig, idA, signMk.publicKey),
  () => naive.verify(msg, sig, idA, signMk.publicKey),
  { target: 6, note: "signer seen before: QA = [h1]P2 + Ppub's lines cached" },
);
// Distinct signers cycled through, more than the 256 the verifier's signer cache holds, so every
// verification takes the new-signer path (the master key stays cached).
const SIGNERS = 600;
const signers = Array.from({ length: SIGNERS }, (_, i) => utf8(`signer-${i}`));
const signerSigs = signers.map((id) => sm9.sign(msg, sm9.signUserKey(signMk.secret, id), signMk.publicKey));
let nextSigner = 0;
figure(
  "verify (new signer every time)",
  () => {
    const i = nextSigner++ % SIGNERS;
    sm9.verify(msg, signerSigs[i] as sm9.Signature, signers[i] as Uint8Array, signMk.publicKey);
  },
  undefined,
  {
    target: 6,
    note: "e([h1]S, P2) e(S + [h]P1, Ppub): two Miller loops on precomputed lines, one final exp",
  },
);
const big = createSm9(createFastBackend({ wasm: false }));
figure(
  "verify (bigint engine)",
  () => big.verify(msg, sig, idA, signMk.publicKey),
  () => naive.verify(msg, sig, idA, signMk.publicKey),
  { target: 6 },
);
figure(
  "encrypt (xor, 100 B)",
  () => sm9.encrypt(msg, idB, encMk.publicKey),
  () => naive.encrypt(msg, idB, encMk.publicKey),
  {
    target: 5,
  },
);
figure(
  "decrypt (xor, 100 B)",
  () => sm9.decrypt(ct, idB, deB),
  () => naive.decrypt(ct, idB, deB),
  { target: 6 },
);
figure(
  "decrypt (xor, 100 B, bigint engine)",
  () => big.decrypt(ct, idB, deB),
  () => naive.decrypt(ct, idB, deB),
  {
    target: 6,
  },
);
figure(
  "encrypt (sm4-ecb, 100 B)",
  () => sm9.encrypt(msg, idB, encMk.publicKey, { mode: "sm4-ecb" }),
  () => naive.encrypt(msg, idB, encMk.publicKey, { mode: "sm4-ecb" }),
);
figure(
  "decrypt (sm4-ecb, 100 B)",
  () => sm9.decrypt(ctSm4, idB, deB, { mode: "sm4-ecb" }),
  () => naive.decrypt(ctSm4, idB, deB, { mode: "sm4-ecb" }),
);
figure(
  "encapsulate (32 B)",
  () => sm9.encapsulate(idB, encMk.publicKey, 32),
  () => naive.encapsulate(idB, encMk.publicKey, 32),
);
figure(
  "decapsulate (32 B)",
  () => sm9.decapsulate(kem.C, idB, deB, 32),
  () => naive.decapsulate(kem.C, idB, deB, 32),
);

function exchange(impl: typeof sm9 | ReturnType<typeof createSm9>): void {
  const init = impl.exchangeInitiate(idB, encMk.publicKey);
  const resp = impl.exchangeRespond({
    selfId: idB,
    selfKey: deB2,
    peerId: idA,
    peerR: init.R,
    masterPublicKey: encMk.publicKey,
    klen: 16,
    confirm: true,
  });
  const done = impl.exchangeComplete({
    selfId: idA,
    selfKey: deA2,
    peerId: idB,
    selfR: init.R,
    r: init.r,
    peerR: resp.R,
    masterPublicKey: encMk.publicKey,
    klen: 16,
    S2: resp.S2 as Uint8Array,
  });
  if (!resp.checkConfirmation(done.S1)) throw new Error("key exchange failed");
}
figure(
  "key exchange (both sides, with confirmation)",
  () => exchange(sm9),
  () => exchange(naive),
);

// ---- Cold caches: a master key or user key seen for the first time ----
figure(
  "sign (new master key: pairing for g, no comb yet)",
  () => {
    sm9.clearSm9Caches();
    sm9.sign(msg, dsA, signMk.publicKey);
  },
  undefined,
);
figure(
  "verify (new master key)",
  () => {
    sm9.clearSm9Caches();
    sm9.verify(msg, sig, idA, signMk.publicKey);
  },
  undefined,
);
figure(
  "decrypt (new user key: subgroup check and line precomputation)",
  () => {
    sm9.clearSm9Caches();
    sm9.decrypt(ct, idB, deB);
  },
  undefined,
);
