/**
 * Codes the mempool returns to a submitter (wire values, never renamed or reused). The tx-level codes
 * are the state machine's ({@link TxErrorCode}), so a client sees one vocabulary whether a tx was
 * refused at the door or failed in a block.
 */
import { ChainCoreError } from "../errors.js";
import { TxErrorCode } from "../state/errors.js";

export const MempoolErrorCode = {
  /** The pool holds its maximum number of txs or bytes. Retry later. */
  FULL: "MEMPOOL_FULL",
  /** The sender holds its maximum number of txs (or of gapped future txs) in the pool. */
  SENDER_LIMIT: "MEMPOOL_SENDER_LIMIT",
  /** The mempool was closed. */
  CLOSED: "MEMPOOL_CLOSED",
  /** The same tx (same hash) is already in the pool or being checked. */
  DUPLICATE: "TX_DUPLICATE",
  /** Another tx of the sender with the same nonce is already in the pool (no replacement). */
  NONCE_CONFLICT: "TX_NONCE_CONFLICT",
  /** The tx is larger than the pool accepts. */
  TOO_LARGE: "TX_TOO_LARGE",
  MALFORMED: TxErrorCode.MALFORMED,
  WRONG_CHAIN: TxErrorCode.WRONG_CHAIN,
  EXPIRED: TxErrorCode.EXPIRED,
  BAD_SIGNATURE: TxErrorCode.BAD_SIGNATURE,
  /** The nonce is below the sender's committed next nonce (a replay of a committed tx, or stale). */
  NONCE_TOO_LOW: TxErrorCode.NONCE_TOO_LOW,
  /** The nonce is further ahead of the committed next nonce than the sender may queue. */
  NONCE_TOO_HIGH: TxErrorCode.NONCE_TOO_HIGH,
  UNKNOWN_KIND: TxErrorCode.UNKNOWN_KIND,
} as const;
export type MempoolErrorCode = (typeof MempoolErrorCode)[keyof typeof MempoolErrorCode];

export function mempoolError(
  code: MempoolErrorCode,
  message: string,
  meta?: Record<string, unknown>,
): ChainCoreError {
  return new ChainCoreError(code, message, meta);
}
