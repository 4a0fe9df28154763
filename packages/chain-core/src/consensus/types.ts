import type { Commit } from "@tandem/ledger";

/**
 * Consensus data types. Heights start at 1; rounds at 0; `validRound` −1 means "none".
 * Validator indices refer to the height's validator set in the ledger's order (address ascending).
 */

/**
 * What consensus agrees on. Opaque to consensus: only `hash` is compared and signed; `bytes` carries the
 * block (the app's encoding) and is what the app validates. The app's validity check must also check
 * that `hash` is the hash of `bytes`.
 */
export interface Value {
  readonly hash: Uint8Array;
  readonly bytes: Uint8Array;
}

export type VoteType = "prevote" | "precommit";

/** A vote before it is signed. `blockHash` null is a nil vote. */
export interface UnsignedVote {
  readonly chainId: string;
  readonly height: number;
  readonly round: number;
  readonly type: VoteType;
  readonly blockHash: Uint8Array | null;
  readonly validatorIndex: number;
}

export interface Vote extends UnsignedVote {
  /** Signature over {@link voteSignBytes} (which leave out the validator index, so they aggregate). */
  readonly signature: Uint8Array;
}

export interface UnsignedProposal {
  readonly chainId: string;
  readonly height: number;
  readonly round: number;
  /** The round of the proof-of-lock the proposer re-proposes, or −1. */
  readonly validRound: number;
  readonly value: Value;
  readonly proposerIndex: number;
}

export interface Proposal extends UnsignedProposal {
  /** Signature over {@link proposalSignBytes} (which commit to the value's hash, not its bytes). */
  readonly signature: Uint8Array;
}

/**
 * Proof that a block was decided: @tandem/ledger's `Commit` — the BLS aggregate of > 2/3 (by power) of
 * the precommits for (height, round, blockHash), with a signer bitmap over the height's validator set
 * (bit i: byte i>>3, bit i&7, least significant first; unused high bits zero).
 */
export type { Commit };

/** A decided value with its commit: what the app stores and what a lagging peer is sent. */
export interface Decision {
  readonly height: number;
  readonly value: Value;
  readonly commit: Commit;
}

/** Two signed, conflicting messages of one validator: provable misbehaviour. */
export type Evidence =
  | { readonly kind: "duplicate-vote"; readonly voteA: Vote; readonly voteB: Vote }
  | { readonly kind: "duplicate-proposal"; readonly proposalA: Proposal; readonly proposalB: Proposal };

/** Steps of a round, ordered: the double-sign guard compares them. */
export type Step = "propose" | "prevote" | "precommit";

export const STEP_ORDER: Readonly<Record<Step, number>> = { propose: 1, prevote: 2, precommit: 3 };
