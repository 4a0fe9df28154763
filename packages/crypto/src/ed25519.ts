/**
 * Ed25519 (RFC 8032) for the consensus path: one validity rule, two implementations that must agree
 * bit for bit: `ed25519` (node:crypto/OpenSSL, fast) and `ed25519Portable` (@noble/curves points).
 *
 * THE VALIDITY RULE (the same as libsodium's `crypto_sign_verify_detached`). A signature
 * sig = R ‖ S (64 bytes) on message M under public key A (32 bytes) is valid iff all of:
 *   1. S < L (canonical scalar; L = 2^252 + 27742317777372353535851937790883648493).
 *   2. A is a canonical encoding (its y < p = 2^255 − 19) and not of small order (none of the 8
 *      torsion points; this also rules out the "negative zero" encodings of y = ±1).
 *   3. R is a canonical encoding and not of small order (same byte test as A).
 *   4. The cofactorLESS equation holds byte for byte: encode([S]B − [k]A) == R, where
 *      k = SHA-512(R ‖ A ‖ M) mod L, hashing R and A exactly as received.
 * Keys with a torsion component ("mixed order", A = aB + T) are not rejected by rule 2, but rule 4
 * (with k reduced mod L, as OpenSSL does) decides them identically in both paths.
 *
 * WHY PRE-CHECKS: measured on Node 20.20 / OpenSSL 3.0 against @noble/curves 2.4
 * (test/unit/ed25519-adversarial.test.ts keeps these findings executable):
 *   - OpenSSL is cofactorless and rejects S ≥ L and non-canonical R (it compares encodings), but it
 *     ACCEPTS small-order public keys, non-canonical A (y ≥ p) and the negative-zero encodings of
 *     A, e.g. A = identity with R = identity, S = 0 verifies for many messages.
 *   - noble's `verify(…, {zip215: false})` is COFACTORED: it accepts signatures whose R has a
 *     torsion component and signatures under mixed-order keys that OpenSSL rejects; it rejects
 *     small-order and non-canonical A.
 * So rules 1–3 are byte checks run up front in BOTH paths, and the portable path does not call
 * noble's `verify`: it evaluates rule 4 itself with noble's point arithmetic, exactly as OpenSSL does.
 * With that, both paths return the same boolean on every adversarial class we could construct.
 *
 * Fast path cost: rules 1 and 3 are a few byte compares; rule 2 is checked once per key when the
 * key is imported (as a JWK, ~12 µs) into an LRU cache of OpenSSL KeyObjects (4096 keys), so a
 * cache hit costs a string key and a map lookup on top of `crypto.verify`.
 *
 * Secret keys are the 32-byte RFC 8032 seed; signatures are deterministic, so both paths produce
 * identical bytes.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { assertBytes, BytesKeyedLru, hexToBytes, randomBytes } from "./bytes.js";
import type { SignatureScheme } from "./signature.js";

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SECRET_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** How many imported public keys the fast path keeps (an LRU). */
export const ED25519_KEY_CACHE_SIZE = 4096;

/** L, little-endian. */
const L_LE = hexToBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** y of the order-8 points (little-endian, sign bit clear): y8 and p − y8. */
const Y8_LE = hexToBytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
const Y8_NEG_LE = hexToBytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");

/** Rule 1: the little-endian scalar at b[off..off+32] is below L. */
export function isCanonicalScalar(b: Uint8Array, off = 0): boolean {
  const top = b[off + 31]!;
  if (top < 0x10) return true;
  if (top > 0x10) return false;
  for (let i = 30; i >= 0; i--) {
    const d = b[off + i]! - L_LE[i]!;
    if (d !== 0) return d < 0;
  }
  return false; // S == L
}

function equalsMasked(b: Uint8Array, off: number, ref: Uint8Array): boolean {
  for (let i = 0; i < 31; i++) if (b[off + i] !== ref[i]) return false;
  return (b[off + 31]! & 0x7f) === ref[31];
}

/**
 * Rules 2 and 3: the 32-byte point encoding at b[off..] has y < p and y is not the y-coordinate of a
 * small-order point (y ∉ {0, 1, p − 1, y8, p − y8}), whatever its sign bit. Byte compares only; it
 * does not check that the point is on the curve (the equation does that).
 */
export function isCanonicalPointNotSmallOrder(b: Uint8Array, off = 0): boolean {
  const top = b[off + 31]! & 0x7f;
  if (top === 0x7f) {
    // y ≥ 2^255 − 256: reject y ≥ p − 1 (p − 1 is the order-2 point, the rest are non-canonical).
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0xff) return true;
    return b[off]! < 0xec;
  }
  if (top === 0x00) {
    // y < 2^248: reject y = 0 (order 4) and y = 1 (identity).
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0) return true;
    return b[off]! > 1;
  }
  if (top === 0x7a) return !equalsMasked(b, off, Y8_LE);
  if (top === 0x05) return !equalsMasked(b, off, Y8_NEG_LE);
  return true;
}

