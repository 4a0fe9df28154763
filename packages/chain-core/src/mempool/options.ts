import type { HashName, SignedTx, TxKindRegistry } from "@tandem/ledger";
import type { Logger } from "../logger.js";

/** Options of a {@link Mempool} (plain data). */
export interface MempoolOptions {
  /** CAIP-2 id of the chain; txs for another chain are TX_WRONG_CHAIN. */
  chainId: string;
  /** Hash suite of the chain (default "sha256"). */
  hashSuite?: HashName;
  /** Most txs held, pending and queued together (default 10_000). */
  maxTxs?: number;
  /** Most bytes held (default 32 MiB). */
  maxBytes?: number;
  /** Largest tx accepted (default the ledger's MAX_TX_BYTES). */
  maxTxBytes?: number;
  /**
   * Most txs of one sender (default 64); also how far ahead of its committed nonce a sender may go
   * (nonce ≥ committed + maxPerSender is TX_NONCE_TOO_HIGH).
   */
  maxPerSender?: number;
  /** Most gapped ("future") txs of one sender waiting for a missing nonce (default 16). */
  maxQueuedPerSender?: number;
  /**
   * Worker threads verifying ed25519 signatures (default 2; 0 = verify on the calling thread). They
   * start on the first batch of at least `workerBatchMin` txs.
   */
  verifyWorkers?: number;
  /** Smaller batches are verified inline, without a thread hop (default 16). */
  workerBatchMin?: number;
  /** Most txs verified in one batch (default 512). */
  maxBatch?: number;
}

export const defaultMempoolOptions = {
  hashSuite: "sha256" as HashName,
  maxTxs: 10_000,
  maxBytes: 32 * 1024 * 1024,
  maxPerSender: 64,
  maxQueuedPerSender: 16,
  verifyWorkers: 2,
  workerBatchMin: 16,
  maxBatch: 512,
} as const;

/** The committed state the mempool checks nonces and expiry against (a {@link StateMachine} fits). */
export interface MempoolStateView {
  /** The last committed height. */
  readonly height: number;
  /** A sender account's next nonce at the last committed height. */
  nextNonce(address: Uint8Array): number;
  /** Whether a state module executes this kind (optional; without it every registered kind is accepted). */
  handlesKind?(kind: string): boolean;
}

/** What a {@link Mempool} is built from. */
export interface MempoolModules {
  state: MempoolStateView;
  /** The tx kind registry (default: the ledger's process-wide registry). */
  registry?: TxKindRegistry;
  logger?: Logger;
  /** Verifies SM9 signatures (needs the identity registry); without it SM9 txs are TX_BAD_SIGNATURE. */
  verifySm9?: (tx: SignedTx, signBytes: Uint8Array) => boolean;
}
