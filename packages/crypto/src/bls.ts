/**
 * BLS12-381 signatures for validator votes and commits, on mcl-wasm, byte-compatible with
 * `@noble/curves` (`bls12_381.longSignatures` given the DST explicitly).
 *
 * Scheme: minimal-pubkey-size (public keys in G1, 48 bytes; signatures in G2, 96 bytes), ZCash/IETF
 * compressed encodings, RFC 9380 hash-to-curve `BLS12381G2_XMD:SHA-256_SSWU_RO_`, and the
 * proof-of-possession ciphersuite of draft-irtf-cfrg-bls-signature:
 * - sign / verify / aggregate DST: `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`
 * - PopProve / PopVerify DST:      `BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`
 * Both are passed to mcl explicitly (`mclBnG2_hashAndMapToWithDst`); mcl's built-in DST is never relied on.
 *
 * **mcl-wasm is a process-wide singleton.** `initBls()` initialises it once, lazily (the WebAssembly
 * instance, ZCash serialisation, RFC 9380 map-to mode, subgroup checks on decode) and runs a self-test
 * against RFC 9380 Appendix J.10.1; every `bls.*` function is synchronous and throws a
 * `BlsError` with code `BLS_NOT_INITIALIZED` until `await initBls()` has resolved. Nothing else in
 * the process may call `mcl.init` (it would reset the settings above): `initBls()` refuses to start on
 * an mcl-wasm someone else initialised, and `bls.*` throws `BLS_MCL_REINITIALIZED` if it was
 * re-initialised afterwards.
 *
 * Same-message aggregation (`fastAggregateVerify`) is only safe over public keys whose proof of
 * possession was checked with `popVerify` (rogue-key attack); do that once, when a validator registers.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Fr, G1, G2, GT } from "mcl-wasm";
import mcl from "mcl-wasm";
import {
  assertBytes,
  BytesKeyedLru,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  hexToBytes,
  randomBytes,
  utf8ToBytes,
} from "./bytes.js";

/** DST of signatures (sign, verify, aggregate) in the proof-of-possession ciphersuite. */
export const BLS_SIGN_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/** DST of proofs of possession (PopProve / PopVerify). */
export const BLS_POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

export type BlsErrorCode = "BLS_NOT_INITIALIZED" | "BLS_INIT_FAILED" | "BLS_MCL_REINITIALIZED";

/** Lifecycle errors of the mcl-wasm singleton. Wrong inputs raise TypeError/RangeError instead. */
export class BlsError extends Error {
  readonly code: BlsErrorCode;

  constructor(code: BlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BlsError";
    this.code = code;
  }
}

/**
 * A public key decoded and validated once (KeyValidate), for verifying many messages from the same
 * validator. Only handles returned by `bls.preparePublicKey` are accepted; anything else is a TypeError.
 */
export interface PreparedPublicKey {
  /** The compressed 48-byte key this handle was made from. */
  readonly publicKey: Uint8Array;
}

/** A public key as bytes, or a handle from `bls.preparePublicKey`. */
export type BlsPublicKeyInput = Uint8Array | PreparedPublicKey;

const SECRET_KEY_LENGTH = 32;
const PUBLIC_KEY_LENGTH = 48;
const SIGNATURE_LENGTH = 96;

/** Order r of G1, G2 and GT. */
const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const KEYGEN_SALT = utf8ToBytes("BLS-SIG-KEYGEN-SALT-");
/** L = ceil(3 * ceil(log2(r)) / 16) bytes of HKDF output per KeyGen attempt. */
const KEYGEN_L = 48;

const SIGN_DST = utf8ToBytes(BLS_SIGN_DST);
const POP_DST = utf8ToBytes(BLS_POP_DST);

/** Standard compressed encoding of the G1 generator (getBasePointG1 is unavailable on pairing curves). */
const G1_GENERATOR_HEX =
  "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
/** RFC 9380 Appendix J.10.1: the suite's test DST and P for msg = "" (compressed), checked at init. */
const RFC9380_TEST_DST = utf8ToBytes("QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_");
const RFC9380_EMPTY_MSG_P_HEX =
  "a5cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d" +
  "0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a";
/** On-curve points outside the prime-order subgroups (G1: x = 4; G2: x = 1 + i); decoding must refuse them. */
const G1_NOT_IN_SUBGROUP_HEX = `80${"00".repeat(46)}04`;
const G2_NOT_IN_SUBGROUP_HEX = `80${"00".repeat(46)}01${"00".repeat(47)}01`;

