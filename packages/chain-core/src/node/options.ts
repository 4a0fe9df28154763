import type { HashName } from "@tandem/ledger";
import type { ConsensusOptions } from "../consensus/options.js";
import type { MempoolOptions } from "../mempool/options.js";
import type { Genesis } from "../state/interface.js";

/** How blocks are made and judged. */
export interface BlockOptions {
  /** Most txs a proposer puts in a block (default 10_000). */
  maxTxs?: number;
  /** Most tx bytes a proposer puts in a block (default 8 MiB). */
  maxBytes?: number;
  /** A proposer waits until this long after the previous block's time (default 0). */
  minIntervalMs?: number;
  /**
   * With an empty mempool, a proposer waits up to this long for txs before proposing an empty block
   * (default 1000; keep it well below the propose timeout). 0 = propose empty blocks at once.
   */
  emptyBlockWaitMs?: number;
  /** A proposal whose time is further ahead of the local clock is invalid (default 10_000). */
  maxFutureDriftMs?: number;
  /** Verdicts on proposals kept per height (default 64). */
  maxCachedProposals?: number;
}

export const defaultBlockOptions: Required<BlockOptions> = {
  maxTxs: 10_000,
  maxBytes: 8 * 1024 * 1024,
  minIntervalMs: 0,
  emptyBlockWaitMs: 1000,
  maxFutureDriftMs: 10_000,
  maxCachedProposals: 64,
};

/** Block sync (catch-up from peers). */
export interface SyncOptions {
  /** Blocks asked for per request (default 100, at most 1000). */
  batchSize?: number;
  /** Most blocks served per request (default 100). */
  maxServe?: number;
  /** Most bytes served per request (default 16 MiB; at least one block is always served). */
  maxServeBytes?: number;
  /** A peer that served an invalid block is not asked again for this long (default 30_000 ms). */
  peerBackoffMs?: number;
  /** Leave consensus and sync when a peer reports a height this far ahead (default 4). */
  lagThreshold?: number;
}

export const defaultSyncOptions: Required<SyncOptions> = {
  batchSize: 100,
  maxServe: 100,
  maxServeBytes: 16 * 1024 * 1024,
  peerBackoffMs: 30_000,
  lagThreshold: 4,
};

/** Tx gossip: txs admitted through this node are sent to peers in batches. */
export interface TxGossipOptions {
  /** Most txs per gossip message (default 512). */
  maxBatch?: number;
  /** A non-full batch leaves after this long (default 10 ms). */
  flushIntervalMs?: number;
  /** A client tx still pending this long after it was sent is sent again (default 5000; 0 = never). */
  regossipAfterMs?: number;
  /** Most txs re-sent per re-gossip tick (default 1024). */
  regossipMax?: number;
}

export const defaultTxGossipOptions: Required<TxGossipOptions> = {
  maxBatch: 512,
  flushIntervalMs: 10,
  regossipAfterMs: 5000,
  regossipMax: 1024,
};

/** Options of a {@link ChainNode} (plain data; a chain profile is one of these). */
export interface ChainNodeOptions {
  /** The genesis document; its chain id is the node's. */
  genesis: Genesis;
  /** Hash suite of the chain (default "sha256"). */
  hashSuite?: HashName;
  consensus?: Partial<ConsensusOptions>;
  /** Consensus status/rebroadcast period (default the engine's 1000 ms). */
  gossipIntervalMs?: number;
  /** Consensus WAL records buffered before a flush (default the engine's). */
  walFlushEvery?: number;
  mempool?: Omit<MempoolOptions, "chainId" | "hashSuite">;
  /** Sparse-Merkle nodes cached in memory (default the state machine's). */
  stateNodeCacheSize?: number;
  block?: BlockOptions;
  sync?: SyncOptions;
  txGossip?: TxGossipOptions;
}
