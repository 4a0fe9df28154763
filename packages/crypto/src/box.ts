/**
 * Public-key encryption for device-to-device messages: X25519 (RFC 7748) → HKDF-SHA256 (RFC 5869)
 * → AES-256-GCM, all through node:crypto.
 *
 * - `seal`/`open`: anonymous sealed box. A fresh ephemeral key per message; the key schedule binds
 *   the ephemeral and the recipient public key and a context label:
 *     key = HKDF-SHA256(ikm = X25519(esk, rpk), salt = "", info = "tandem/seal/v1" ‖ epk ‖ rpk, 32)
 *   Output: epk (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 * - `boxSeal`/`boxOpen`: authenticated box from a static sender key (the recipient learns that the
 *   holder of senderSk wrote it):
 *     key = HKDF-SHA256(X25519(ssk, rpk), "", "tandem/box/v1" ‖ spk ‖ rpk, 32)
 *   Output: nonce (12) ‖ ciphertext ‖ tag (16). The order spk ‖ rpk makes keys direction-bound, so
 *   a message cannot be reflected back to its sender. Nonces are random (96 bits): keep a static
 *   pair well below 2^32 messages.
 * - An all-zero X25519 result (a small-order peer key) throws CryptoError CRYPTO_SMALL_ORDER_KEY;
 *   every failure of `open`/`boxOpen` on bytes (tampered, truncated, wrong key or AAD) throws
 *   CryptoError CRYPTO_DECRYPT_FAILED; wrong types or key lengths throw TypeError/RangeError.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { assertBytes, CryptoError, concatBytes, randomBytes, utf8ToBytes } from "./bytes.js";
import { hkdf } from "./hmac.js";

export const X25519_KEY_LENGTH = 32;
export const BOX_NONCE_LENGTH = 12;
export const BOX_TAG_LENGTH = 16;
/** Bytes `seal` adds to the plaintext: epk + nonce + tag. */
export const SEAL_OVERHEAD = X25519_KEY_LENGTH + BOX_NONCE_LENGTH + BOX_TAG_LENGTH;
/** Bytes `boxSeal` adds to the plaintext: nonce + tag. */
export const BOX_OVERHEAD = BOX_NONCE_LENGTH + BOX_TAG_LENGTH;

const SEAL_LABEL = utf8ToBytes("tandem/seal/v1");
const BOX_LABEL = utf8ToBytes("tandem/box/v1");

/**
 * Raw keys go in as JWK (OpenSSL's raw-key constructors; ~10× faster than DER wrapping). For a
 * private JWK Node requires `x` but derives the public key from `d` and ignores `x`.
 */
const PLACEHOLDER_X = "A".repeat(43);

export interface SealOptions {
  /** Additional authenticated data: must be given again, byte for byte, to open. */
  aad?: Uint8Array;
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

function importPrivate(sk: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: "OKP", crv: "X25519", d: b64url(sk), x: PLACEHOLDER_X },
    format: "jwk",
  });
}

function importPublic(pk: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(pk) }, format: "jwk" });
}

function publicOf(privateKey: KeyObject): Uint8Array {
  const { x } = privateKey.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(String(x), "base64url"));
}

function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** X25519 on imported keys; throws CryptoError for a small-order peer (OpenSSL refuses an all-zero result). */
function dh(privateKey: KeyObject, peerPk: Uint8Array): Uint8Array {
  let out: Buffer;
  try {
    out = diffieHellman({ privateKey, publicKey: importPublic(peerPk) });
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_SMALL_ORDER_KEY",
      "x25519: peer public key gives no shared secret (small order)",
      {
        cause,
      },
    );
  }
  const secret = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (isAllZero(secret)) {
    throw new CryptoError("CRYPTO_SMALL_ORDER_KEY", "x25519: all-zero shared secret (small-order peer key)");
  }
  return secret;
}

function assertKey(value: unknown, label: string): asserts value is Uint8Array {
  assertBytes(value, label, X25519_KEY_LENGTH);
}

function aadOf(opts: SealOptions | undefined, label: string): Uint8Array {
  if (opts === undefined) return new Uint8Array(0);
  if (typeof opts !== "object" || opts === null) throw new TypeError(`${label}: options must be an object`);
  if (opts.aad === undefined) return new Uint8Array(0);
  assertBytes(opts.aad, `${label} aad`);
  return opts.aad;
}

/** An X25519 key pair: `seed` (32 bytes) is the secret key (clamped by X25519 itself); otherwise random. */
export function x25519Keygen(seed?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (seed !== undefined) assertKey(seed, "x25519Keygen seed");
  const secretKey = seed === undefined ? randomBytes(X25519_KEY_LENGTH) : Uint8Array.from(seed);
  return { secretKey, publicKey: publicOf(importPrivate(secretKey)) };
}

/** The X25519 public key of a 32-byte secret key. */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  assertKey(secretKey, "x25519 secret key");
  return publicOf(importPrivate(secretKey));
}

/** X25519(sk, peerPk), 32 bytes; throws CryptoError CRYPTO_SMALL_ORDER_KEY if it is all zero. */
export function x25519SharedSecret(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  assertKey(secretKey, "x25519 secret key");
  assertKey(peerPublicKey, "x25519 peer public key");
  return dh(importPrivate(secretKey), peerPublicKey);
}