/** The parts of mcl-wasm's Emscripten module that its typed API does not expose. */
interface MclModule {
  _malloc(size: number): number;
  _free(ptr: number): void;
  readonly HEAP8: Int8Array;
  _mclBnG2_hashAndMapToWithDst(
    out: number,
    msg: number,
    msgSize: number,
    dst: number,
    dstSize: number,
  ): number;
  _mclBn_millerLoopVec(out: number, g1s: number, g2s: number, n: number): void;
}

interface BlsState {
  readonly mod: MclModule;
  readonly g1: G1;
  readonly negG1: G1;
  /** Sizes of mcl's in-memory (not serialised) G1, G2 and GT structs. */
  readonly g1Size: number;
  readonly g2Size: number;
  readonly gtSize: number;
}

let state: BlsState | undefined;
let initPromise: Promise<void> | undefined;

function currentMclModule(): MclModule | undefined {
  return (mcl as unknown as { mod?: MclModule }).mod;
}

function structSize(value: G1 | G2 | GT): number {
  return (value as unknown as { a_: Uint32Array }).a_.byteLength;
}

function ready(): BlsState {
  const s = state;
  if (s === undefined) {
    throw new BlsError("BLS_NOT_INITIALIZED", "BLS is not initialised: await initBls() first");
  }
  if (currentMclModule() !== s.mod) {
    throw new BlsError(
      "BLS_MCL_REINITIALIZED",
      "mcl-wasm was re-initialised behind initBls(); BLS is unusable",
    );
  }
  return s;
}

/**
 * Initialises mcl-wasm for BLS12-381 (once per process) and self-tests the configuration.
 * Idempotent: concurrent and later calls share one promise. If it fails, every later call rejects with
 * the same `BLS_INIT_FAILED` error (mcl is never initialised twice).
 */
export async function initBls(): Promise<void> {
  initPromise ??= initialise();
  return initPromise;
}

async function initialise(): Promise<void> {
  if (currentMclModule() !== undefined) {
    throw new BlsError("BLS_INIT_FAILED", "mcl-wasm was already initialised by other code in this process");
  }
  try {
    await mcl.init(mcl.BLS12_381);
  } catch (cause) {
    throw new BlsError("BLS_INIT_FAILED", "mcl-wasm failed to initialise BLS12-381", { cause });
  }
  mcl.setETHserialization(true);
  mcl.setMapToMode(mcl.IRTF);
  mcl.verifyOrderG1(true);
  mcl.verifyOrderG2(true);
  const mod = currentMclModule();
  if (
    mod === undefined ||
    typeof mod._malloc !== "function" ||
    typeof mod._free !== "function" ||
    typeof mod._mclBnG2_hashAndMapToWithDst !== "function" ||
    typeof mod._mclBn_millerLoopVec !== "function"
  ) {
    throw new BlsError("BLS_INIT_FAILED", "mcl-wasm does not expose hashAndMapToWithDst / millerLoopVec");
  }
  const g1 = decodeOrUndefined(new mcl.G1(), hexToBytes(G1_GENERATOR_HEX));
  if (g1 === undefined) throw new BlsError("BLS_INIT_FAILED", "self-test: G1 generator does not decode");
  const candidate: BlsState = {
    mod,
    g1,
    negG1: mcl.neg(g1),
    g1Size: structSize(g1),
    g2Size: structSize(new mcl.G2()),
    gtSize: structSize(new mcl.GT()),
  };
  selfTest(candidate);
  state = candidate;
}

/** Fails loudly when a setting did not take: mcl ignores unknown modes silently. */
function selfTest(s: BlsState): void {
  const fail = (what: string): never => {
    throw new BlsError("BLS_INIT_FAILED", `self-test: ${what}`);
  };
  if (s.g1Size !== 144 || s.g2Size !== 288 || s.gtSize !== 576) fail("unexpected mcl struct sizes");
  if (bytesToHex(s.g1.serialize()) !== G1_GENERATOR_HEX) fail("ZCash serialisation is not active");
  const h = hashToG2(s, new Uint8Array(0), RFC9380_TEST_DST);
  if (bytesToHex(h.serialize()) !== RFC9380_EMPTY_MSG_P_HEX) {
    fail("hash-to-G2 differs from RFC 9380 J.10.1 (map-to mode did not take)");
  }
  if (decodeOrUndefined(new mcl.G1(), hexToBytes(G1_NOT_IN_SUBGROUP_HEX)) !== undefined) {
    fail("G1 subgroup check is not active");
  }
  if (decodeOrUndefined(new mcl.G2(), hexToBytes(G2_NOT_IN_SUBGROUP_HEX)) !== undefined) {
    fail("G2 subgroup check is not active");
  }
  const h2 = mcl.dbl(h);
  if (!pairingProductIsOne(s, [mcl.dbl(s.g1), s.negG1], [h, h2])) fail("pairing is not bilinear");
  if (pairingProductIsOne(s, [s.g1, s.negG1], [h, h2])) fail("pairing is degenerate");
}

