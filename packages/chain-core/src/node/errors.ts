/**
 * Codes of the chain node (block store, block validity, sync, network). Like every Tandem code they are
 * wire values: never renamed, never reused. They travel in a {@link ChainCoreError}.
 */
import { ChainCoreError } from "../errors.js";

export const NodeErrorCode = {
  /** The node was closed (or crashed) and takes no more requests. */
  NODE_CLOSED: "NODE_CLOSED",
  /** No block, commit or tx with that height or hash is stored. */
  NODE_NOT_FOUND: "NODE_NOT_FOUND",
  /** The store belongs to another chain or another genesis than the node's options. */
  NODE_GENESIS_MISMATCH: "NODE_GENESIS_MISMATCH",
  /** A stored block-store record does not decode or contradicts another: the store is corrupt. */
  BLOCK_STORE_CORRUPT: "BLOCK_STORE_CORRUPT",
  /**
   * A decided block whose header disagrees with this node's own execution (state root, results root,
   * next validators): non-determinism or a faulty supermajority. The node stops rather than diverge.
   */
  NODE_EXECUTION_MISMATCH: "NODE_EXECUTION_MISMATCH",
  /** A block that breaks a validity rule (`meta.reason` says which). */
  BLOCK_INVALID: "BLOCK_INVALID",
  /** Sync: a block or commit of another chain (chain id, or a header chain that does not link). */
  SYNC_WRONG_CHAIN: "SYNC_WRONG_CHAIN",
  /** Sync: a header that does not fit the node's chain (height, validators hash, last commit hash …). */
  SYNC_HEADER_MISMATCH: "SYNC_HEADER_MISMATCH",
  /** Sync: a commit that does not verify against the validator set of its height. */
  SYNC_COMMIT_INVALID: "SYNC_COMMIT_INVALID",
  /** Sync: a block whose execution does not give the header's state root, results root or next set. */
  SYNC_STATE_MISMATCH: "SYNC_STATE_MISMATCH",
  /** Sync: a response that does not decode, or more items than asked for. */
  SYNC_MALFORMED: "SYNC_MALFORMED",
  /** Network: the peer is unknown, down or partitioned away. */
  NETWORK_UNREACHABLE: "NETWORK_UNREACHABLE",
  /** Network: no response within the request timeout. */
  NETWORK_TIMEOUT: "NETWORK_TIMEOUT",
} as const;

export type NodeErrorCode = (typeof NodeErrorCode)[keyof typeof NodeErrorCode];

export function nodeError(
  code: NodeErrorCode,
  message: string,
  meta?: Record<string, unknown>,
  options?: { cause?: unknown },
): ChainCoreError {
  return new ChainCoreError(code, message, meta, options);
}
