/**
 * The SM9 schemes of GM/T 0044-2016 part 2 (signature, key exchange, key encapsulation, encryption), written
 * once over an {@link Sm9Backend}. `createSm9(fastBackend)` is the public API; `createSm9(naiveBackend)` is
 * the reference the tests and benchmarks compare it with.
 */
import { bytesToBigInt, equalBytes, sm3, sm4DecryptEcb, sm4EncryptEcb } from "@tandem/crypto";
import type { Sm9Backend } from "./backend.js";
import { Sm9Error, Sm9ErrorCode } from "./errors.js";
import { h1, h2MessageW, kdf, scalarToBytes } from "./hash.js";
import {
  G1_BYTES,
  G2_BYTES,
  HID_ENCRYPT,
  HID_EXCHANGE,
  HID_SIGN,
  invMod,
  N,
  SCALAR_BYTES,
} from "./params.js";
import {
  checkBytes,
  checkHid,
  checkKlen,
  checkOptions,
  decodeScalar,
  isAllZero,
  randomScalar,
} from "./validate.js";

export type EncryptionMode = "xor" | "sm4-ecb";

export interface MasterKeyPair {
  /** The master secret ks / ke, 32 bytes big-endian in [1, N-1]. Keep it in the KGC. */
  secret: Uint8Array;
  /** Ppub-s (G2, 129 bytes) for signatures; Ppub-e (G1, 65 bytes) for encryption and key exchange. */
  publicKey: Uint8Array;
}

export interface Signature {
  h: Uint8Array;
  S: Uint8Array;
}

export interface ExchangeRespondParams {
  selfId: Uint8Array;
  selfKey: Uint8Array;
  peerId: Uint8Array;
  peerR: Uint8Array;
  masterPublicKey: Uint8Array;
  klen: number;
  confirm?: boolean;
  r?: Uint8Array;
}

export interface ExchangeRespondResult {
  R: Uint8Array;
  SK: Uint8Array;
  /** The standard's SB, present when `confirm` was set. */
  S2?: Uint8Array;
  /** Checks the initiator's SA (constant-time comparison). */
  checkConfirmation(S1: Uint8Array): boolean;
}

export interface ExchangeCompleteParams {
  selfId: Uint8Array;
  selfKey: Uint8Array;
  peerId: Uint8Array;
  selfR: Uint8Array;
  r: Uint8Array;
  peerR: Uint8Array;
  masterPublicKey: Uint8Array;
  klen: number;
  /** The responder's SB; when given it must check, or SM9_KEY_CONFIRMATION_FAILED is thrown. */
  S2?: Uint8Array;
}

export interface ExchangeCompleteResult {
  SK: Uint8Array;
  /** The standard's SA, for the responder to check. */
  S1: Uint8Array;
}

/** MAC key length (K2) of the encryption scheme: SM3 with a 256-bit key. */
const MAC_KEY_BYTES = 32;
const SM4_KEY_BYTES = 16;
const C3_BYTES = 32;
const C1_BYTES = G1_BYTES - 1;