function decodeOrUndefined<T extends G1 | G2>(point: T, bytes: Uint8Array): T | undefined {
  try {
    point.deserialize(bytes);
    return point;
  } catch {
    return undefined;
  }
}

/** KeyValidate: canonical compressed encoding, on the curve, in G1, not the identity. */
function decodePublicKey(bytes: Uint8Array): G1 | undefined {
  if (bytes.length !== PUBLIC_KEY_LENGTH) return undefined;
  const p = decodeOrUndefined(new mcl.G1(), bytes);
  return p === undefined || p.isZero() ? undefined : p;
}

/**
 * Decoded signatures, remembered for the last few: consensus decodes one vote's signature to check it,
 * again to aggregate the commit, and again to match the next proposal's last commit, and a decode with
 * its subgroup check costs about a tenth of a verification. Points are never mutated (as above).
 */
const decodedSignatures = new BytesKeyedLru<G2>(256);

/** signature_to_point plus a refusal of the identity (mcl would accept it, and it verifies as true). */
function decodeSignature(bytes: Uint8Array): G2 | undefined {
  if (bytes.length !== SIGNATURE_LENGTH) return undefined;
  return decodedSignatures.getOrCreate(bytes, (b) => {
    const p = decodeOrUndefined(new mcl.G2(), b);
    return p === undefined || p.isZero() ? undefined : p;
  });
}

function parseSecretKey(secretKey: Uint8Array): Fr {
  assertBytes(secretKey, "secretKey", SECRET_KEY_LENGTH);
  const fr = new mcl.Fr();
  try {
    fr.deserialize(secretKey);
  } catch {
    throw new RangeError("secretKey: not below the group order");
  }
  if (fr.isZero()) throw new RangeError("secretKey: zero");
  return fr;
}

/** RFC 9380 hash_to_curve into G2 with an explicit DST (mcl's XMD:SHA-256 SSWU, IRTF mode). */
function hashToG2(s: BlsState, message: Uint8Array, dst: Uint8Array): G2 {
  const out = new mcl.G2();
  const outPos = s.mod._malloc(s.g2Size + dst.length + Math.max(1, message.length));
  try {
    const dstPos = outPos + s.g2Size;
    const msgPos = dstPos + dst.length;
    const heap = new Uint8Array(s.mod.HEAP8.buffer);
    heap.set(dst, dstPos);
    heap.set(message, msgPos);
    if (s.mod._mclBnG2_hashAndMapToWithDst(outPos, msgPos, message.length, dstPos, dst.length) !== 0) {
      throw new Error("mcl hashAndMapToWithDst failed");
    }
    out.copyFromMem(outPos);
  } finally {
    s.mod._free(outPos);
  }
  return out;
}

/**
 * H(message) under the signing DST, remembered for the last few messages: consensus signs and verifies
 * one message per (height, round, step, value) many times (every validator's vote on it, its own
 * signature, the commit), and hashing to G2 costs about a third of a verification. Points are never
 * mutated (mcl operations return new ones), so sharing them is safe.
 */
const signHashes = new BytesKeyedLru<G2>(64);

function hashToSignG2(s: BlsState, message: Uint8Array): G2 {
  const hash = (m: Uint8Array): G2 => hashToG2(s, m, SIGN_DST);
  // Consensus messages are short; a long one is hashed without being remembered.
  return message.length > 512 ? hash(message) : (signHashes.getOrCreate(message, hash) as G2);
}