function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const nonce = randomBytes(BOX_NONCE_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: BOX_TAG_LENGTH });
  cipher.setAAD(aad);
  const ct = cipher.update(plaintext);
  cipher.final();
  return concatBytes(nonce, ct, cipher.getAuthTag());
}

function aeadOpen(key: Uint8Array, body: Uint8Array, aad: Uint8Array, label: string): Uint8Array {
  const nonce = body.subarray(0, BOX_NONCE_LENGTH);
  const ct = body.subarray(BOX_NONCE_LENGTH, body.length - BOX_TAG_LENGTH);
  const tag = body.subarray(body.length - BOX_TAG_LENGTH);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: BOX_TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const pt = decipher.update(ct);
    decipher.final();
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength);
  } catch (cause) {
    throw new CryptoError("CRYPTO_DECRYPT_FAILED", `${label}: authentication failed`, { cause });
  }
}

/** Encrypts `plaintext` to `recipientPublicKey` from a fresh ephemeral key: epk ‖ nonce ‖ ct ‖ tag. */
export function seal(plaintext: Uint8Array, recipientPublicKey: Uint8Array, opts?: SealOptions): Uint8Array {
  assertBytes(plaintext, "seal plaintext");
  assertKey(recipientPublicKey, "seal recipient public key");
  const aad = aadOf(opts, "seal");
  const ephemeral = generateKeyPairSync("x25519").privateKey;
  const epk = publicOf(ephemeral);
  const shared = dh(ephemeral, recipientPublicKey);
  const key = hkdf("sha256", shared, new Uint8Array(0), concatBytes(SEAL_LABEL, epk, recipientPublicKey), 32);
  return concatBytes(epk, aeadSeal(key, plaintext, aad));
}

/** Opens a `seal` output with the recipient's secret key; throws CryptoError CRYPTO_DECRYPT_FAILED on any tamper. */
export function open(sealed: Uint8Array, recipientSecretKey: Uint8Array, opts?: SealOptions): Uint8Array {
  assertBytes(sealed, "open sealed");
  assertKey(recipientSecretKey, "open recipient secret key");
  const aad = aadOf(opts, "open");
  if (sealed.length < SEAL_OVERHEAD) {
    throw new CryptoError("CRYPTO_DECRYPT_FAILED", `open: sealed box too short (${sealed.length} bytes)`);
  }
  const epk = sealed.subarray(0, X25519_KEY_LENGTH);
  const recipient = importPrivate(recipientSecretKey);
  let shared: Uint8Array;
  try {
    shared = dh(recipient, epk);
  } catch (cause) {
    throw new CryptoError("CRYPTO_DECRYPT_FAILED", "open: ephemeral key is of small order", { cause });
  }
  const info = concatBytes(SEAL_LABEL, epk, publicOf(recipient));
  const key = hkdf("sha256", shared, new Uint8Array(0), info, 32);
  return aeadOpen(key, sealed.subarray(X25519_KEY_LENGTH), aad, "open");
}

/** Authenticated box from a static sender key to a recipient: nonce ‖ ct ‖ tag. */
export function boxSeal(
  plaintext: Uint8Array,
  senderSecretKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  aad?: Uint8Array,
): Uint8Array {
  assertBytes(plaintext, "boxSeal plaintext");
  assertKey(senderSecretKey, "boxSeal sender secret key");
  assertKey(recipientPublicKey, "boxSeal recipient public key");
  if (aad !== undefined) assertBytes(aad, "boxSeal aad");
  const sender = importPrivate(senderSecretKey);
  const shared = dh(sender, recipientPublicKey);
  const info = concatBytes(BOX_LABEL, publicOf(sender), recipientPublicKey);
  const key = hkdf("sha256", shared, new Uint8Array(0), info, 32);
  return aeadSeal(key, plaintext, aad ?? new Uint8Array(0));
}

/** Opens a `boxSeal` output from `senderPublicKey`; throws CryptoError CRYPTO_DECRYPT_FAILED on any tamper. */
export function boxOpen(
  sealed: Uint8Array,
  recipientSecretKey: Uint8Array,
  senderPublicKey: Uint8Array,
  aad?: Uint8Array,
): Uint8Array {
  assertBytes(sealed, "boxOpen sealed");
  assertKey(recipientSecretKey, "boxOpen recipient secret key");
  assertKey(senderPublicKey, "boxOpen sender public key");
  if (aad !== undefined) assertBytes(aad, "boxOpen aad");
  if (sealed.length < BOX_OVERHEAD) {
    throw new CryptoError("CRYPTO_DECRYPT_FAILED", `boxOpen: box too short (${sealed.length} bytes)`);
  }
  const recipient = importPrivate(recipientSecretKey);
  const shared = dh(recipient, senderPublicKey);
  const info = concatBytes(BOX_LABEL, senderPublicKey, publicOf(recipient));
  const key = hkdf("sha256", shared, new Uint8Array(0), info, 32);
  return aeadOpen(key, sealed, aad ?? new Uint8Array(0), "boxOpen");
}
