/**
 * ECDSA over secp256k1 (SEC 2) with SHA-256, for transactions from secp256k1 wallets.
 *
 * - The MESSAGE IS HASHED INSIDE with SHA-256: pass the bytes that were signed, not a digest.
 * - Public keys are 33-byte compressed SEC 1 points (02/03 ‖ x); nothing else is accepted.
 * - Signatures are 64 bytes r ‖ s (big-endian), LOW-S ONLY: 1 ≤ r < n and 1 ≤ s ≤ ⌊n/2⌋. A high-S
 *   signature is rejected by both paths (OpenSSL itself accepts it, so the check is ours) and
 *   `sign` never produces one.
 * - Signing is deterministic (RFC 6979, via @noble/curves) in both schemes.
 *
 * `secp256k1` verifies through node:crypto (OpenSSL, ~4.5× faster than noble) with an LRU cache of
 * imported public keys; `secp256k1Portable` through @noble/curves. Range checks on r, s and x are
 * byte compares run up front in both, so the two agree (test/unit/secp256k1.test.ts).
 */
import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { secp256k1 as nobleSecp } from "@noble/curves/secp256k1.js";
import { assertBytes, BytesKeyedLru, bytesToBigInt, hexToBytes, randomBytes } from "./bytes.js";
import type { SignatureScheme } from "./signature.js";

export const SECP256K1_PUBLIC_KEY_LENGTH = 33;
export const SECP256K1_SECRET_KEY_LENGTH = 32;
export const SECP256K1_SIGNATURE_LENGTH = 64;
export const SECP256K1_KEY_CACHE_SIZE = 4096;

/** SubjectPublicKeyInfo prefix for a compressed secp256k1 point (id-ecPublicKey, OID 1.3.132.0.10). */
const SPKI_PREFIX = hexToBytes("3036301006072a8648ce3d020106052b8104000a032200");

const P_BE = hexToBytes("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
const N_BE = hexToBytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
/** ⌊n/2⌋, the largest low s. */
const HALF_N_BE = hexToBytes("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
const N = bytesToBigInt(N_BE);

/** Compares the 32 big-endian bytes at b[off..] with `ref`: negative, zero or positive. */
function cmp32(b: Uint8Array, off: number, ref: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = b[off + i]! - ref[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function isZero32(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (b[off + i] !== 0) return false;
  return true;
}

/** 1 ≤ r < n and 1 ≤ s ≤ ⌊n/2⌋ (low S). */
export function isLowSCanonicalSignature(signature: Uint8Array): boolean {
  if (signature.length !== SECP256K1_SIGNATURE_LENGTH) return false;
  if (isZero32(signature, 0) || cmp32(signature, 0, N_BE) >= 0) return false;
  if (isZero32(signature, 32) || cmp32(signature, 32, HALF_N_BE) > 0) return false;
  return true;
}

/** 33 bytes, prefix 02/03, x < p (on-curve is left to the decoder). */
function isWellFormedPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== SECP256K1_PUBLIC_KEY_LENGTH) return false;
  const prefix = publicKey[0];
  if (prefix !== 0x02 && prefix !== 0x03) return false;
  return cmp32(publicKey, 1, P_BE) < 0;
}

function assertSecretKey(secretKey: unknown, label: string): asserts secretKey is Uint8Array {
  assertBytes(secretKey, label, SECP256K1_SECRET_KEY_LENGTH);
  const d = bytesToBigInt(secretKey);
  if (d === 0n || d >= N) throw new RangeError(`${label}: scalar must be in [1, n-1]`);
}

function assertVerifyArgs(signature: unknown, message: unknown, publicKey: unknown): void {
  assertBytes(signature, "secp256k1.verify signature");
  assertBytes(message, "secp256k1.verify message");
  assertBytes(publicKey, "secp256k1.verify public key");
}

function getPublicKey(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey, "secp256k1 secret key");
  return nobleSecp.getPublicKey(secretKey, true);
}

function keygen(seed?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (seed !== undefined) {
    assertSecretKey(seed, "secp256k1.keygen seed");
    const secretKey = Uint8Array.from(seed);
    return { secretKey, publicKey: getPublicKey(secretKey) };
  }
  for (;;) {
    const secretKey = randomBytes(SECP256K1_SECRET_KEY_LENGTH);
    const d = bytesToBigInt(secretKey);
    if (d !== 0n && d < N) return { secretKey, publicKey: getPublicKey(secretKey) };
  }
}

function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(message, "secp256k1.sign message");
  assertSecretKey(secretKey, "secp256k1 secret key");
  return nobleSecp.sign(message, secretKey, { prehash: true, lowS: true, format: "compact" });
}

// ---------------------------------------------------------------------------------------------

interface NativeKey {
  key: KeyObject;
  dsaEncoding: "ieee-p1363";
}

function importPublicKey(publicKey: Uint8Array): NativeKey | undefined {
  if (!isWellFormedPublicKey(publicKey)) return undefined;
  try {
    const spki = new Uint8Array(SPKI_PREFIX.length + publicKey.length);
    spki.set(SPKI_PREFIX, 0);
    spki.set(publicKey, SPKI_PREFIX.length);
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    return { key, dsaEncoding: "ieee-p1363" };
  } catch {
    return undefined;
  }
}

const keyCache = new BytesKeyedLru<NativeKey>(SECP256K1_KEY_CACHE_SIZE);

/** Drops every cached imported public key (for tests and benchmarks). */
export function clearSecp256k1KeyCache(): void {
  keyCache.clear();
}

/** secp256k1 ECDSA-SHA256, low-S, verify through node:crypto; the default. */
export const secp256k1: SignatureScheme = Object.freeze({
  name: "secp256k1" as const,
  secretKeyLength: SECP256K1_SECRET_KEY_LENGTH,
  publicKeyLength: SECP256K1_PUBLIC_KEY_LENGTH,
  signatureLength: SECP256K1_SIGNATURE_LENGTH,
  keygen,
  getPublicKey,
  sign,
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    assertVerifyArgs(signature, message, publicKey);
    if (!isLowSCanonicalSignature(signature)) return false;
    const key = keyCache.getOrCreate(publicKey, importPublicKey);
    if (key === undefined) return false;
    try {
      return nodeVerify("sha256", message, key, signature);
    } catch {
      return false;
    }
  },
});

/** secp256k1 ECDSA-SHA256, low-S, in pure JavaScript (@noble/curves); same decisions as `secp256k1`. */
export const secp256k1Portable: SignatureScheme = Object.freeze({
  name: "secp256k1" as const,
  secretKeyLength: SECP256K1_SECRET_KEY_LENGTH,
  publicKeyLength: SECP256K1_PUBLIC_KEY_LENGTH,
  signatureLength: SECP256K1_SIGNATURE_LENGTH,
  keygen,
  getPublicKey,
  sign,
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    assertVerifyArgs(signature, message, publicKey);
    if (!isLowSCanonicalSignature(signature) || !isWellFormedPublicKey(publicKey)) return false;
    try {
      return nobleSecp.verify(signature, message, publicKey, {
        prehash: true,
        lowS: true,
        format: "compact",
      });
    } catch {
      return false;
    }
  },
});
