/**
 * Light-client data: headers, commits and validator sets are @tandem/ledger's types (`BlockHeader`,
 * `Commit`, `ValidatorSet`); a block's hash is the ledger's `headerHash`, and a header's
 * `validatorsHash` / `nextValidatorsHash` are the ledger's `validatorSetHash`. The consensus
 * `ValidatorSet` class is a ledger `ValidatorSet` too (same fields, plus proposer priorities), so either
 * can be passed.
 *
 * These functions are pure (no store, no network) so the SDK and the relay can run them; they could move
 * to @tandem/ledger or a small light-client package beside it.
 */
import type { BlockHeader, Commit, ValidatorSet as LedgerValidatorSet } from "@tandem/ledger";

/** What a commit is checked against: the chain, the height and the block hash. */
export interface CommitHeader {
  readonly chainId: string;
  readonly height: number;
  readonly blockHash: Uint8Array;
}

/** A header with its commit and the validator sets its hashes commit to. */
export interface LightBlock {
  readonly header: BlockHeader;
  readonly commit: Commit;
  readonly validators: LedgerValidatorSet;
  readonly nextValidators: LedgerValidatorSet;
}

/** What a light client trusts after verifying a header: enough to verify the next one. */
export interface TrustedState {
  readonly chainId: string;
  readonly height: number;
  readonly time: number;
  readonly headerHash: Uint8Array;
  readonly nextValidators: LedgerValidatorSet;
  /** Set once misbehaviour (two valid headers for one height) was proven; nothing verifies after. */
  readonly frozen: boolean;
}
