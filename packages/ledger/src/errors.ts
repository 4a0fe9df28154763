/**
 * The coded base error of every Tandem package from the ledger up.
 *
 * The codes are wire values: the gateway and the relay return them to clients unchanged, so a code is
 * never renamed or reused for another meaning. Add new codes at the end of the group they belong to.
 */
export const LedgerErrorCode = {
  // Canonical decoding
  /** Input ended before a field was complete, or a declared length exceeds the remaining input. */
  DECODE_TRUNCATED: "DECODE_TRUNCATED",
  /** Bytes left over after a complete structure. */
  DECODE_TRAILING_BYTES: "DECODE_TRAILING_BYTES",
  /** A length or count not written in its shortest LEB128 form. */
  DECODE_NON_MINIMAL: "DECODE_NON_MINIMAL",
  /** An encoding that parses but is not the one canonical form (unsorted set, set unused bits, …). */
  DECODE_NON_CANONICAL: "DECODE_NON_CANONICAL",
  /** A tag, kind id or scheme id that is not registered. */
  DECODE_UNKNOWN_KIND: "DECODE_UNKNOWN_KIND",
  /** A number, length or count outside the range the field allows. */
  DECODE_OUT_OF_RANGE: "DECODE_OUT_OF_RANGE",
  /** Bytes that are not well-formed UTF-8 where a string is expected. */
  DECODE_INVALID_UTF8: "DECODE_INVALID_UTF8",
  /** A field whose value is structurally wrong (bad chain id, bad denom, wrong key length, …). */
  DECODE_INVALID_VALUE: "DECODE_INVALID_VALUE",

  // Encoding (building a structure to encode)
  /** A value handed to an encoder that no canonical encoding can represent. */
  ENCODE_INVALID_VALUE: "ENCODE_INVALID_VALUE",

  // Identifiers
  /** A string that is not a valid CAIP-2 / CAIP-10 / CAIP-19 identifier (or not a Tandem one). */
  CAIP_INVALID: "CAIP_INVALID",
  /** An asset denomination that is neither a CAIP-19 asset id nor a voucher path. */
  DENOM_INVALID: "DENOM_INVALID",

  // Transactions
  /** A signature that does not verify (or a scheme this verifier cannot check). */
  TX_BAD_SIGNATURE: "TX_BAD_SIGNATURE",
  /** A transaction kind name or id registered twice, or a kind registration that is malformed. */
  TX_KIND_CONFLICT: "TX_KIND_CONFLICT",
  /** A transaction kind name that is not registered. */
  TX_UNKNOWN_KIND: "TX_UNKNOWN_KIND",

  // Proofs, blocks and validator sets
  /** A Merkle or sparse-Merkle proof that does not prove the claim. */
  PROOF_INVALID: "PROOF_INVALID",
  /** A validator set that breaks an invariant (empty, duplicate, zero power, total power overflow). */
  VALIDATOR_SET_INVALID: "VALIDATOR_SET_INVALID",
  /** A commit that does not carry ≥ 2/3 of the validator power or whose signature does not verify. */
  COMMIT_INVALID: "COMMIT_INVALID",
  /** A block whose parts disagree with its header (tx root, last commit hash, heights). */
  BLOCK_INVALID: "BLOCK_INVALID",

  // Configuration
  /** Chain parameters that are not usable (unknown hash suite, …). */
  PARAMS_INVALID: "PARAMS_INVALID",

  // Sparse Merkle tree storage
  /** A node the tree needs is missing from its node store (pruned or never written). */
  SMT_MISSING_NODE: "SMT_MISSING_NODE",
} as const;

export type LedgerErrorCode = (typeof LedgerErrorCode)[keyof typeof LedgerErrorCode];

/** Structured context of a coded error; never holds secrets. */
export type LedgerErrorMeta = Record<string, unknown>;

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(LedgerErrorCode));

/** True for a code of {@link LedgerErrorCode}. */
export function isLedgerErrorCode(code: unknown): code is LedgerErrorCode {
  return typeof code === "string" && KNOWN_CODES.has(code);
}

/**
 * The one coded base error (`{code, ...meta}`). Packages above the ledger may subclass it with their own
 * codes (hence `code: string`), but every code the ledger throws is in {@link LedgerErrorCode}.
 */
export class LedgerError<M extends LedgerErrorMeta = LedgerErrorMeta> extends Error {
  readonly code: string;
  readonly meta: M;

  constructor(code: string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LedgerError";
    this.code = code;
    this.meta = meta ?? ({} as M);
  }

  /** `{code, message, ...meta}`: the shape the gateway and relay put on the wire. */
  toJSON(): { code: string; message: string } & M {
    return { ...this.meta, code: this.code, message: this.message };
  }
}

/** True when `e` is a {@link LedgerError}, optionally with the given code. */
export function isLedgerError(e: unknown, code?: string): e is LedgerError {
  return e instanceof LedgerError && (code === undefined || e.code === code);
}