function withPrefix04(xy: Uint8Array): Uint8Array {
  const out = new Uint8Array(G1_BYTES);
  out[0] = 0x04;
  out.set(xy, 1);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function optionalScalar(value: unknown, label: string): bigint | undefined {
  return value === undefined ? undefined : decodeScalar(value, label);
}

function checkMode(mode: unknown): EncryptionMode {
  if (mode === undefined) return "xor";
  if (typeof mode !== "string") throw new TypeError('mode: expected "xor" or "sm4-ecb"');
  if (mode !== "xor" && mode !== "sm4-ecb") throw new RangeError(`mode: unknown encryption mode "${mode}"`);
  return mode;
}

function decryptFailed(msg: string, cause?: unknown): Sm9Error {
  return new Sm9Error(
    Sm9ErrorCode.DECRYPT_FAILED,
    `decrypt: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

export function createSm9<G1, G2, GT>(b: Sm9Backend<G1, G2, GT>) {
  /**
   * [r]QB with QB = [H1(ID||hid)]P1 + Ppub-e, computed as [r h]P1 + [r]Ppub-e (two fixed bases). Throws when
   * the identity maps to the point at infinity (QB = O, equivalently [r]QB = O).
   */
  function maskedUserPoint(h: bigint, mpk: G1, mpkBytes: Uint8Array, r: bigint): G1 {
    const c = b.g1Add(b.g1MulGen((h * r) % N), b.g1MulKey(mpk, r, mpkBytes));
    if (b.g1IsZero(c)) {
      throw new Sm9Error(Sm9ErrorCode.KEY_EXTRACTION_FAILED, "H1(ID||hid) + ke = 0 mod N for this identity");
    }
    return c;
  }

  /** t2 = k * (H1(ID||hid) + k)^-1 mod N (part 2, 5.2 / 6.2 / 7.2). */
  function userKeyScalar(k: bigint, id: Uint8Array, hid: number): bigint {
    const t1 = (h1(id, hid) + k) % N;
    if (t1 === 0n) {
      throw new Sm9Error(
        Sm9ErrorCode.KEY_EXTRACTION_FAILED,
        "H1(ID||hid) + master secret = 0 mod N: generate a new master key",
      );
    }
    return (k * invMod(t1, N)) % N;
  }

  function decodeG1(bytes: unknown, label: string): G1 {
    checkBytes(bytes, label, G1_BYTES);
    return b.g1Decode(bytes);
  }

  function decodeG2(bytes: unknown, label: string): G2 {
    checkBytes(bytes, label, G2_BYTES);
    return b.g2Decode(bytes);
  }

  function masterSecret(bytes: unknown): bigint {
    return decodeScalar(bytes, "masterSecret");
  }

  // ---- Signature (part 2, clause 6) ----

  /** Signature master key pair: ks (random, or the given 32 bytes in [1, N-1]) and Ppub-s = [ks]P2 (G2). */
  function signMasterKey(ks?: Uint8Array): MasterKeyPair {
    const k = ks === undefined ? randomScalar() : decodeScalar(ks, "ks");
    return { secret: scalarToBytes(k), publicKey: b.g2Encode(b.g2MulGen(k)) };
  }

  /** The KGC's extraction of a signing key dsA = [ks / (H1(ID||hid) + ks)]P1 (G1, 65 bytes). */
  function signUserKey(masterSecretBytes: Uint8Array, id: Uint8Array, hid: number = HID_SIGN): Uint8Array {
    const ks = masterSecret(masterSecretBytes);
    checkBytes(id, "id");
    checkHid(hid);
    return b.g1Encode(b.g1MulGen(userKeyScalar(ks, id, hid)));
  }

  /** Signature {h, S} of `message` (r from the CSPRNG; `opts.r` only to reproduce known answers). */
  function sign(
    message: Uint8Array,
    userKey: Uint8Array,
    masterPublicKey: Uint8Array,
    opts?: { r?: Uint8Array },
  ): Signature {
    checkBytes(message, "message");
    const o = checkOptions(opts, "sign options");
    const givenR = optionalScalar(o.r, "opts.r");
    const dsA = decodeG1(userKey, "userKey");
    const ppub = decodeG2(masterPublicKey, "masterPublicKey");
    const g = b.signBase(ppub, masterPublicKey);
    for (;;) {
      const r = givenR ?? randomScalar();
      const w = b.gtEncode(g.pow(r));
      const h = h2MessageW(message, w);
      const l = (((r - h) % N) + N) % N;
      if (l === 0n) {
        if (givenR !== undefined) throw new Sm9Error(Sm9ErrorCode.BAD_SCALAR, "opts.r gives l = 0");
        continue;
      }
      return { h: scalarToBytes(h), S: b.g1Encode(b.g1MulKey(dsA, l, userKey)) };
    }
  }

  /** True when {h, S} is a signature of `message` by `id`; false for any bad signature (never throws for one). */
  function verify(
    message: Uint8Array,
    signature: Signature,
    id: Uint8Array,
    masterPublicKey: Uint8Array,
    hid: number = HID_SIGN,
  ): boolean {
    checkBytes(message, "message");
    checkBytes(id, "id");
    checkHid(hid);
    if (signature === null || typeof signature !== "object")
      throw new TypeError("signature: expected {h, S}");
    checkBytes(signature.h, "signature.h");
    checkBytes(signature.S, "signature.S");
    const ppub = decodeG2(masterPublicKey, "masterPublicKey");
    // From here on, anything wrong with the signature is a plain `false`.
    if (signature.h.length !== SCALAR_BYTES || signature.S.length !== G1_BYTES) return false;
    const h = bytesToBigInt(signature.h);
    if (h < 1n || h >= N) return false;
    let s: G1;
    try {
      s = b.g1Decode(signature.S);
    } catch {
      return false;
    }
    // w' = e(S, [H1(ID||hid)]P2 + Ppub-s) * g^h
    const w = b.gtEncode(b.signVerifyValue(s, h, id, hid, ppub, masterPublicKey));
    return equalBytes(scalarToBytes(h2MessageW(message, w)), signature.h);
  }

  // ---- Encryption master and user keys (part 2 clause 7/8, part 4) ----

  /** Encryption (and key-exchange) master key pair: ke and Ppub-e = [ke]P1 (G1). */
  function encryptMasterKey(ke?: Uint8Array): MasterKeyPair {
    const k = ke === undefined ? randomScalar() : decodeScalar(ke, "ke");
    return { secret: scalarToBytes(k), publicKey: b.g1Encode(b.g1MulGen(k)) };
  }

  /** The KGC's extraction of an encryption key deB = [ke / (H1(ID||hid) + ke)]P2 (G2, 129 bytes). */
  function encryptUserKey(
    masterSecretBytes: Uint8Array,
    id: Uint8Array,
    hid: number = HID_ENCRYPT,
  ): Uint8Array {
    const ke = masterSecret(masterSecretBytes);
    checkBytes(id, "id");
    checkHid(hid);
    return b.g2Encode(b.g2MulGen(userKeyScalar(ke, id, hid)));
  }

  /** Key-exchange private key: the encryption extraction with hid 0x02. */
  function exchangeUserKey(masterSecretBytes: Uint8Array, id: Uint8Array): Uint8Array {
    return encryptUserKey(masterSecretBytes, id, HID_EXCHANGE);
  }

  // ---- Key encapsulation (part 4, clause 6) ----

  /** Key encapsulation to `id`: K (klen bytes) and C = [r]QB (04||x||y). */
  function encapsulate(
    id: Uint8Array,
    masterPublicKey: Uint8Array,
    klen: number,
    opts?: { r?: Uint8Array; hid?: number },
  ): { K: Uint8Array; C: Uint8Array } {
    checkBytes(id, "id");
    checkKlen(klen);
    const o = checkOptions(opts, "encapsulate options");
    const hid = o.hid === undefined ? HID_ENCRYPT : checkHid(o.hid, "opts.hid");
    const givenR = optionalScalar(o.r, "opts.r");
    const ppub = decodeG1(masterPublicKey, "masterPublicKey");
    const hb = h1(id, hid);
    const g = b.encBase(ppub, masterPublicKey);
    for (;;) {
      const r = givenR ?? randomScalar();
      const c = b.g1Encode(maskedUserPoint(hb, ppub, masterPublicKey, r));
      const w = b.gtEncode(g.pow(r));
      const K = kdf(concat(c.subarray(1), w, id), klen);
      if (isAllZero(K)) {
        if (givenR !== undefined) throw new Sm9Error(Sm9ErrorCode.BAD_SCALAR, "opts.r gives an all-zero K");
        continue;
      }
      return { K, C: c };
    }
  }

  /** K from C; SM9_DECRYPT_FAILED when C is not a point of G1 (the KEM itself carries no integrity check). */
  function decapsulate(C: Uint8Array, id: Uint8Array, userKey: Uint8Array, klen: number): Uint8Array {
    checkBytes(C, "C", G1_BYTES);
    checkBytes(id, "id");
    checkKlen(klen);
    const de = decodeG2(userKey, "userKey");
    let c: G1;
    try {
      c = b.g1Decode(C);
    } catch (e) {
      throw new Sm9Error(Sm9ErrorCode.DECRYPT_FAILED, "decapsulate: C is not a point of G1", { cause: e });
    }
    const w = b.gtEncode(b.pairingWithKey(c, de, userKey));
    const K = kdf(concat(C.subarray(1), w, id), klen);
    if (isAllZero(K)) throw new Sm9Error(Sm9ErrorCode.DECRYPT_FAILED, "decapsulate: all-zero K");
    return K;
  }

  // ---- Public-key encryption (part 4, clause 7): C = C1 || C3 || C2 ----

  /** C1 || C3 || C2 for `id` (mode "xor" by default, or "sm4-ecb" with PKCS#7). */
  function encrypt(
    message: Uint8Array,
    id: Uint8Array,
    masterPublicKey: Uint8Array,
    opts?: { mode?: EncryptionMode; r?: Uint8Array; hid?: number },
  ): Uint8Array {
    checkBytes(message, "message");
    checkBytes(id, "id");
    const o = checkOptions(opts, "encrypt options");
    const mode = checkMode(o.mode);
    const hid = o.hid === undefined ? HID_ENCRYPT : checkHid(o.hid, "opts.hid");
    const givenR = optionalScalar(o.r, "opts.r");
    const ppub = decodeG1(masterPublicKey, "masterPublicKey");
    const hb = h1(id, hid);
    const g = b.encBase(ppub, masterPublicKey);
    const k1Len = mode === "xor" ? message.length : SM4_KEY_BYTES;
    for (;;) {
      const r = givenR ?? randomScalar();
      const c1 = b.g1Encode(maskedUserPoint(hb, ppub, masterPublicKey, r)).subarray(1);
      const w = b.gtEncode(g.pow(r));
      const K = kdf(concat(c1, w, id), k1Len + MAC_KEY_BYTES);
      const k1 = K.subarray(0, k1Len);
      // An empty message has an empty K1, which is not "all zero" (else the loop would never end).
      if (k1Len > 0 && isAllZero(k1)) {
        if (givenR !== undefined) throw new Sm9Error(Sm9ErrorCode.BAD_SCALAR, "opts.r gives an all-zero K1");
        continue;
      }
      let c2: Uint8Array;
      if (mode === "xor") {
        c2 = new Uint8Array(message.length);
        for (let i = 0; i < message.length; i++) c2[i] = (message[i] as number) ^ (k1[i] as number);
      } else {
        c2 = sm4EncryptEcb(k1, message);
      }
      const c3 = sm3(concat(c2, K.subarray(k1Len)));
      return concat(c1, c3, c2);
    }
  }

  /** The plaintext; SM9_DECRYPT_FAILED for a bad C1, a wrong C3 or bad padding (C3 is checked first). */
  function decrypt(
    ciphertext: Uint8Array,
    id: Uint8Array,
    userKey: Uint8Array,
    opts?: { mode?: EncryptionMode },
  ): Uint8Array {
    checkBytes(ciphertext, "ciphertext");
    checkBytes(id, "id");
    const o = checkOptions(opts, "decrypt options");
    const mode = checkMode(o.mode);
    if (ciphertext.length < C1_BYTES + C3_BYTES) {
      throw new RangeError(
        `ciphertext: expected at least ${C1_BYTES + C3_BYTES} bytes, got ${ciphertext.length}`,
      );
    }
    const de = decodeG2(userKey, "userKey");
    const c1 = ciphertext.subarray(0, C1_BYTES);
    const c3 = ciphertext.subarray(C1_BYTES, C1_BYTES + C3_BYTES);
    const c2 = ciphertext.subarray(C1_BYTES + C3_BYTES);
    if (mode === "sm4-ecb" && (c2.length === 0 || c2.length % 16 !== 0)) {
      throw decryptFailed("C2 is not a whole number of SM4 blocks");
    }
    let c1Point: G1;
    try {
      c1Point = b.g1Decode(withPrefix04(c1));
    } catch (e) {
      throw decryptFailed("C1 is not a point of G1", e);
    }
    const w = b.gtEncode(b.pairingWithKey(c1Point, de, userKey));
    const k1Len = mode === "xor" ? c2.length : SM4_KEY_BYTES;
    const K = kdf(concat(c1, w, id), k1Len + MAC_KEY_BYTES);
    const k1 = K.subarray(0, k1Len);
    if (k1Len > 0 && isAllZero(k1)) throw decryptFailed("all-zero K1");
    const u = sm3(concat(c2, K.subarray(k1Len)));
    if (!equalBytes(u, c3)) throw decryptFailed("C3 does not check");
    if (mode === "xor") {
      const m = new Uint8Array(c2.length);
      for (let i = 0; i < c2.length; i++) m[i] = (c2[i] as number) ^ (k1[i] as number);
      return m;
    }
    try {
      return sm4DecryptEcb(k1, c2);
    } catch (e) {
      throw decryptFailed("bad SM4 padding", e);
    }
  }

  // ---- Key exchange (part 3 of the standard, clause 7 of part 2 in GB/T 38635) ----

  /** Initiator step A1-A4: RA = [rA]QB for the responder `peerId`; keep `r` for exchangeComplete. */
  function exchangeInitiate(
    peerId: Uint8Array,
    masterPublicKey: Uint8Array,
    opts?: { r?: Uint8Array },
  ): { R: Uint8Array; r: Uint8Array } {
    checkBytes(peerId, "peerId");
    const o = checkOptions(opts, "exchangeInitiate options");
    const r = optionalScalar(o.r, "opts.r") ?? randomScalar();
    const ppub = decodeG1(masterPublicKey, "masterPublicKey");
    const R = maskedUserPoint(h1(peerId, HID_EXCHANGE), ppub, masterPublicKey, r);
    return { R: b.g1Encode(R), r: scalarToBytes(r) };
  }

  /** The values both sides hash: g1, g2, g3 in the responder's naming, and IDA||IDB||RA||RB. */
  function exchangeValues(
    idA: Uint8Array,
    idB: Uint8Array,
    rA: Uint8Array,
    rB: Uint8Array,
    g1: Uint8Array,
    g2: Uint8Array,
    g3: Uint8Array,
    klen: number,
  ): { SK: Uint8Array; SB: Uint8Array; SA: Uint8Array } {
    const ids = concat(idA, idB, rA.subarray(1), rB.subarray(1));
    const SK = kdf(concat(ids, g1, g2, g3), klen);
    const inner = sm3(concat(g2, g3, ids));
    const SB = sm3(concat(Uint8Array.of(0x82), g1, inner));
    const SA = sm3(concat(Uint8Array.of(0x83), g1, inner));
    return { SK, SB, SA };
  }

  function checkExchangeCommon(p: unknown, label: string): Record<string, unknown> {
    if (p === null || typeof p !== "object") throw new TypeError(`${label}: expected a parameters object`);
    const o = p as Record<string, unknown>;
    checkBytes(o.selfId, `${label}.selfId`);
    checkBytes(o.peerId, `${label}.peerId`);
    checkKlen(o.klen, `${label}.klen`);
    return o;
  }

  /** Responder steps B1-B7: RB, SKB, optionally SB (`S2`), and the check of the initiator's SA. */
  function exchangeRespond(params: ExchangeRespondParams): ExchangeRespondResult {
    const o = checkExchangeCommon(params, "exchangeRespond");
    if (o.confirm !== undefined && typeof o.confirm !== "boolean") {
      throw new TypeError("exchangeRespond.confirm: expected a boolean");
    }
    const rB = optionalScalar(o.r, "exchangeRespond.r") ?? randomScalar();
    const ppub = decodeG1(o.masterPublicKey, "exchangeRespond.masterPublicKey");
    const deB = decodeG2(o.selfKey, "exchangeRespond.selfKey");
    const peerR = params.peerR;
    checkBytes(peerR, "exchangeRespond.peerR", G1_BYTES);
    const ra = b.g1Decode(peerR);
    const RB = b.g1Encode(maskedUserPoint(h1(params.peerId, HID_EXCHANGE), ppub, params.masterPublicKey, rB));
    const g1 = b.pairingWithKey(ra, deB, params.selfKey);
    const g2 = b.gtEncode(b.encBase(ppub, params.masterPublicKey).pow(rB));
    const g3 = b.gtEncode(b.gtPow(g1, rB));
    const v = exchangeValues(params.peerId, params.selfId, peerR, RB, b.gtEncode(g1), g2, g3, params.klen);
    const result: ExchangeRespondResult = {
      R: RB,
      SK: v.SK,
      checkConfirmation(S1: Uint8Array): boolean {
        checkBytes(S1, "S1");
        return equalBytes(S1, v.SA);
      },
    };
    if (params.confirm === true) result.S2 = v.SB;
    return result;
  }

  /** Initiator steps A5-A8: SKA and SA (`S1`); throws SM9_KEY_CONFIRMATION_FAILED when a given SB does not check. */
  function exchangeComplete(params: ExchangeCompleteParams): ExchangeCompleteResult {
    const o = checkExchangeCommon(params, "exchangeComplete");
    const rA = decodeScalar(o.r, "exchangeComplete.r");
    const ppub = decodeG1(o.masterPublicKey, "exchangeComplete.masterPublicKey");
    const deA = decodeG2(o.selfKey, "exchangeComplete.selfKey");
    decodeG1(o.selfR, "exchangeComplete.selfR");
    if (o.S2 !== undefined) checkBytes(o.S2, "exchangeComplete.S2");
    const rb = decodeG1(o.peerR, "exchangeComplete.peerR");
    const g1 = b.gtEncode(b.encBase(ppub, params.masterPublicKey).pow(rA));
    const g2Point = b.pairingWithKey(rb, deA, params.selfKey);
    const g3 = b.gtEncode(b.gtPow(g2Point, rA));
    const v = exchangeValues(
      params.selfId,
      params.peerId,
      params.selfR,
      params.peerR,
      g1,
      b.gtEncode(g2Point),
      g3,
      params.klen,
    );
    if (params.S2 !== undefined && !equalBytes(params.S2, v.SB)) {
      throw new Sm9Error(
        Sm9ErrorCode.KEY_CONFIRMATION_FAILED,
        "exchangeComplete: the responder's S2 (SB) does not check",
      );
    }
    return { SK: v.SK, S1: v.SA };
  }

  // ---- The pairing itself ----

  /** e(P, Q) for P in G1 (65 bytes) and Q in G2 (129 bytes): 384 bytes in the standard's order. */
  function pairing(P: Uint8Array, Q: Uint8Array): Uint8Array {
    const p = decodeG1(P, "P");
    const q = decodeG2(Q, "Q");
    return b.gtEncode(b.pairing(p, q));
  }

  return {
    signMasterKey,
    signUserKey,
    sign,
    verify,
    encryptMasterKey,
    encryptUserKey,
    encapsulate,
    decapsulate,
    encrypt,
    decrypt,
    exchangeUserKey,
    exchangeInitiate,
    exchangeRespond,
    exchangeComplete,
    pairing,
  };
}

export type Sm9 = ReturnType<typeof createSm9>;
