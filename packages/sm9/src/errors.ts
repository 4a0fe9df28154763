/**
 * Coded errors of @tandem/sm9. Wrong types and lengths of inputs are TypeError / RangeError (house style);
 * everything the caller cannot tell from types and lengths alone is an {@link Sm9Error} with a stable code.
 */
export const Sm9ErrorCode = {
  /** A point encoding that is malformed, off the curve, the point at infinity or outside the order-N subgroup. */
  BAD_POINT: "SM9_BAD_POINT",
  /** A scalar (master secret, random r) outside [1, N-1], or a given r that yields a degenerate result. */
  BAD_SCALAR: "SM9_BAD_SCALAR",
  /** H1(ID||hid) + master secret = 0 mod N: this master key cannot issue a key for this identity. */
  KEY_EXTRACTION_FAILED: "SM9_KEY_EXTRACTION_FAILED",
  /** A ciphertext (or encapsulation) that does not decrypt: bad C1, wrong C3, bad padding, all-zero key. */
  DECRYPT_FAILED: "SM9_DECRYPT_FAILED",
  /** The key-exchange confirmation value of the peer does not check. */
  KEY_CONFIRMATION_FAILED: "SM9_KEY_CONFIRMATION_FAILED",
  /** A DER signature that is not exactly SEQUENCE { OCTET STRING(32), BIT STRING(0 unused, 65 bytes) }. */
  BAD_DER: "SM9_BAD_DER",
} as const;

export type Sm9ErrorCode = (typeof Sm9ErrorCode)[keyof typeof Sm9ErrorCode];

export class Sm9Error extends Error {
  readonly code: Sm9ErrorCode;

  constructor(code: Sm9ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Sm9Error";
    this.code = code;
  }
}

/** True when `e` is an {@link Sm9Error}, optionally with the given code. */
export function isSm9Error(e: unknown, code?: Sm9ErrorCode): e is Sm9Error {
  return e instanceof Sm9Error && (code === undefined || e.code === code);
}
