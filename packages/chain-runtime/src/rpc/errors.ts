/**
 * Codes of the chain's NATS RPC (wire values: never renamed or reused). Errors of the node itself
 * (mempool admission, state heights) keep their own packages' codes; these cover the RPC layer and the
 * lookups it adds.
 */
import { LedgerError } from "@tandem/ledger";

export const RpcErrorCode = {
  /** The request is not JSON or does not match the method's schema; `meta.issues` lists `{path, message}`. */
  BAD_REQUEST: "RPC_BAD_REQUEST",
  /** No such method. */
  UNKNOWN_METHOD: "RPC_UNKNOWN_METHOD",
  /** The handler failed unexpectedly (details are in the node's log, not on the wire). */
  INTERNAL: "RPC_INTERNAL",
  /** Client side: no reply within the timeout. */
  TIMEOUT: "RPC_TIMEOUT",
  /** Client side: nobody serves the subject (the node is down or does not serve RPC). */
  NO_RESPONDERS: "RPC_NO_RESPONDERS",
  /** Client side: the connection is closed, draining or otherwise unusable. */
  CONNECTION: "RPC_CONNECTION",
  /** Client side: a reply that is not a valid envelope. */
  BAD_REPLY: "RPC_BAD_REPLY",
  /** An account (or other id) of another chain than the node's. */
  WRONG_CHAIN: "RPC_WRONG_CHAIN",
  /** No block stored at that height or with that hash. */
  BLOCK_NOT_FOUND: "BLOCK_NOT_FOUND",
  /** No committed tx with that hash. */
  TX_NOT_FOUND: "TX_NOT_FOUND",
  /** A height the node holds no state or validator set for (in the future, or before genesis). */
  HEIGHT_UNAVAILABLE: "RPC_HEIGHT_UNAVAILABLE",
} as const;

export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** A coded RPC error; what {@link ChainRpcClient} throws for an error reply (with the reply's code). */
export class RpcError<M extends Record<string, unknown> = Record<string, unknown>> extends LedgerError<M> {
  constructor(code: RpcErrorCode | string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(code, message, meta, options);
    this.name = "RpcError";
  }
}

export function rpcError(code: RpcErrorCode, message: string, meta?: Record<string, unknown>): RpcError {
  return new RpcError(code, message, meta);
}
