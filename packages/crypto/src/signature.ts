/** Signature schemes usable in Tandem transactions. */
export type SchemeName = "ed25519" | "secp256k1" | "sm2";

/**
 * One signature scheme behind one shape. Keys and signatures are fixed-length byte strings;
 * `verify` returns false for any bad signature, key or length, and never throws on bytes input.
 */
export interface SignatureScheme {
  readonly name: SchemeName;
  readonly secretKeyLength: number;
  readonly publicKeyLength: number;
  readonly signatureLength: number;
  /** A fresh key pair from the CSPRNG, or a deterministic one from a secret-key-length seed. */
  keygen(seed?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}
