/**
 * Types of the state machine and the port its modules plug into.
 *
 * A {@link StateModule} owns some transaction kinds (its `kinds`, registered in the tx kind registry)
 * and executes them against a {@link TxContext}; it may also seed state at genesis and act at the end
 * of each block. The core (accounts, nonces, signatures, expiry, chain id, rollback of a failed tx,
 * the state root, persistence) is the same for every module, so identity, devices and the peg plug in
 * without touching it.
 */
import type {
  HashFn,
  SignedTx,
  SmtProof,
  TxKindDefinition,
  TxResult,
  Validator,
  ValidatorSet,
} from "@tandem/ledger";
import type { WriteBatch } from "../store/interface.js";
import type { Bank } from "./bank.js";

/** Read/write access to state keys (see keys.ts for the layout). Values are opaque bytes. */
export interface StateAccess {
  /** The value under a raw state key, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined;
  has(key: Uint8Array): boolean;
  /** Sets a raw state key (the bytes are copied). */
  set(key: Uint8Array, value: Uint8Array): void;
  /** Deletes a raw state key (absent keys are fine). */
  delete(key: Uint8Array): void;
}

/** One event: a type and ordered string attributes (hex for bytes, decimal for amounts). */
export interface StateEvent {
  readonly type: string;
  readonly attributes: ReadonlyArray<readonly [string, string]>;
}

/** The block being executed. */
export interface BlockInfo {
  readonly chainId: string;
  readonly height: number;
  /** Block time, ms since the Unix epoch (from the header). */
  readonly time: number;
  /** Address of the proposer (20 bytes). */
  readonly proposer: Uint8Array;
}

/** What every hook gets: the block, state access, typed helpers and an event sink. */
export interface ExecContext {
  readonly block: BlockInfo;
  readonly state: StateAccess;
  /** Balances and supplies over the same state access. */
  readonly bank: Bank;
  /** The chain's hash suite. */
  readonly hash: HashFn;
  /** The validator set of the next height as it stands now (changes made earlier in this block show). */
  validators(): ValidatorSet;
  /** Replaces the validator set of the next height (must be a canonical, non-empty set). */
  setValidators(set: ValidatorSet): void;
  /** Emits an event; events of a failed tx are dropped with its writes. */
  emit(type: string, attributes?: ReadonlyArray<readonly [string, string]>): void;
}

/** The context of one transaction. */
export interface TxContext extends ExecContext {
  readonly tx: SignedTx;
  readonly txHash: Uint8Array;
  /** Index of the tx in the block. */
  readonly txIndex: number;
  /** The sender's account address (20 bytes). */
  readonly sender: Uint8Array;
}

/** The genesis document. */
export interface Genesis {
  readonly chainId: string;
  /** Genesis time, ms since the Unix epoch (default 0). */
  readonly time?: number;
  /** The validator set of height 1 (ledger validators: operator address, BLS key, power). */
  readonly validators: readonly Validator[];
  /** Initial balances; each denom's supply is the sum of its balances. */
  readonly balances?: ReadonlyArray<{
    readonly address: Uint8Array;
    readonly denom: string;
    readonly amount: bigint;
  }>;
  /** Denoms issued with zero supply (so transfers of them are "insufficient funds", not "unknown denom"). */
  readonly denoms?: readonly string[];
  /** Per-module genesis data, by module name. */
  readonly modules?: Readonly<Record<string, unknown>>;
}

/**
 * A state module. `execute` runs one tx of one of its kinds after the core checks (chain id, expiry,
 * signature, nonce) passed and the nonce was consumed. Throwing fails the tx: the error's `code` (any
 * coded error) becomes the result code, and every write and event of the tx is rolled back; the nonce
 * stays consumed. Hooks must be deterministic: no clock, no randomness, no I/O, no iteration over
 * unordered sources.
 */
export interface StateModule {
  /** Unique, `[a-z][a-z0-9_-]*`; also the module's state-key namespace (`<name>/`). */
  readonly name: string;
  readonly kinds: readonly TxKindDefinition[];
  /** Runs once before the first block of a process (e.g. `await initBls()`). */
  init?(): Promise<void>;
  /** Seeds the module's state from `genesis.modules?.[name]`. */
  genesis?(ctx: ExecContext, genesis: Genesis): void;
  beginBlock?(ctx: ExecContext): void;
  /** Returns result data (≤ 4096 bytes) or nothing. */
  execute(ctx: TxContext, tx: SignedTx): Uint8Array | undefined;
  endBlock?(ctx: ExecContext): void;
}

