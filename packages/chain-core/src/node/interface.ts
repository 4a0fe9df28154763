/**
 * Ports, events and query results of the chain node.
 */
import type { BlockHeader, Commit, MerkleProof, TxKindRegistry } from "@tandem/ledger";
import type { Clock } from "../consensus/interface.js";
import type { VoteSigner, VoteVerifier } from "../consensus/signer.js";
import type { Failpoints } from "../failpoints.js";
import type { Logger } from "../logger.js";
import type { PeerNetwork } from "../network/interface.js";
import type { StateEvent, StateModule, StateProof } from "../state/interface.js";
import type { KvStore } from "../store/interface.js";

/** What a {@link ChainNode} is built from. The caller owns these (the node never closes the store). */
export interface ChainNodePorts {
  store: KvStore;
  network: PeerNetwork;
  /** Wall time by default; the simulator passes virtual time. */
  clock?: Clock;
  logger?: Logger;
  /** The validator key; without it the node follows the chain (full node) and never votes. */
  signer?: VoteSigner;
  /** Consensus signature checks (default: BLS12-381, {@link BlsVoteVerifier}). */
  verifier?: VoteVerifier;
  failpoints?: Failpoints;
  /** State modules (default: bank, validator governance, evidence). */
  stateModules?: readonly StateModule[];
  registry?: TxKindRegistry;
  /**
   * The operator's Ed25519 secret key (32 bytes): the node signs evidence txs with it when its consensus
   * engine catches a validator equivocating. Without it, evidence is only logged.
   */
  operatorKey?: Uint8Array;
  /** Called once when the node stops on a crash (a failpoint) or an unexpected error. */
  onFatal?: (error: unknown) => void;
}

/** Where the node is. */
export type ChainNodeMode = "starting" | "syncing" | "consensus" | "stopped" | "crashed";

/** The outcome of one tx as stored. */
export interface TxResultView {
  readonly code: string;
  readonly data: Uint8Array;
  readonly gasUsed: number;
  readonly events: readonly StateEvent[];
}

/** A committed block, for the apps to publish (JetStream msg id = height). */
export interface CommittedBlockEvent {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
  readonly commit: Commit;
  readonly txHashes: readonly Uint8Array[];
  readonly results: readonly TxResultView[];
  /** Events of the block's begin/end hooks (e.g. validator-set changes). */
  readonly events: readonly StateEvent[];
}

/** One committed tx's result. */
export interface TxResultEvent {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly index: number;
  readonly blockHash: Uint8Array;
  readonly result: TxResultView;
}

export interface ChainNodeEventMap {
  block: CommittedBlockEvent;
  tx: TxResultEvent;
}

/** A committed tx with its inclusion proofs. */
export interface TxLookup {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly index: number;
  /** Canonical tx bytes (the Merkle leaf of the tx root). */
  readonly tx: Uint8Array;
  readonly blockHash: Uint8Array;
  readonly header: BlockHeader;
  readonly result: TxResultView;
  /** RFC 6962 inclusion proof of `tx` against `header.txRoot`. */
  readonly proof: MerkleProof;
  /** Inclusion proof of the canonical {code, data} result against `header.resultsRoot`. */
  readonly resultProof: MerkleProof;
}

/** An account at a committed height, with the state proof of its nonce record. */
export interface AccountView {
  readonly address: Uint8Array;
  readonly height: number;
  readonly stateRoot: Uint8Array;
  readonly nonce: number;
  /** Proof of `acct/<address>` (membership, or non-membership for an unused account). */
  readonly proof: StateProof;
}

/** A balance at a committed height, with its state proof. */
export interface BalanceView {
  readonly address: Uint8Array;
  readonly denom: string;
  readonly height: number;
  readonly amount: bigint;
  readonly proof: StateProof;
}

export interface ChainNodeStats {
  blocksCommitted: number;
  blocksSynced: number;
  syncRejected: number;
  syncRounds: number;
  proposalsBuilt: number;
  proposalsRejected: number;
  lastCommitsVerified: number;
  lastCommitsFromVotes: number;
  evidenceSubmitted: number;
  txsGossiped: number;
  txsReceived: number;
}
