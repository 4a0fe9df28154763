/**
 * The fast backend behind the public API:
 *  - pairings on WebAssembly field kernels generated at load time by wasm/field-module.ts (Montgomery Fp,
 *    CIOS products), falling back to the lazy-reduction bigint code (fp12.ts, pairing.ts, final-exp.ts)
 *    where WebAssembly cannot be compiled synchronously; both compute the same values (tested);
 *  - GLV and combs for scalar multiplications, combs and a Frobenius split for GT powers (bigints);
 *  - bounded LRU caches keyed by key bytes:
 *    - validated G2 points (the subgroup check is the expensive part of decoding),
 *    - per master public key: g = e(P1, Ppub-s) or e(Ppub-e, P2) (computed on first need), a comb for g^r
 *      from its second power on, and for signature master keys the Miller-loop lines of Ppub-s,
 *    - per user G2 key (deB, deA): the Miller-loop lines, so decryption and decapsulation skip the G2 work,
 *    - per long-lived G1 point (dsA, Ppub-e): a comb from its second use on,
 *    - per signer a verifier has seen twice: the lines of QA = [H1(ID||hid)]P2 + Ppub-s.
 * The caches hold data derived from keys (for user keys, secret data, like the key itself); `clearCaches`
 * empties them. Every cached path is tested to give the same bytes as the uncached one.
 */
import type { GtPowBase, Sm9Backend } from "../backend.js";
import { readFp, writeFp } from "../encoding.js";
import { Sm9Error, Sm9ErrorCode } from "../errors.js";
import { h1 } from "../hash.js";
import { G1_BYTES, G2_BYTES, GT_BYTES } from "../params.js";
import type { Comb } from "./comb.js";
import { buildComb, combMul } from "./comb.js";
import { finalExp } from "./final-exp.js";
import { FP12_ONE, type Fp12, fp12Mul } from "./fp12.js";
import {
  G1_GEN,
  type G1Affine,
  type G1Jac,
  g1AddAffine,
  g1BatchToAffine,
  g1BuildComb,
  g1CombMul,
  g1FromAffine,
  g1IsOnCurve,
  g1Mul,
  g1MulGen,
  g1ToAffine,
} from "./g1.js";
import {
  G2_GEN,
  G2_INFINITY,
  type G2Affine,
  type G2Jac,
  g2Add,
  g2AddAffine,
  g2BatchToAffine,
  g2Double,
  g2FromAffine,
  g2IsInSubgroup,
  g2IsOnCurve,
  g2ToAffine,
} from "./g2.js";
import { type GtComb, gtBuildComb, gtCombPow, gtPow } from "./gt.js";
import { BytesLru } from "./lru.js";
import { millerLoopLinesMulti, type PreparedLine, pairing, prepareLines } from "./pairing.js";
import { type WasmLines, WasmPairing } from "./wasm/pairing-wasm.js";

type G1 = G1Affine | null;
type G2 = G2Affine | null;

function badPoint(msg: string): Sm9Error {
  return new Sm9Error(Sm9ErrorCode.BAD_POINT, msg);
}

export function g1DecodeFast(bytes: Uint8Array): G1Affine {
  if (bytes.length !== G1_BYTES || bytes[0] !== 0x04) throw badPoint("G1 point: expected 04||x||y");
  const p = { x: readFp(bytes, 1), y: readFp(bytes, 33) };
  if (!g1IsOnCurve(p)) throw badPoint("G1 point is not on the curve");
  return p;
}

export function g1EncodeFast(p: G1): Uint8Array {
  if (p === null) throw badPoint("cannot encode the point at infinity");
  const out = new Uint8Array(G1_BYTES);
  out[0] = 0x04;
  writeFp(out, 1, p.x);
  writeFp(out, 33, p.y);
  return out;
}

/** Decoding without the subgroup check (on the curve only). */
function g2DecodeUnchecked(bytes: Uint8Array): G2Affine {
  if (bytes.length !== G2_BYTES || bytes[0] !== 0x04) throw badPoint("G2 point: expected 04||x1||x0||y1||y0");
  const q: G2Affine = { x: [readFp(bytes, 33), readFp(bytes, 1)], y: [readFp(bytes, 97), readFp(bytes, 65)] };
  if (!g2IsOnCurve(q)) throw badPoint("G2 point is not on the twist curve");
  return q;
}