/** The outcome of one tx: the ledger result (code, data) plus gas used and events. */
export interface StateTxResult extends TxResult {
  /** The tx hash (H(canonical tx bytes)). */
  readonly hash: Uint8Array;
  readonly gasUsed: number;
  readonly events: readonly StateEvent[];
  /** Human-readable reason of a failure (not persisted, not part of any hash). */
  readonly log?: string;
}

/** A block to execute: header fields the state needs and the canonical tx bytes in block order. */
export interface BlockInput {
  readonly height: number;
  readonly time: number;
  readonly proposer: Uint8Array;
  readonly txs: readonly Uint8Array[];
}

/** A set of tx hashes (lower-case hex) whose signatures were already verified (the mempool's). */
export interface VerifiedTxSet {
  has(txHashHex: string): boolean;
}

export interface ExecuteBlockOptions {
  /**
   * Txs whose signatures the mempool verified: they are not verified again. Every other tx (a block
   * received by sync, a tx this node never saw) is verified here.
   */
  readonly preVerified?: VerifiedTxSet;
  /**
   * The block's tx hashes (ledger `txHash`), in block order, when the caller already computed them (the
   * node does, for the tx root): they are not hashed again. The caller vouches that they match.
   */
  readonly txHashes?: readonly Uint8Array[];
  /** The same hashes as lower-case hex (the keys of `preVerified` and `decoded`), when the caller has them. */
  readonly txHashesHex?: readonly string[];
  /**
   * Txs the caller already decoded with the same kind registry (the mempool keeps them), by tx hash
   * (lower-case hex): they are not decoded again.
   */
  readonly decoded?: (txHashHex: string) => SignedTx | undefined;
}

/** The result of executing a block; nothing is written until the caller writes `writeBatch`. */
export interface BlockExecution {
  readonly height: number;
  /** Sparse-Merkle root after the block: the header's `stateRoot`. */
  readonly stateRoot: Uint8Array;
  readonly results: readonly StateTxResult[];
  /** RFC 6962 root over the canonical {code, data} results: the header's `resultsRoot`. */
  readonly resultsRoot: Uint8Array;
  /** The set that signs this block (the previous block's next set): the header's `validatorsHash`. */
  readonly validatorSet: ValidatorSet;
  readonly validatorsHash: Uint8Array;
  /** The set for the next height: the header's `nextValidatorsHash`. */
  readonly nextValidatorSet: ValidatorSet;
  readonly nextValidatorsHash: Uint8Array;
  readonly validatorSetChanged: boolean;
  /** Events of begin-block and end-block hooks (tx events are in each result). */
  readonly events: readonly StateEvent[];
  /**
   * SMT nodes, state values, latest-value index, results and height record: one atomic write. Built
   * each time it is read (read it once, to commit): it is not kept in memory from execution to commit.
   */
  readonly writeBatch: WriteBatch;
}

/** The result of {@link StateMachine.initGenesis}; nothing is written until the caller writes `writeBatch`. */
export interface GenesisExecution {
  readonly height: 0;
  readonly stateRoot: Uint8Array;
  readonly validatorSet: ValidatorSet;
  readonly validatorsHash: Uint8Array;
  /** Built each time it is read, as {@link BlockExecution.writeBatch}. */
  readonly writeBatch: WriteBatch;
}

/** A state value with its sparse-Merkle proof against the root of a committed height. */
export interface StateProof {
  readonly height: number;
  readonly root: Uint8Array;
  /** The raw state key and its tree key H(raw). */
  readonly key: Uint8Array;
  readonly treeKey: Uint8Array;
  /** The value, or null when the key is absent (then the proof is a non-membership proof). */
  readonly value: Uint8Array | null;
  readonly proof: SmtProof;
  /** Canonical proof bytes (what goes on the wire). */
  readonly proofBytes: Uint8Array;
}

/** What is stored per committed height. */
export interface HeightRecord {
  readonly height: number;
  readonly stateRoot: Uint8Array;
  readonly resultsRoot: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  readonly txCount: number;
}

/** Stored results of a block. */
export interface StoredBlockResults {
  readonly results: ReadonlyArray<{
    readonly code: string;
    readonly data: Uint8Array;
    readonly gasUsed: number;
    readonly events: readonly StateEvent[];
  }>;
  readonly events: readonly StateEvent[];
}