/** True when `publicKey` is 32 bytes that pass rule 2 and decode to a curve point. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  assertBytes(publicKey, "ed25519 public key");
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || !isCanonicalPointNotSmallOrder(publicKey))
    return false;
  try {
    nobleEd25519.Point.fromBytes(publicKey);
    return true;
  } catch {
    return false;
  }
}

function assertSecretKey(secretKey: unknown, label: string): asserts secretKey is Uint8Array {
  assertBytes(secretKey, label, ED25519_SECRET_KEY_LENGTH);
}

function assertVerifyArgs(signature: unknown, message: unknown, publicKey: unknown): void {
  assertBytes(signature, "ed25519.verify signature");
  assertBytes(message, "ed25519.verify message");
  assertBytes(publicKey, "ed25519.verify public key");
}

function keygenWith(getPublicKey: (sk: Uint8Array) => Uint8Array, seed?: Uint8Array) {
  if (seed !== undefined) assertSecretKey(seed, "ed25519.keygen seed");
  const secretKey = seed === undefined ? randomBytes(ED25519_SECRET_KEY_LENGTH) : Uint8Array.from(seed);
  return { secretKey, publicKey: getPublicKey(secretKey) };
}

// ---------------------------------------------------------------------------------------------
// Fast path: node:crypto

// Raw keys are imported as JWK, which Node hands to OpenSSL's raw-key constructors: ~10× faster
// than wrapping them in DER (measured: public 12 µs vs 130 µs, private 55 µs vs 600 µs). For a
// private JWK Node requires an `x` member but derives the public key from `d` alone and ignores
// `x`; the RFC 8032 vectors in test/unit/ed25519.test.ts pin that down.
const PLACEHOLDER_X = "A".repeat(43);

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

function importPrivateKey(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: b64url(secretKey), x: PLACEHOLDER_X },
    format: "jwk",
  });
}

/** Imports a public key that passes rule 2, or undefined (never cached) when it does not. */
function importPublicKey(publicKey: Uint8Array): KeyObject | undefined {
  if (!isCanonicalPointNotSmallOrder(publicKey)) return undefined;
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(publicKey) }, format: "jwk" });
  } catch {
    return undefined;
  }
}

const keyCache = new BytesKeyedLru<KeyObject>(ED25519_KEY_CACHE_SIZE);

function getPublicKeyNative(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey, "ed25519 secret key");
  const { x } = importPrivateKey(secretKey).export({ format: "jwk" });
  return new Uint8Array(Buffer.from(String(x), "base64url"));
}

/** Ed25519 through node:crypto (OpenSSL), with the rule above enforced; the default. */
export const ed25519: SignatureScheme = Object.freeze({
  name: "ed25519" as const,
  secretKeyLength: ED25519_SECRET_KEY_LENGTH,
  publicKeyLength: ED25519_PUBLIC_KEY_LENGTH,
  signatureLength: ED25519_SIGNATURE_LENGTH,
  keygen(seed?: Uint8Array) {
    return keygenWith(getPublicKeyNative, seed);
  },
  getPublicKey: getPublicKeyNative,
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
    assertBytes(message, "ed25519.sign message");
    assertSecretKey(secretKey, "ed25519 secret key");
    const sig = nodeSign(null, message, importPrivateKey(secretKey));
    return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
  },
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (
      !(signature instanceof Uint8Array && message instanceof Uint8Array && publicKey instanceof Uint8Array)
    ) {
      assertVerifyArgs(signature, message, publicKey);
    }
    if (signature.length !== ED25519_SIGNATURE_LENGTH || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH)
      return false;
    if (!isCanonicalScalar(signature, 32) || !isCanonicalPointNotSmallOrder(signature, 0)) return false;
    const key = keyCache.getOrCreate(publicKey, importPublicKey);
    if (key === undefined) return false;
    try {
      return nodeVerify(null, message, key, signature);
    } catch {
      return false;
    }
  },
});

/** Drops every cached imported public key (for tests and benchmarks). */
export function clearEd25519KeyCache(): void {
  keyCache.clear();
}

// ---------------------------------------------------------------------------------------------
// Portable path: @noble/curves points, the same rule

const Point = nobleEd25519.Point;

function bytesToNumberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function verifyPortable(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  assertVerifyArgs(signature, message, publicKey);
  if (signature.length !== ED25519_SIGNATURE_LENGTH || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH)
    return false;
  if (!isCanonicalScalar(signature, 32) || !isCanonicalPointNotSmallOrder(signature, 0)) return false;
  if (!isCanonicalPointNotSmallOrder(publicKey, 0)) return false;
  let A: ReturnType<typeof Point.fromBytes>;
  try {
    A = Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  const r = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  const h = sha512.create().update(r).update(publicKey).update(message).digest();
  const k = bytesToNumberLE(h) % L;
  const rCheck = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k)).toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= rCheck[i]! ^ r[i]!;
  return diff === 0;
}

function getPublicKeyPortable(secretKey: Uint8Array): Uint8Array {
  assertSecretKey(secretKey, "ed25519 secret key");
  return nobleEd25519.getPublicKey(secretKey);
}

/** Ed25519 in pure JavaScript (@noble/curves), deciding validity exactly like `ed25519`. */
export const ed25519Portable: SignatureScheme = Object.freeze({
  name: "ed25519" as const,
  secretKeyLength: ED25519_SECRET_KEY_LENGTH,
  publicKeyLength: ED25519_PUBLIC_KEY_LENGTH,
  signatureLength: ED25519_SIGNATURE_LENGTH,
  keygen(seed?: Uint8Array) {
    return keygenWith(getPublicKeyPortable, seed);
  },
  getPublicKey: getPublicKeyPortable,
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
    assertBytes(message, "ed25519.sign message");
    assertSecretKey(secretKey, "ed25519 secret key");
    return nobleEd25519.sign(message, secretKey);
  },
  verify: verifyPortable,
});
