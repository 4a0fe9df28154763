export {
  BLS_POP_DST,
  BLS_SIGN_DST,
  type Bls,
  BlsError,
  type BlsErrorCode,
  type BlsPublicKeyInput,
  bls,
  initBls,
  type PreparedPublicKey,
} from "./bls.js";
export {
  BOX_OVERHEAD,
  boxOpen,
  boxSeal,
  open,
  SEAL_OVERHEAD,
  type SealOptions,
  seal,
  X25519_KEY_LENGTH,
  x25519Keygen,
  x25519PublicKey,
  x25519SharedSecret,
} from "./box.js";
export {
  assertBytes,
  BytesKeyedLru,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  bytesToUtf8,
  CryptoError,
  type CryptoErrorCode,
  compareBytes,
  concatBytes,
  equalBytes,
  hexToBytes,
  randomBytes,
  utf8ToBytes,
} from "./bytes.js";
export {
  clearEd25519KeyCache,
  ED25519_KEY_CACHE_SIZE,
  ed25519,
  ed25519Portable,
  isValidEd25519PublicKey,
} from "./ed25519.js";
export { type HashFn, type HashName, hashFn, hashFnPortable, sha256, sha256Portable, sm3 } from "./hash.js";
export { hkdf, hkdfExpand, hkdfExtract, hmac } from "./hmac.js";
export { clearSecp256k1KeyCache, secp256k1, secp256k1Portable } from "./secp256k1.js";
export type { SchemeName, SignatureScheme } from "./signature.js";
export {
  createSm2,
  SM2_DEFAULT_ID,
  SM2P256V1,
  type Sm2Curve,
  type Sm2Options,
  type Sm2Scheme,
  sm2,
} from "./sm2.js";
export { sm3Portable } from "./sm3.js";
export {
  SM4_BLOCK_BYTES,
  SM4_KEY_BYTES,
  Sm4,
  type Sm4ModeOptions,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  sm4KeySchedule,
} from "./sm4.js";
