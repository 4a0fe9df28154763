/**
 * SM2 digital signatures (GB/T 32918.2-2016 = GM/T 0003.2-2012) over the recommended curve
 * sm2p256v1 (GB/T 32918.5), with SM3 and the signer's Z_A:
 *
 *   Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A),  e = SM3(Z_A ‖ M)
 *
 * with the default ID "1234567812345678" (ENTL = 0x0080) unless `createSm2({ id })` names another.
 * Public keys are 33-byte compressed points (02/03 ‖ x) and nothing else; signatures are 64 bytes
 * r ‖ s with 1 ≤ r, s < n. Signing draws k from the CSPRNG, as the standard prescribes.
 *
 * Implementation: @noble/curves' generic `weierstrass` with the curve parameters (noble has no SM2
 * curve), SM3 from node:crypto. The curve is a parameter so the standard's Annex A examples, which
 * use a different example curve, run as known-answer tests.
 *
 * WHY NOT OPENSSL FOR VERIFY (measured on Node 20.20 / OpenSSL 3.0, see test/unit/sm2.test.ts):
 * OpenSSL's SM2 verify would be ~10× faster, but through node:crypto it cannot be made to use the
 * default ID. Node 20 has no way to pass OpenSSL's `distid`, and OpenSSL 3.0 then computes Z with an
 * EMPTY ID (ENTL = 0). Since e = SM3(Z_empty ‖ data) is applied by OpenSSL, no choice of input
 * bytes yields SM3(Z_A ‖ M). Worse, a key made with `generateKeyPairSync("ec", {namedCurve: "SM2"})`
 * is an "ec" key, and `crypto.sign("sm3", …)` with it produces plain ECDSA-with-SM3, not SM2 at all.
 * So verification stays in JavaScript: a few hundred verifies per second per core (see the bench).
 */
import { type WeierstrassPoint, weierstrass } from "@noble/curves/abstract/weierstrass.js";
import {
  assertBytes,
  BytesKeyedLru,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  randomBytes,
} from "./bytes.js";
import { sm3 } from "./hash.js";
import type { SignatureScheme } from "./signature.js";