/** ∏ e(g1s[i], g2s[i]) == 1, as one multi-Miller loop and one final exponentiation. */
function pairingProductIsOne(s: BlsState, g1s: readonly G1[], g2s: readonly G2[]): boolean {
  const n = g1s.length;
  const base = s.mod._malloc(s.gtSize + n * (s.g1Size + s.g2Size));
  try {
    const g1Pos = base + s.gtSize;
    const g2Pos = g1Pos + n * s.g1Size;
    for (let i = 0; i < n; i++) {
      (g1s[i] as G1).copyToMem(g1Pos + i * s.g1Size);
      (g2s[i] as G2).copyToMem(g2Pos + i * s.g2Size);
    }
    s.mod._mclBn_millerLoopVec(base, g1Pos, g2Pos, n);
    const f = new mcl.GT();
    f.copyFromMem(base);
    return mcl.finalExp(f).isOne();
  } finally {
    s.mod._free(base);
  }
}

/** e(pk, H) · e(−G1, sig) == 1 */
function coreVerify(s: BlsState, pk: G1, hashed: G2, sig: G2): boolean {
  return pairingProductIsOne(s, [pk, s.negG1], [hashed, sig]);
}

const preparedPoints = new WeakMap<object, G1>();

function resolvePublicKey(publicKey: BlsPublicKeyInput, label: string): G1 | undefined {
  if (publicKey instanceof Uint8Array) return decodePublicKey(publicKey);
  const point =
    typeof publicKey === "object" && publicKey !== null ? preparedPoints.get(publicKey) : undefined;
  if (point === undefined) {
    throw new TypeError(`${label}: expected Uint8Array or a handle from bls.preparePublicKey`);
  }
  return point;
}

