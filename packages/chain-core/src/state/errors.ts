/**
 * Codes of the state machine, used with {@link ChainCoreError}. Like every Tandem code they are wire
 * values (a tx result's `code`, the gateway's error body): never renamed, never reused.
 *
 * - {@link TxErrorCode}: why one transaction failed. The state machine records them in the tx's result
 *   (and the header's results root); the mempool returns the same codes to submitters.
 * - {@link StateErrorCode}: misuse of the state machine itself (thrown, never recorded in a block).
 */
import { ChainCoreError } from "../errors.js";

/** Why a transaction was refused or failed. `OK` ({@link TX_RESULT_OK}) is success. */
export const TxErrorCode = {
  /** Bytes that do not decode as a canonical transaction (or a payload of its kind). */
  MALFORMED: "TX_MALFORMED",
  /** The transaction names another chain (interop B16: no cross-chain replay). */
  WRONG_CHAIN: "TX_WRONG_CHAIN",
  /** `expiryHeight` is below the height of the block (0 means no expiry). */
  EXPIRED: "TX_EXPIRED",
  /** The signature does not verify against the sender key. */
  BAD_SIGNATURE: "TX_BAD_SIGNATURE",
  /** The nonce was already used by this sender (a replay or a stale tx). */
  NONCE_TOO_LOW: "TX_NONCE_TOO_LOW",
  /** The nonce is ahead of the sender's next nonce (a gap). */
  NONCE_TOO_HIGH: "TX_NONCE_TOO_HIGH",
  /** A kind that is registered in the codec but handled by no state module. */
  UNKNOWN_KIND: "TX_UNKNOWN_KIND",
  /** The sender holds less of the denom than the tx spends. */
  INSUFFICIENT_FUNDS: "TX_INSUFFICIENT_FUNDS",
  /** A denom this chain has never issued (no supply record). */
  UNKNOWN_DENOM: "TX_UNKNOWN_DENOM",
  /** A balance or supply would exceed 2^128 − 1. */
  AMOUNT_OVERFLOW: "TX_AMOUNT_OVERFLOW",
  /** A module failed in a way it did not classify (a bug); the tx's writes are rolled back. */
  INTERNAL: "TX_INTERNAL",
} as const;
export type TxErrorCode = (typeof TxErrorCode)[keyof typeof TxErrorCode];

/** Result codes of the validator-governance module. */
export const GovErrorCode = {
  /** The sender's account address is not a member of the current validator set. */
  NOT_VALIDATOR: "GOV_NOT_VALIDATOR",
  /** No pending proposal with that id (never made, applied, failed or expired). */
  UNKNOWN_PROPOSAL: "GOV_UNKNOWN_PROPOSAL",
  /** This validator already approved the proposal. */
  ALREADY_APPROVED: "GOV_ALREADY_APPROVED",
  /** The change cannot apply to the current set (unknown member, duplicate address or key, power). */
  INVALID_CHANGE: "GOV_INVALID_CHANGE",
  /** The change would leave the validator set empty. */
  EMPTY_SET: "GOV_EMPTY_SET",
  /** The BLS proof of possession of a new validator's key does not verify (rogue-key defence). */
  BAD_PROOF_OF_POSSESSION: "GOV_BAD_PROOF_OF_POSSESSION",
  /** Too many proposals pending at once. */
  TOO_MANY_PROPOSALS: "GOV_TOO_MANY_PROPOSALS",
} as const;
export type GovErrorCode = (typeof GovErrorCode)[keyof typeof GovErrorCode];

/** Misuse of the state machine (thrown to the caller, never a tx result). */
export const StateErrorCode = {
  /** `executeBlock` for a height other than the last committed height + 1. */
  HEIGHT_MISMATCH: "STATE_HEIGHT_MISMATCH",
  /** The store holds no genesis state yet. */
  NOT_INITIALIZED: "STATE_NOT_INITIALIZED",
  /** `initGenesis` on a store that already holds state. */
  ALREADY_INITIALIZED: "STATE_ALREADY_INITIALIZED",
  /** A genesis document that cannot be applied (bad validators, balances, chain id). */
  GENESIS_INVALID: "STATE_GENESIS_INVALID",
  /** A height whose state is not (or no longer) in the store. */
  HEIGHT_UNAVAILABLE: "STATE_HEIGHT_UNAVAILABLE",
  /** Stored state that does not decode: the store is corrupt. */
  CORRUPT: "STATE_CORRUPT",
  /** Modules whose kinds clash, or a module that is malformed. */
  MODULE_CONFLICT: "STATE_MODULE_CONFLICT",
  /** A block input that is not usable (bad height, time, proposer, too many txs). */
  BLOCK_INVALID: "STATE_BLOCK_INVALID",
} as const;
export type StateErrorCode = (typeof StateErrorCode)[keyof typeof StateErrorCode];

/**
 * Error a module throws to fail the current transaction with `code` (any `[A-Z][A-Z0-9_]{0,63}` code;
 * a {@link ChainCoreError} or ledger `LedgerError` works the same way). Its writes are rolled back.
 */
export function txError(code: string, message: string, meta?: Record<string, unknown>): ChainCoreError {
  return new ChainCoreError(code, message, meta);
}

export function stateError(
  code: StateErrorCode,
  message: string,
  meta?: Record<string, unknown>,
): ChainCoreError {
  return new ChainCoreError(code, message, meta);
}