/** Short-Weierstrass curve parameters y² = x³ + ax + b over F_p with a prime-order base point (h = 1). */
export interface Sm2Curve {
  readonly name: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

/** The recommended SM2 curve (GB/T 32918.5-2017, OID 1.2.156.10197.1.301). */
export const SM2P256V1: Sm2Curve = Object.freeze({
  name: "sm2p256v1",
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** The default user ID of GM/T 0009 and GB/T 35276 (16 ASCII bytes, ENTL = 0x0080). */
export const SM2_DEFAULT_ID = "1234567812345678";

export const SM2_PUBLIC_KEY_LENGTH = 33;
export const SM2_SECRET_KEY_LENGTH = 32;
export const SM2_SIGNATURE_LENGTH = 64;
/** Decoded public keys (point and Z_A) kept per scheme instance. */
export const SM2_KEY_CACHE_SIZE = 1024;

export interface Sm2Options {
  /** Signer ID bound into Z_A: bytes, or a string taken as UTF-8. Default {@link SM2_DEFAULT_ID}. At most 8191 bytes. */
  id?: Uint8Array | string;
  /** Curve; default {@link SM2P256V1}. Other curves are for the standard's worked examples only. */
  curve?: Sm2Curve;
}

/** An SM2 signature scheme bound to one curve and one signer ID. */
export interface Sm2Scheme extends SignatureScheme {
  readonly name: "sm2";
  readonly curve: Sm2Curve;
  /** The signer ID in Z_A (a copy). */
  readonly id: Uint8Array;
  /** Z_A of a 33-byte compressed public key under this scheme's ID and curve. */
  za(publicKey: Uint8Array): Uint8Array;
}

interface Internals {
  signWithK(message: Uint8Array, secretKey: Uint8Array, k: bigint): Uint8Array;
}

const internals = new WeakMap<Sm2Scheme, Internals>();

function toIdBytes(id: Uint8Array | string | undefined): Uint8Array {
  const value = id ?? SM2_DEFAULT_ID;
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  assertBytes(bytes, "sm2 id");
  if (bytes.length > 8191)
    throw new RangeError(`sm2 id: at most 8191 bytes (ENTL is 16 bits), got ${bytes.length}`);
  return Uint8Array.from(bytes);
}

function assertCurve(curve: unknown): asserts curve is Sm2Curve {
  if (typeof curve !== "object" || curve === null) throw new TypeError("sm2 curve: expected an object");
  for (const k of ["p", "a", "b", "n", "Gx", "Gy"] as const) {
    if (typeof (curve as Record<string, unknown>)[k] !== "bigint")
      throw new TypeError(`sm2 curve: ${k} must be a bigint`);
  }
  const c = curve as Sm2Curve;
  if (c.p >> 256n !== 0n || c.n >> 256n !== 0n || c.p < 3n || c.n < 3n) {
    throw new RangeError("sm2 curve: p and n must be below 2^256");
  }
}

function mod(a: bigint, n: bigint): bigint {
  const r = a % n;
  return r < 0n ? r + n : r;
}

/** An SM2 scheme for another signer ID (or, for tests, another curve). `sm2` is `createSm2()`. */
export function createSm2(options: Sm2Options = {}): Sm2Scheme {
  if (typeof options !== "object" || options === null)
    throw new TypeError("createSm2: options must be an object");
  const curve = options.curve ?? SM2P256V1;
  assertCurve(curve);
  const id = toIdBytes(options.id);
  const { p, a, b, n, Gx, Gy } = curve;
  const Point = weierstrass({ p, n, h: 1n, a, b, Gx, Gy });
  const Fn = Point.Fn;
  const G = Point.BASE;
  const entl = new Uint8Array([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const zaPrefix = concatBytes(
    entl,
    id,
    bigIntToBytes(a, 32),
    bigIntToBytes(b, 32),
    bigIntToBytes(Gx, 32),
    bigIntToBytes(Gy, 32),
  );
  const pBytes = bigIntToBytes(p, 32);

  const zaOfPoint = (P: WeierstrassPoint<bigint>): Uint8Array => {
    const { x, y } = P.toAffine();
    return sm3(concatBytes(zaPrefix, bigIntToBytes(x, 32), bigIntToBytes(y, 32)));
  };

  /** Decodes a compressed key; undefined when malformed (wrong length or prefix, x ≥ p, not on the curve). */
  const decodePublicKey = (
    publicKey: Uint8Array,
  ): { P: WeierstrassPoint<bigint>; za: Uint8Array } | undefined => {
    if (publicKey.length !== SM2_PUBLIC_KEY_LENGTH) return undefined;
    if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return undefined;
    if (Buffer.compare(publicKey.subarray(1), pBytes) >= 0) return undefined;
    try {
      const P = Point.fromBytes(publicKey);
      P.assertValidity();
      if (P.is0()) return undefined;
      return { P, za: zaOfPoint(P) };
    } catch {
      return undefined;
    }
  };
  const cache = new BytesKeyedLru<{ P: WeierstrassPoint<bigint>; za: Uint8Array }>(SM2_KEY_CACHE_SIZE);

  /** d as a bigint after checking 32 bytes and 1 ≤ d ≤ n − 2 ((1 + d) must be invertible). */
  const secretScalar = (secretKey: unknown, label: string): bigint => {
    assertBytes(secretKey, label, SM2_SECRET_KEY_LENGTH);
    const d = bytesToBigInt(secretKey);
    if (d < 1n || d > n - 2n) throw new RangeError(`${label}: scalar must be in [1, n-2]`);
    return d;
  };

  const getPublicKey = (secretKey: Uint8Array): Uint8Array => {
    const d = secretScalar(secretKey, "sm2 secret key");
    return G.multiply(d).toBytes(true);
  };

  const keygen = (seed?: Uint8Array) => {
    if (seed !== undefined) {
      secretScalar(seed, "sm2.keygen seed");
      const secretKey = Uint8Array.from(seed);
      return { secretKey, publicKey: getPublicKey(secretKey) };
    }
    for (;;) {
      const secretKey = randomBytes(SM2_SECRET_KEY_LENGTH);
      const d = bytesToBigInt(secretKey);
      if (d >= 1n && d <= n - 2n) return { secretKey, publicKey: getPublicKey(secretKey) };
    }
  };

  /** GB/T 32918.2 §6.1 A1–A7 with a given k (1 ≤ k < n); undefined when k must be redrawn (A5/A6). */
  const signCore = (d: bigint, e: bigint, k: bigint): Uint8Array | undefined => {
    const x1 = G.multiply(k).toAffine().x;
    const r = mod(e + x1, n);
    if (r === 0n || r + k === n) return undefined;
    const s = Fn.mul(Fn.inv(Fn.create(1n + d)), mod(k - r * d, n));
    if (s === 0n) return undefined;
    return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  };

  const digestE = (za: Uint8Array, message: Uint8Array): bigint =>
    bytesToBigInt(sm3(concatBytes(za, message)));

  const sign = (message: Uint8Array, secretKey: Uint8Array): Uint8Array => {
    assertBytes(message, "sm2.sign message");
    const d = secretScalar(secretKey, "sm2 secret key");
    const e = digestE(zaOfPoint(G.multiply(d)), message);
    for (;;) {
      const k = bytesToBigInt(randomBytes(32));
      if (k < 1n || k >= n) continue;
      const sig = signCore(d, e, k);
      if (sig !== undefined) return sig;
    }
  };

  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean => {
    assertBytes(signature, "sm2.verify signature");
    assertBytes(message, "sm2.verify message");
    assertBytes(publicKey, "sm2.verify public key");
    if (signature.length !== SM2_SIGNATURE_LENGTH || publicKey.length !== SM2_PUBLIC_KEY_LENGTH) return false;
    const r = bytesToBigInt(signature.subarray(0, 32));
    const s = bytesToBigInt(signature.subarray(32, 64));
    if (r < 1n || r >= n || s < 1n || s >= n) return false; // B1, B2
    const key = cache.getOrCreate(publicKey, decodePublicKey);
    if (key === undefined) return false;
    const e = digestE(key.za, message); // B3, B4
    const t = mod(r + s, n); // B5
    if (t === 0n) return false;
    try {
      const X = G.mulAddUnsafe(s, key.P, t); // B6: (x1', y1') = [s]G + [t]P_A
      if (X.is0()) return false;
      return mod(e + X.toAffine().x, n) === r; // B7
    } catch {
      return false;
    }
  };

  const za = (publicKey: Uint8Array): Uint8Array => {
    assertBytes(publicKey, "sm2.za public key", SM2_PUBLIC_KEY_LENGTH);
    const key = decodePublicKey(publicKey);
    if (key === undefined) throw new RangeError("sm2.za public key: not a valid compressed point");
    return Uint8Array.from(key.za);
  };

  const scheme: Sm2Scheme = Object.freeze({
    name: "sm2" as const,
    curve,
    get id() {
      return Uint8Array.from(id);
    },
    secretKeyLength: SM2_SECRET_KEY_LENGTH,
    publicKeyLength: SM2_PUBLIC_KEY_LENGTH,
    signatureLength: SM2_SIGNATURE_LENGTH,
    keygen,
    getPublicKey,
    sign,
    verify,
    za,
  });
  internals.set(scheme, {
    signWithK(message, secretKey, k) {
      assertBytes(message, "sm2 message");
      const d = secretScalar(secretKey, "sm2 secret key");
      if (k < 1n || k >= n) throw new RangeError("sm2 k: must be in [1, n-1]");
      const sig = signCore(d, digestE(zaOfPoint(G.multiply(d)), message), k);
      if (sig === undefined) throw new RangeError("sm2 k: this k gives r = 0, r + k = n or s = 0");
      return sig;
    },
  });
  return scheme;
}

/** SM2 signatures on sm2p256v1 with the default ID "1234567812345678". */
export const sm2: Sm2Scheme = createSm2();

/**
 * @internal Known-answer tests only: signs with a caller-chosen k, as the standard's worked
 * examples do. Reusing or predicting k reveals the secret key; never use it otherwise.
 */
export function sm2SignWithK(
  scheme: Sm2Scheme,
  message: Uint8Array,
  secretKey: Uint8Array,
  k: bigint,
): Uint8Array {
  const impl = internals.get(scheme);
  if (impl === undefined) throw new TypeError("sm2SignWithK: not a scheme made by createSm2");
  return impl.signWithK(message, secretKey, k);
}
