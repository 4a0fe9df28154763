/**
 * @tandem/sm9 — SM9 identity-based cryptography (GM/T 0044-2016 / GB/T 38635): digital signature, key
 * exchange, key encapsulation and public-key encryption over the BN curve sm9p256v1, byte-for-byte
 * conformant with the standard's annex examples.
 *
 * Encodings: G1 points 04||x||y (65 bytes), G2 points 04||x1||x0||y1||y0 (129 bytes), GT elements 384 bytes
 * in the standard's order, ciphertexts C1||C3||C2 with C1 = x||y (64 bytes). Lengths (klen) are in bytes.
 */
import { fastBackend } from "./fast/backend.js";
import { createSm9 } from "./scheme.js";

const sm9 = createSm9(fastBackend);

export const signMasterKey = sm9.signMasterKey;
export const signUserKey = sm9.signUserKey;
export const sign = sm9.sign;
export const verify = sm9.verify;
export const encryptMasterKey = sm9.encryptMasterKey;
export const encryptUserKey = sm9.encryptUserKey;
export const encapsulate = sm9.encapsulate;
export const decapsulate = sm9.decapsulate;
export const encrypt = sm9.encrypt;
export const decrypt = sm9.decrypt;
export const exchangeUserKey = sm9.exchangeUserKey;
export const exchangeInitiate = sm9.exchangeInitiate;
export const exchangeRespond = sm9.exchangeRespond;
export const exchangeComplete = sm9.exchangeComplete;
export const pairing = sm9.pairing;

export { type Sm9Signature, signatureFromDer, signatureToDer } from "./der.js";
export { isSm9Error, Sm9Error, Sm9ErrorCode } from "./errors.js";
/** Empties the per-key caches (validated G2 points, g = e(.,.) per master key, Miller lines per user key). */
export { clearCaches as clearSm9Caches } from "./fast/backend.js";
export { G1_BYTES, G2_BYTES, GT_BYTES, HID_ENCRYPT, HID_EXCHANGE, HID_SIGN, N, P } from "./params.js";
export type {
  EncryptionMode,
  ExchangeCompleteParams,
  ExchangeCompleteResult,
  ExchangeRespondParams,
  ExchangeRespondResult,
  MasterKeyPair,
  Signature,
} from "./scheme.js";
