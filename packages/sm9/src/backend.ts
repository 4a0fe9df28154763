/**
 * What the SM9 schemes need from the group arithmetic. Two implementations exist: `naive/` (textbook, the
 * reference) and `fast/` (the one the public API uses). Both must produce identical bytes.
 *
 * Points and GT elements are opaque to the schemes; scalars are bigints in [0, N).
 */
export interface GtPowBase<GT> {
  /** The base element itself. */
  readonly value: GT;
  /** value^k for 0 <= k < N. */
  pow(k: bigint): GT;
}

export interface Sm9Backend<G1, G2, GT> {
  readonly name: string;

  /** Strict decoding of 04||x||y (65 bytes): on E, not infinity (G1 has cofactor 1). Throws SM9_BAD_POINT. */
  g1Decode(bytes: Uint8Array): G1;
  /** 04||x||y; throws SM9_BAD_POINT for the point at infinity. */
  g1Encode(p: G1): Uint8Array;
  g1IsZero(p: G1): boolean;
  g1Add(a: G1, b: G1): G1;
  /** [k]P1. */
  g1MulGen(k: bigint): G1;
  /** [k]p. */
  g1Mul(p: G1, k: bigint): G1;
  /** [k]p for a long-lived point p (a user's signing key, a master public key) named by its bytes. */
  g1MulKey(p: G1, k: bigint, keyBytes: Uint8Array): G1;

  /** Strict decoding of 04||x1||x0||y1||y0 (129 bytes): on E', not infinity, in the order-N subgroup. */
  g2Decode(bytes: Uint8Array): G2;
  g2Encode(q: G2): Uint8Array;
  g2IsZero(q: G2): boolean;
  g2Add(a: G2, b: G2): G2;
  /** [k]P2. */
  g2MulGen(k: bigint): G2;

  /** The R-ate pairing e(p, q) (exact final exponentiation). */
  pairing(p: G1, q: G2): GT;
  /**
   * e(p, q) where q is a long-lived key (a user's encryption or exchange key): a backend may cache per-q
   * precomputation under `qBytes`. Same value as `pairing`.
   */
  pairingWithKey(p: G1, q: G2, qBytes: Uint8Array): GT;
  gtMul(a: GT, b: GT): GT;
  /** a^k for an element of the order-N group GT. */
  gtPow(a: GT, k: bigint): GT;
  /** 384 bytes in the standard's order. */
  gtEncode(a: GT): Uint8Array;
  gtDecode(bytes: Uint8Array): GT;

  /**
   * The value a verifier hashes: w' = u * t with u = e(S, [H1(ID||hid)]P2 + Ppub-s) and t = e(P1, Ppub-s)^h.
   * A backend may compute it another way with the same value (by bilinearity) and cache per signer.
   */
  signVerifyValue(s: G1, h: bigint, id: Uint8Array, hid: number, mpk: G2, mpkBytes: Uint8Array): GT;
  /** g = e(P1, Ppub-s) for a signature master public key (cacheable per key). */
  signBase(mpk: G2, mpkBytes: Uint8Array): GtPowBase<GT>;
  /** g = e(Ppub-e, P2) for an encryption / exchange master public key (cacheable per key). */
  encBase(mpk: G1, mpkBytes: Uint8Array): GtPowBase<GT>;
}

// biome-ignore lint/suspicious/noExplicitAny: a backend of any point representation.
export type AnyBackend = Sm9Backend<any, any, any>;