const g2Validated = new BytesLru<G2Affine>(256);

export function g2DecodeFast(bytes: Uint8Array): G2Affine {
  const key = BytesLru.keyOf(bytes);
  const hit = g2Validated.get(key);
  if (hit !== undefined) return hit;
  const q = g2DecodeUnchecked(bytes);
  if (!g2IsInSubgroup(q)) throw badPoint("G2 point is not in the order-N subgroup");
  g2Validated.set(key, q);
  return q;
}

export function g2EncodeFast(q: G2): Uint8Array {
  if (q === null) throw badPoint("cannot encode the point at infinity");
  const out = new Uint8Array(G2_BYTES);
  out[0] = 0x04;
  writeFp(out, 1, q.x[1]);
  writeFp(out, 33, q.x[0]);
  writeFp(out, 65, q.y[1]);
  writeFp(out, 97, q.y[0]);
  return out;
}

/** GT bytes: the standard's order (w^5, w^2, w^4, w^1, w^3, w^0; u-coefficient first) is the layout reversed. */
export function gtEncodeFast(f: Fp12): Uint8Array {
  let hex = "";
  for (let i = 11; i >= 0; i--) hex += (f[i] as bigint).toString(16).padStart(64, "0");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function gtDecodeFast(bytes: Uint8Array): Fp12 {
  if (bytes.length !== GT_BYTES) throw new RangeError(`GT element: expected ${GT_BYTES} bytes`);
  // Layout index j is chunk 11 - j.
  return [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => readFp(bytes, 32 * i)) as unknown as Fp12;
}

// ---- G2 comb for P2 ----

const G2_COMB_GROUP = {
  zero: G2_INFINITY,
  double: g2Double,
  add: g2Add,
  addAffine: g2AddAffine,
  normalize: g2BatchToAffine,
};
let p2Comb: Comb<G2Jac, G2Affine> | undefined;

export function g2MulGenFast(k: bigint): G2 {
  p2Comb ??= buildComb(G2_COMB_GROUP, g2FromAffine(G2_GEN));
  return g2ToAffine(combMul(p2Comb, k));
}

// ---- Pairing engines ----

/**
 * The pairings the backend computes: on the WebAssembly kernels when available, else on bigints. Lines of a
 * fixed G2 point are kept in both representations.
 */
interface Lines {
  readonly big: PreparedLine[];
  wasm?: WasmLines;
}

interface PairingEngine {
  pairing(p: G1Affine, q: G2Affine): Fp12;
  /** prod_j e(p_j, Q_j) (at most two) from precomputed lines; null points contribute 1. */
  pairingLines(ps: readonly (G1Affine | null)[], lines: readonly Lines[]): Fp12;
}

const bigintEngine: PairingEngine = {
  pairing,
  pairingLines: (ps, lines) =>
    finalExp(
      millerLoopLinesMulti(
        ps,
        lines.map((l) => l.big),
      ),
    ),
};

let wasmPairing: WasmPairing | undefined | null = null;

function wasmEngine(): PairingEngine | undefined {
  if (wasmPairing === null) wasmPairing = WasmPairing.create();
  const w = wasmPairing;
  if (w === undefined) return undefined;
  return {
    pairing: (p, q) => w.pairing(p, q),
    pairingLines(ps, lines) {
      const converted = lines.map((l) => {
        l.wasm ??= w.convertLines(l.big);
        return l.wasm;
      });
      return w.pairingLinesMulti(ps, converted);
    },
  };
}

function linesOf(q: G2Affine): Lines {
  return { big: prepareLines(q) };
}

let p2LinesCache: Lines | undefined;

function linesOfP2(): Lines {
  p2LinesCache ??= linesOf(G2_GEN);
  return p2LinesCache;
}

function ensureNotInfinity<T>(p: T | null, msg: string): T {
  if (p === null) throw badPoint(msg);
  return p;
}

function g2AddPoints(a: G2, b: G2): G2 {
  return a === null ? b : b === null ? a : g2ToAffine(g2AddAffine(g2FromAffine(a), b));
}

/** Affine forms of two G1 points (null for infinity) with one inversion. */
function g1ToAffinePair(a: G1Jac, b: G1Jac): [G1, G1] {
  if (a.z === 0n || b.z === 0n) return [g1ToAffine(a), g1ToAffine(b)];
  const [x, y] = g1BatchToAffine([a, b]) as [G1Affine, G1Affine];
  return [x, y];
}

// ---- Per-key caches ----

/** A GT base g = e(., .) of a master key: computed on first need, with a comb from its second power on. */
interface BaseEntry {
  readonly compute: () => Fp12;
  value?: Fp12;
  uses: number;
  comb?: GtComb;
  /** Signature master keys: the Miller-loop lines of Ppub-s (for g and for verification). */
  lines?: Lines;
}

function baseValue(entry: BaseEntry): Fp12 {
  entry.value ??= entry.compute();
  return entry.value;
}

function powBase(entry: BaseEntry): GtPowBase<Fp12> {
  return {
    get value(): Fp12 {
      return baseValue(entry);
    },
    pow(k: bigint): Fp12 {
      entry.uses++;
      if (entry.comb === undefined && entry.uses >= 2) entry.comb = gtBuildComb(baseValue(entry));
      return entry.comb === undefined ? gtPow(baseValue(entry), k) : gtCombPow(entry.comb, k);
    },
  };
}

export interface FastBackendOptions {
  /** Pairings on the WebAssembly field kernels when they compile (default true); else on bigints. */
  wasm?: boolean;
}

export interface FastBackend extends Sm9Backend<G1, G2, Fp12> {
  /** Empties every cache of this backend (master-key bases, lines, signers, combs). */
  clearCaches(): void;
  /** "wasm" or "bigint": where this backend's pairings run. */
  readonly engine: "wasm" | "bigint";
}

/** A fast backend with its own caches (the public API uses one with the default options). */
export function createFastBackend(opts: FastBackendOptions = {}): FastBackend {
  // Resolved on first use, so importing the package compiles nothing.
  let resolved: PairingEngine | undefined;
  const engineOf = (): PairingEngine => {
    resolved ??= ((opts.wasm ?? true) ? wasmEngine() : undefined) ?? bigintEngine;
    return resolved;
  };
  const engine: PairingEngine = {
    pairing: (p, q) => engineOf().pairing(p, q),
    pairingLines: (ps, lines) => engineOf().pairingLines(ps, lines),
  };
  /** Signature master keys: g = e(P1, Ppub-s), Ppub-s's lines. */
  const signBases = new BytesLru<BaseEntry>(16);
  /** Encryption master keys: g = e(Ppub-e, P2). */
  const encBases = new BytesLru<BaseEntry>(16);
  /** Users' G2 private keys (deB, deA): their Miller-loop lines. */
  const keyLines = new BytesLru<Lines>(64);
  /** Signers a verifier has seen, per (master key, hid, ID); from the second, the lines of QA = [h1]P2 + Ppub. */
  const signers = new BytesLru<{ seen: number; lines?: Lines }>(256);
  /** Long-lived G1 points (signing keys, encryption master keys): a comb from the second use on. */
  const g1Keys = new BytesLru<{ uses: number; comb?: Comb<G1Jac, G1Affine> }>(32);

  function linesOfSignEntry(entry: BaseEntry, q: G2Affine): Lines {
    entry.lines ??= linesOf(q);
    return entry.lines;
  }

  function signEntry(mpk: G2, mpkBytes: Uint8Array): BaseEntry {
    const key = BytesLru.keyOf(mpkBytes);
    let entry = signBases.get(key);
    if (entry === undefined) {
      const q = ensureNotInfinity(mpk, "master public key is infinity");
      const e: BaseEntry = {
        uses: 0,
        // With Ppub-s's lines at hand, g = e(P1, Ppub-s) is a Miller loop without G2 arithmetic.
        compute: () => engine.pairingLines([G1_GEN], [linesOfSignEntry(e, q)]),
      };
      entry = e;
      signBases.set(key, entry);
    }
    return entry;
  }

  return {
    name: "fast",
    get engine(): "wasm" | "bigint" {
      return engineOf() === bigintEngine ? "bigint" : "wasm";
    },
    clearCaches() {
      g2Validated.clear();
      signBases.clear();
      encBases.clear();
      keyLines.clear();
      signers.clear();
      g1Keys.clear();
    },
    g1Decode: g1DecodeFast,
    g1Encode: g1EncodeFast,
    g1IsZero: (p) => p === null,
    g1Add: (a, b) => (a === null ? b : b === null ? a : g1ToAffine(g1AddAffine(g1FromAffine(a), b))),
    g1MulGen: (k) => g1ToAffine(g1MulGen(k)),
    g1Mul: (p, k) => (p === null ? null : g1ToAffine(g1Mul(p, k))),
    g1MulKey(p, k, keyBytes) {
      if (p === null) return null;
      const key = BytesLru.keyOf(keyBytes);
      let entry = g1Keys.get(key);
      if (entry === undefined) {
        entry = { uses: 0 };
        g1Keys.set(key, entry);
      }
      entry.uses++;
      if (entry.comb === undefined && entry.uses >= 2) entry.comb = g1BuildComb(p);
      return g1ToAffine(entry.comb === undefined ? g1Mul(p, k) : g1CombMul(entry.comb, k));
    },
    g2Decode: g2DecodeFast,
    g2Encode: g2EncodeFast,
    g2IsZero: (q) => q === null,
    g2Add: g2AddPoints,
    g2MulGen: g2MulGenFast,
    pairing: (p, q) => (p === null || q === null ? FP12_ONE : engine.pairing(p, q)),
    pairingWithKey(p, q, qBytes) {
      if (p === null || q === null) return FP12_ONE;
      const key = BytesLru.keyOf(qBytes);
      let lines = keyLines.get(key);
      if (lines === undefined) {
        lines = linesOf(q);
        keyLines.set(key, lines);
      }
      return engine.pairingLines([p], [lines]);
    },
    gtMul: fp12Mul,
    gtPow,
    gtEncode: gtEncodeFast,
    gtDecode: gtDecodeFast,
    signBase(mpk, mpkBytes) {
      return powBase(signEntry(mpk, mpkBytes));
    },
    signVerifyValue(s, h, id, hid, mpk, mpkBytes) {
      if (s === null) throw badPoint("S is the point at infinity");
      const q = ensureNotInfinity(mpk, "master public key is infinity");
      const entry = signEntry(q, mpkBytes);
      const key = `${BytesLru.keyOf(mpkBytes)}|${hid}|${BytesLru.keyOf(id)}`;
      let signer = signers.get(key);
      if (signer?.lines !== undefined) {
        // A signer seen before: u = e(S, QA) from QA's lines, t = g^h (a comb from the second power on).
        return fp12Mul(engine.pairingLines([s], [signer.lines]), powBase(entry).pow(h));
      }
      // w' = e(S, [h1]P2 + Ppub) * e(P1, Ppub)^h = e([h1]S, P2) * e(S + [h]P1, Ppub): two Miller loops on
      // precomputed lines sharing their squarings, one final exponentiation, no G2 arithmetic and no GT
      // exponentiation.
      const hb = h1(id, hid);
      const [a, b] = g1ToAffinePair(g1Mul(s, hb), g1AddAffine(g1MulGen(h), s));
      const w = engine.pairingLines([a, b], [linesOfP2(), linesOfSignEntry(entry, q)]);
      // From a signer's second signature on, keep the lines of QA = [h1]P2 + Ppub.
      if (signer === undefined) {
        signer = { seen: 0 };
        signers.set(key, signer);
      }
      signer.seen++;
      if (signer.seen >= 2) {
        const qa = g2AddPoints(g2MulGenFast(hb), q);
        if (qa !== null) signer.lines = linesOf(qa);
      }
      return w;
    },
    encBase(mpk, mpkBytes) {
      const key = BytesLru.keyOf(mpkBytes);
      let entry = encBases.get(key);
      if (entry === undefined) {
        const p = ensureNotInfinity(mpk, "master public key is infinity");
        // g = e(Ppub-e, P2) on P2's precomputed lines.
        entry = { uses: 0, compute: () => engine.pairingLines([p], [linesOfP2()]) };
        encBases.set(key, entry);
      }
      return powBase(entry);
    },
  };
}

/** The backend behind the public API. */
export const fastBackend: FastBackend = createFastBackend();

/** Empties the public API's caches. */
export function clearCaches(): void {
  fastBackend.clearCaches();
}
