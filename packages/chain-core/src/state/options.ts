import type { HashName, SignedTx, TxKindRegistry } from "@tandem/ledger";
import type { Logger } from "../logger.js";
import type { KvStore } from "../store/interface.js";
import type { StateAccess, StateModule } from "./interface.js";

/** Options of a {@link StateMachine} (plain data). */
export interface StateMachineOptions {
  /** CAIP-2 id of the chain; a tx naming another chain fails with TX_WRONG_CHAIN. */
  chainId: string;
  /** Hash suite of the chain (default "sha256"). */
  hashSuite?: HashName;
  /** Sparse-Merkle nodes kept in memory, as 97-byte records (default 200_000, about 19 MB). */
  nodeCacheSize?: number;
  /** Most txs in one block (default 100_000, the ledger's MAX_BLOCK_TXS). */
  maxBlockTxs?: number;
}

export const defaultStateMachineOptions = {
  hashSuite: "sha256" as HashName,
  nodeCacheSize: 200_000,
  maxBlockTxs: 100_000,
} as const;

/** What a {@link StateMachine} is built from. */
export interface StateMachineModules {
  /** Where state is read from; the state machine never writes it except through {@link StateMachine.commit}. */
  store: KvStore;
  /** The state modules, in execution order of their hooks (default: bank + validator governance). */
  stateModules?: readonly StateModule[];
  /** The tx kind registry (default: the ledger's process-wide registry). */
  registry?: TxKindRegistry;
  logger?: Logger;
  /**
   * Verifies an SM9 transaction signature against the sender's SM9 parameters in state (supplied by the
   * identity module). Without it, SM9 transactions fail with TX_BAD_SIGNATURE.
   */
  verifySm9?: (tx: SignedTx, signBytes: Uint8Array, state: StateAccess) => boolean;
}