function assertArray(value: unknown, label: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${label}: expected an array`);
}

/** IETF KeyGen (draft-irtf-cfrg-bls-signature-04+, = EIP-2333 HKDF_mod_r) with an empty key_info. */
function keyGenScalar(ikm: Uint8Array): bigint {
  const ikmWithSuffix = concatBytes(ikm, Uint8Array.of(0));
  const info = Uint8Array.of(0, KEYGEN_L); // key_info ("") || I2OSP(L, 2)
  let salt = KEYGEN_SALT;
  for (;;) {
    salt = sha256(salt);
    const sk = bytesToBigInt(hkdf(sha256, ikmWithSuffix, salt, info, KEYGEN_L)) % CURVE_ORDER;
    if (sk !== 0n) return sk;
  }
}

/** Hash-to-G2 with any DST, compressed. Internal: exported for known-answer tests, not from the package. */
export function hashToG2Bytes(message: Uint8Array, dst: Uint8Array): Uint8Array {
  const s = ready();
  assertBytes(message, "message");
  assertBytes(dst, "dst");
  if (dst.length === 0 || dst.length > 255) throw new RangeError("dst: expected 1..255 bytes");
  return hashToG2(s, message, dst).serialize();
}

export interface Bls {
  readonly secretKeyLength: 32;
  readonly publicKeyLength: 48;
  readonly signatureLength: 96;
  /** IETF KeyGen from `ikm` (at least 32 secret bytes), or from 32 fresh CSPRNG bytes. */
  keygen(ikm?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** False for any invalid signature, key, encoding or length (identity included); throws only on non-bytes. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: BlsPublicKeyInput): boolean;
  /** Sum of signatures; RangeError on an empty list, an invalid signature or an identity sum. */
  aggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array;
  /** Sum of validated public keys; RangeError on an empty list, an invalid key or an identity sum. */
  aggregatePublicKeys(publicKeys: readonly BlsPublicKeyInput[]): Uint8Array;
  /**
   * Many signatures over ONE message, each by its own key, checked together: true only if every one
   * would pass `verify` (up to a 2^-64 chance, whatever the signatures: each is weighted by a fresh
   * random 64-bit scalar, so invalid ones cannot cancel out). One 2-pairing check plus a short scalar
   * multiplication per signature, against two pairings each for `verify`. False says only that some
   * signature is bad (or an input is malformed): check them one by one to find which.
   */
  verifyBatch(
    message: Uint8Array,
    signatures: readonly Uint8Array[],
    publicKeys: readonly BlsPublicKeyInput[],
  ): boolean;
  /**
   * One message signed by every key: aggregates the keys, then one 2-pairing check.
   * Callers MUST have checked each key's proof of possession (`popVerify`), or rogue keys forge this.
   */
  fastAggregateVerify(
    signature: Uint8Array,
    message: Uint8Array,
    publicKeys: readonly BlsPublicKeyInput[],
  ): boolean;
  /** Distinct messages, one per key (duplicates are rejected), checked in one multi-pairing. */
  aggregateVerify(
    signature: Uint8Array,
    messages: readonly Uint8Array[],
    publicKeys: readonly BlsPublicKeyInput[],
  ): boolean;
  /** Proof of possession: the secret key's signature on its own public key under the POP DST. */
  popProve(secretKey: Uint8Array): Uint8Array;
  popVerify(publicKey: Uint8Array, proof: Uint8Array): boolean;
  /** KeyValidate: decodes, is not the identity, lies in G1. */
  validatePublicKey(publicKey: Uint8Array): boolean;
  /** Decodes and validates a key once; RangeError if invalid. The handle works wherever a key is taken. */
  preparePublicKey(publicKey: Uint8Array): PreparedPublicKey;
}

export const bls: Bls = {
  secretKeyLength: SECRET_KEY_LENGTH,
  publicKeyLength: PUBLIC_KEY_LENGTH,
  signatureLength: SIGNATURE_LENGTH,

  keygen(ikm) {
    ready();
    let material: Uint8Array;
    if (ikm === undefined) {
      material = randomBytes(SECRET_KEY_LENGTH);
    } else {
      assertBytes(ikm, "ikm");
      if (ikm.length < 32) throw new RangeError(`ikm: expected at least 32 bytes, got ${ikm.length}`);
      material = ikm;
    }
    const secretKey = bigIntToBytes(keyGenScalar(material), SECRET_KEY_LENGTH);
    return { secretKey, publicKey: bls.getPublicKey(secretKey) };
  },

  getPublicKey(secretKey) {
    const s = ready();
    const fr = parseSecretKey(secretKey);
    const pk = mcl.mul(s.g1, fr).serialize();
    fr.clear();
    return pk;
  },

  sign(message, secretKey) {
    const s = ready();
    assertBytes(message, "message");
    const fr = parseSecretKey(secretKey);
    const sig = mcl.mul(hashToSignG2(s, message), fr).serialize();
    fr.clear();
    return sig;
  },

  verify(signature, message, publicKey) {
    const s = ready();
    assertBytes(signature, "signature");
    assertBytes(message, "message");
    const pk = resolvePublicKey(publicKey, "publicKey");
    const sig = decodeSignature(signature);
    if (pk === undefined || sig === undefined) return false;
    return coreVerify(s, pk, hashToSignG2(s, message), sig);
  },

  aggregateSignatures(signatures) {
    ready();
    assertArray(signatures, "signatures");
    if (signatures.length === 0) throw new RangeError("aggregateSignatures: empty list");
    let sum: G2 | undefined;
    for (let i = 0; i < signatures.length; i++) {
      const bytes = signatures[i];
      assertBytes(bytes, `signatures[${i}]`);
      const sig = decodeSignature(bytes);
      if (sig === undefined) throw new RangeError(`signatures[${i}]: invalid signature`);
      sum = sum === undefined ? sig : mcl.add(sum, sig);
    }
    if (sum === undefined || sum.isZero()) throw new RangeError("aggregateSignatures: sum is the identity");
    return sum.serialize();
  },

  aggregatePublicKeys(publicKeys) {
    ready();
    assertArray(publicKeys, "publicKeys");
    if (publicKeys.length === 0) throw new RangeError("aggregatePublicKeys: empty list");
    let sum: G1 | undefined;
    for (let i = 0; i < publicKeys.length; i++) {
      const pk = resolvePublicKey(publicKeys[i] as BlsPublicKeyInput, `publicKeys[${i}]`);
      if (pk === undefined) throw new RangeError(`publicKeys[${i}]: invalid public key`);
      sum = sum === undefined ? pk : mcl.add(sum, pk);
    }
    if (sum === undefined || sum.isZero()) throw new RangeError("aggregatePublicKeys: sum is the identity");
    return sum.serialize();
  },

  verifyBatch(message, signatures, publicKeys) {
    const s = ready();
    assertBytes(message, "message");
    assertArray(signatures, "signatures");
    assertArray(publicKeys, "publicKeys");
    const n = signatures.length;
    if (n === 0 || publicKeys.length !== n) return false;
    // Weights: r_0 = 1, r_i (i ≥ 1) random in [1, 2^64). A wrong signature passes only if its error is
    // cancelled by r_i times another's, which a random 64-bit r_i makes a 2^-64 event (a fixed first
    // weight loses nothing: the cancellation needs r_i to hit one value). The weighted sums are two
    // multi-scalar multiplications, cheaper than one multiplication per point.
    const weights = randomBytes(8 * n);
    const pks: G1[] = [];
    const sigs: G2[] = [];
    const rs: Fr[] = [];
    for (let i = 0; i < n; i++) {
      assertBytes(signatures[i], `signatures[${i}]`);
      const pk = resolvePublicKey(publicKeys[i] as BlsPublicKeyInput, `publicKeys[${i}]`);
      const sig = decodeSignature(signatures[i] as Uint8Array);
      if (pk === undefined || sig === undefined) return false;
      pks.push(pk);
      sigs.push(sig);
      if (i === 0) continue;
      const r = new mcl.Fr();
      const w = weights.subarray(8 * i, 8 * i + 8);
      w[0] = (w[0] as number) | 1;
      r.setLittleEndian(w);
      rs.push(r);
    }
    let pkSum = pks[0] as G1;
    let sigSum = sigs[0] as G2;
    if (n > 1) {
      pkSum = mcl.add(pkSum, mcl.mulVec(pks.slice(1), rs));
      sigSum = mcl.add(sigSum, mcl.mulVec(sigs.slice(1), rs));
    }
    if (pkSum.isZero()) return false;
    return coreVerify(s, pkSum, hashToSignG2(s, message), sigSum);
  },

  fastAggregateVerify(signature, message, publicKeys) {
    const s = ready();
    assertBytes(signature, "signature");
    assertBytes(message, "message");
    assertArray(publicKeys, "publicKeys");
    let sum: G1 | undefined;
    let allValid = true;
    for (let i = 0; i < publicKeys.length; i++) {
      const pk = resolvePublicKey(publicKeys[i] as BlsPublicKeyInput, `publicKeys[${i}]`);
      if (pk === undefined) allValid = false;
      else if (allValid) sum = sum === undefined ? pk : mcl.add(sum, pk);
    }
    const sig = decodeSignature(signature);
    if (!allValid || sum === undefined || sum.isZero() || sig === undefined) return false;
    return coreVerify(s, sum, hashToSignG2(s, message), sig);
  },

  aggregateVerify(signature, messages, publicKeys) {
    const s = ready();
    assertBytes(signature, "signature");
    assertArray(messages, "messages");
    assertArray(publicKeys, "publicKeys");
    for (let i = 0; i < messages.length; i++) assertBytes(messages[i], `messages[${i}]`);
    const pks = publicKeys.map((input, i) => resolvePublicKey(input, `publicKeys[${i}]`));
    const n = messages.length;
    if (n === 0 || n !== pks.length) return false;
    if (new Set(messages.map(bytesToHex)).size !== n) return false;
    const sig = decodeSignature(signature);
    if (sig === undefined || pks.some((pk) => pk === undefined)) return false;
    const g1s = [...(pks as G1[]), s.negG1];
    const g2s = [...messages.map((m) => hashToSignG2(s, m)), sig];
    return pairingProductIsOne(s, g1s, g2s);
  },

  popProve(secretKey) {
    const s = ready();
    const fr = parseSecretKey(secretKey);
    const pk = mcl.mul(s.g1, fr).serialize();
    const proof = mcl.mul(hashToG2(s, pk, POP_DST), fr).serialize();
    fr.clear();
    return proof;
  },

  popVerify(publicKey, proof) {
    const s = ready();
    assertBytes(publicKey, "publicKey");
    assertBytes(proof, "proof");
    const pk = decodePublicKey(publicKey);
    const sig = decodeSignature(proof);
    if (pk === undefined || sig === undefined) return false;
    // A key that decodes is canonically encoded, so hashing the given bytes hashes point_to_pubkey(PK).
    return coreVerify(s, pk, hashToG2(s, publicKey, POP_DST), sig);
  },

  validatePublicKey(publicKey) {
    ready();
    assertBytes(publicKey, "publicKey");
    return decodePublicKey(publicKey) !== undefined;
  },

  preparePublicKey(publicKey) {
    ready();
    assertBytes(publicKey, "publicKey");
    const point = decodePublicKey(publicKey);
    if (point === undefined) throw new RangeError("preparePublicKey: invalid public key");
    const handle: PreparedPublicKey = Object.freeze({ publicKey: Uint8Array.from(publicKey) });
    preparedPoints.set(handle, point);
    return handle;
  },
};
