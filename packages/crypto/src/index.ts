export {
  assertBytes,
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  bytesToUtf8,
  compareBytes,
  concatBytes,
  equalBytes,
  hexToBytes,
  randomBytes,
  utf8ToBytes,
} from "./bytes.js";
export { type HashFn, type HashName, hashFn, sha256, sha256Portable, sm3 } from "./hash.js";
export type { SchemeName, SignatureScheme } from "./signature.js";
