/**
 * The coded error of chain-core: a subclass of @tandem/ledger's `LedgerError` (`{code, message, meta}`),
 * so the gateway's and relay's one filter maps both. The codes are wire values: never renamed or reused.
 */
import { LedgerError } from "@tandem/ledger";

export const ChainCoreErrorCode = {
  /** A store key or value of the wrong type or length, or a malformed write batch. */
  STORE_INVALID_ARGUMENT: "STORE_INVALID_ARGUMENT",
  /** An operation on a store that was closed. */
  STORE_CLOSED: "STORE_CLOSED",
  /** Bytes that do not decode as the structure expected (truncated, trailing, unknown tag, out of range). */
  CODEC_MALFORMED: "CODEC_MALFORMED",
  /** A consensus WAL record whose checksum does not match: the node refuses to start on it. */
  WAL_CORRUPT: "WAL_CORRUPT",
  /** The double-sign guard refused to sign: the message conflicts with what this key already signed. */
  DOUBLE_SIGN_REFUSED: "DOUBLE_SIGN_REFUSED",
  /** A validator set that breaks an invariant (empty, duplicate key, bad power, total power overflow). */
  VALIDATOR_SET_INVALID: "VALIDATOR_SET_INVALID",
  /** A vote, proposal or commit that is structurally wrong (bad type, negative round, nil precommit …). */
  CONSENSUS_INVALID_MESSAGE: "CONSENSUS_INVALID_MESSAGE",
  /** A commit that does not verify; `meta.reason` carries the {@link CommitErrorCode}. */
  COMMIT_INVALID: "COMMIT_INVALID",
  /** Options that are not usable (negative timeout, unknown failpoint …). */
  OPTIONS_INVALID: "OPTIONS_INVALID",
} as const;

export type ChainCoreErrorCode = (typeof ChainCoreErrorCode)[keyof typeof ChainCoreErrorCode];

export type ChainCoreErrorMeta = Record<string, unknown>;

export class ChainCoreError<M extends ChainCoreErrorMeta = ChainCoreErrorMeta> extends LedgerError<M> {
  constructor(code: ChainCoreErrorCode | string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(code, message, meta, options);
    this.name = "ChainCoreError";
  }
}

/** True when `e` is a {@link ChainCoreError}, optionally with the given code. */
export function isChainCoreError(e: unknown, code?: string): e is ChainCoreError {
  return e instanceof ChainCoreError && (code === undefined || e.code === code);
}
