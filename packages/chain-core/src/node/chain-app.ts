/**
 * The node's side of consensus ({@link ConsensusApp}) and the one commit path shared by consensus and
 * block sync.
 *
 * - Proposer (`getValue`): reaps the mempool, executes the block on the last committed state, and builds
 *   the header from the execution (tx root from the tx hashes the mempool already computed, results
 *   root, state root, validators and next-validators hashes, the hash of its stored last commit).
 * - Validators (`isValid`): decode, check the header against the head (chain, height, previous hash,
 *   time, validators hash, last commit and its signature, proposer), the tx root, then execute and
 *   compare roots. The execution is cached by block hash, so the decided block is not executed twice.
 * - Decide (`commit`) and sync (`applySynced`) end in {@link ChainApp.persist}: block, commit, state
 *   batch, results, tx index and head go to disk in ONE store write (`StateMachine.commit(exec, extra)`),
 *   with the `exec.*` failpoints between the steps; only then the node's `onCommitted` runs (events,
 *   mempool update).
 */
import { bytesToHex, equalBytes } from "@tandem/crypto";
import {
  type Block,
  type BlockHeader,
  type Commit,
  checkCommit,
  commitHash,
  decodeBlock,
  encodeBlock,
  type HashFn,
  headerHash,
  isZeroHash,
  txHash,
  txRootFromHashes,
} from "@tandem/ledger";
import { bitmapIndices } from "../consensus/commit.js";
import type { AppInfo, Clock, ConsensusApp } from "../consensus/interface.js";
import type { VoteVerifier } from "../consensus/signer.js";
import type { Decision, Evidence, Value, Vote } from "../consensus/types.js";
import type { ValidatorSet } from "../consensus/validator-set.js";
import { ChainCoreError } from "../errors.js";
import type { Failpoints } from "../failpoints.js";
import type { Logger } from "../logger.js";
import type { Mempool } from "../mempool/mempool.js";
import { TxErrorCode } from "../state/errors.js";
import type { BlockExecution } from "../state/interface.js";
import type { StateMachine } from "../state/state-machine.js";
import type { BlockStore } from "./block-store.js";
import type { BlockWithCommit, HeadRecord } from "./codec.js";
import { NodeErrorCode, nodeError } from "./errors.js";
import type { ChainNodeStats } from "./interface.js";
import type { BlockOptions } from "./options.js";

/** A decided block that reached the disk. */
export interface CommittedBlock {
  readonly block: Block;
  readonly blockBytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly commit: Commit;
  readonly txHashes: readonly Uint8Array[];
  readonly txHashesHex: readonly string[];
  readonly exec: BlockExecution;
  readonly source: "consensus" | "sync";
}

export interface ChainAppDeps {
  readonly chainId: string;
  readonly hash: HashFn;
  readonly blocks: BlockStore;
  readonly state: StateMachine;
  readonly mempool: Mempool;
  readonly verifier: VoteVerifier;
  readonly clock: Clock;
  readonly failpoints: Failpoints;
  readonly log: Logger;
  readonly stats: ChainNodeStats;
  /** The validator key's public half (undefined for a full node). */
  readonly signerPublicKey: Uint8Array | undefined;
  readonly block: Required<BlockOptions>;
  /** Resolves once txs are pending in the mempool, or after `ms`. */
  waitForTxs(ms: number): Promise<void>;
  /** After a block is durable. Must not throw. */
  onCommitted(b: CommittedBlock): void;
  onEvidence(e: Evidence, validators: ValidatorSet): void;
}

/** Why a block is refused. */
type Reason =
  | "chain-id"
  | "height"
  | "previous-hash"
  | "time"
  | "future-time"
  | "validators-hash"
  | "last-commit"
  | "last-commit-signature"
  | "proposer"
  | "too-many-txs"
  | "too-large"
  | "duplicate-tx"
  | "tx-root"
  | "tx-rejected"
  | "state-root"
  | "results-root"
  | "next-validators-hash";

class Rejection extends Error {
  constructor(
    readonly reason: Reason,
    readonly detail?: Record<string, unknown>,
  ) {
    super(`block invalid: ${reason}`);
  }
}

const SYNC_CODES: Record<Reason, NodeErrorCode> = {
  "chain-id": NodeErrorCode.SYNC_WRONG_CHAIN,
  "previous-hash": NodeErrorCode.SYNC_WRONG_CHAIN,
  height: NodeErrorCode.SYNC_HEADER_MISMATCH,
  time: NodeErrorCode.SYNC_HEADER_MISMATCH,
  "future-time": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "validators-hash": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "last-commit": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "last-commit-signature": NodeErrorCode.SYNC_HEADER_MISMATCH,
  proposer: NodeErrorCode.SYNC_HEADER_MISMATCH,
  "too-many-txs": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "too-large": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "duplicate-tx": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "tx-root": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "tx-rejected": NodeErrorCode.SYNC_HEADER_MISMATCH,
  "state-root": NodeErrorCode.SYNC_STATE_MISMATCH,
  "results-root": NodeErrorCode.SYNC_STATE_MISMATCH,
  "next-validators-hash": NodeErrorCode.SYNC_STATE_MISMATCH,
};

/**
 * Result codes that make a block invalid: an honest proposer never includes a tx that fails before
 * its module runs (the mempool admitted it with a verified signature and the next nonce), so a block
 * holding one is refused ("only valid txs are committed"). Module failures (insufficient funds …)
 * are valid outcomes.
 */
const STRUCTURAL_FAILURES: ReadonlySet<string> = new Set([
  TxErrorCode.MALFORMED,
  TxErrorCode.WRONG_CHAIN,
  TxErrorCode.EXPIRED,
  TxErrorCode.UNKNOWN_KIND,
  TxErrorCode.NONCE_TOO_LOW,
  TxErrorCode.NONCE_TOO_HIGH,
  TxErrorCode.BAD_SIGNATURE,
]);

type Mode = "proposal" | "decided" | "sync";

/** A block checked against the head and executed on the last committed state. */
interface Prepared {
  readonly block: Block;
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
  readonly txHashesHex: readonly string[];
  readonly exec: BlockExecution;
}

const ZERO = new Uint8Array(32);

export class ChainApp implements ConsensusApp {
  private _head: HeadRecord;
  private headCommit: Commit | undefined;
  private headCommitHash: Uint8Array | undefined;
  /** Verdicts on blocks of head + 1, by block hash (false = invalid). */
  private readonly cache = new Map<string, Prepared | false>();
  /** Commits for the head block that verified (by commit hash). */
  private readonly verifiedCommits = new Set<string>();
  /** The verified precommits the head block was decided with (validator index → signature). */
  private headPrecommits: { round: number; sigs: Map<number, Uint8Array> } | undefined;
  private readonly d: ChainAppDeps;

  constructor(deps: ChainAppDeps, head: HeadRecord) {
    this.d = deps;
    this._head = head;
    if (head.height > 0) {
      this.headCommit = deps.blocks.commit(head.height);
      if (this.headCommit === undefined) {
        throw nodeError(NodeErrorCode.BLOCK_STORE_CORRUPT, "no commit stored for the head block", {
          height: head.height,
        });
      }
      this.headCommitHash = commitHash(this.headCommit, deps.hash);
    }
  }

  get head(): HeadRecord {
    return this._head;
  }

  // ---- ConsensusApp -----------------------------------------------------------------------------

  info(): AppInfo {
    return { lastHeight: this._head.height, validators: this._head.nextValidators };
  }

  async getValue(height: number, round: number): Promise<Value> {
    const opts = this.d.block;
    if (round === 0) {
      const wait = this._head.time + opts.minIntervalMs - this.d.clock.now();
      if (opts.minIntervalMs > 0 && wait > 0) await this.sleep(wait);
      if (this.d.mempool.pendingCount === 0 && opts.emptyBlockWaitMs > 0)
        await this.d.waitForTxs(opts.emptyBlockWaitMs);
    }
    if (height !== this._head.height + 1) {
      throw nodeError(NodeErrorCode.BLOCK_INVALID, "asked for a value of a height that is not next", {
        height,
      });
    }
    const p = this.buildProposal(height);
    this.remember(bytesToHex(p.hash), p);
    this.d.stats.proposalsBuilt++;
    return { hash: p.hash, bytes: p.bytes };
  }

  async isValid(height: number, value: Value): Promise<boolean> {
    if (height !== this._head.height + 1) return false;
    const key = bytesToHex(value.hash);
    const known = this.cache.get(key);
    if (known !== undefined) return known !== false;
    try {
      const block = decodeBlock(value.bytes);
      if (!equalBytes(headerHash(block.header, this.d.hash), value.hash)) {
        throw nodeError(NodeErrorCode.BLOCK_INVALID, "value hash is not the header hash");
      }
      const p = await this.prepare(block, value.bytes, value.hash, "proposal");
      if (height === this._head.height + 1) this.remember(key, p);
      return true;
    } catch (e) {
      if (height === this._head.height + 1) this.remember(key, false);
      this.d.stats.proposalsRejected++;
      this.d.log.warn("proposal rejected", {
        height,
        hash: key,
        reason: e instanceof Rejection ? e.reason : undefined,
        code: e instanceof ChainCoreError ? e.code : undefined,
        error: e instanceof Error ? e.message : String(e),
      });
      return false;
    }
  }

  async commit(decision: Decision, precommits?: readonly Vote[]): Promise<ValidatorSet> {
    const head = this._head;
    if (decision.height <= head.height) return head.nextValidators;
    if (decision.height !== head.height + 1) {
      throw nodeError(NodeErrorCode.BLOCK_INVALID, "decision is not for the next height", {
        height: decision.height,
        head: head.height,
      });
    }
    let p = this.cache.get(bytesToHex(decision.value.hash));
    if (p === undefined || p === false) {
      // Decided elsewhere (a commit certificate from a peer) or judged invalid here: the commit
      // proves > 2/3 accepted it, so execute it; a mismatch with the header stops the node.
      const block = decodeBlock(decision.value.bytes);
      if (!equalBytes(headerHash(block.header, this.d.hash), decision.value.hash)) {
        throw nodeError(NodeErrorCode.NODE_EXECUTION_MISMATCH, "decided value hash is not its header hash");
      }
      p = await this.prepare(block, decision.value.bytes, decision.value.hash, "decided");
    }
    await this.persist(p, decision.commit, "consensus");
    this.headPrecommits = undefined;
    if (precommits !== undefined && precommits.length > 0) {
      const sigs = new Map<number, Uint8Array>();
      for (const v of precommits) sigs.set(v.validatorIndex, v.signature);
      this.headPrecommits = { round: decision.commit.round, sigs };
    }
    return this._head.nextValidators;
  }

  getDecision(height: number): Decision | undefined {
    const bytes = this.d.blocks.blockBytes(height);
    const commit = this.d.blocks.commit(height);
    if (bytes === undefined || commit === undefined) return undefined;
    return { height, value: { hash: commit.blockHash, bytes }, commit };
  }

  onEvidence(evidence: Evidence): void {
    this.d.onEvidence(evidence, this._head.nextValidators);
  }

  // ---- sync -------------------------------------------------------------------------------------

  /**
   * Verifies a block from a peer against the node's chain (header chain, commit against the validator
   * set of its height, execution) and stores it. Throws a SYNC_* coded error for anything wrong.
   */
  async applySynced(item: BlockWithCommit): Promise<void> {
    const head = this._head;
    const h = item.block.header;
    const height = head.height + 1;
    if (h.chainId !== this.d.chainId) throw this.syncError(new Rejection("chain-id"), h.height);
    if (h.height !== height) throw this.syncError(new Rejection("height", { expected: height }), h.height);
    if (!equalBytes(h.previousHash, head.hash)) throw this.syncError(new Rejection("previous-hash"), height);
    const set = head.nextValidators;
    if (!equalBytes(h.validatorsHash, set.hash(this.d.hash)))
      throw this.syncError(new Rejection("validators-hash"), height);
    const blockHash = headerHash(h, this.d.hash);
    const check = checkCommit(item.commit, set, {
      chainId: this.d.chainId,
      hash: this.d.hash,
      height,
      blockHash,
      bls: this.blsAdapter,
    });
    if (!check.ok) {
      throw nodeError(NodeErrorCode.SYNC_COMMIT_INVALID, "commit does not verify against the validator set", {
        height,
        reason: check.reason,
      });
    }
    let p: Prepared;
    try {
      p = await this.prepare(item.block, item.blockBytes, blockHash, "sync");
    } catch (e) {
      if (e instanceof Rejection) throw this.syncError(e, height);
      throw e;
    }
    await this.persist(p, item.commit, "sync");
  }

  private syncError(r: Rejection, height: number): ChainCoreError {
    return nodeError(SYNC_CODES[r.reason], `synced block refused: ${r.reason}`, {
      height,
      reason: r.reason,
      ...r.detail,
    });
  }

  private readonly blsAdapter = {
    fastAggregateVerify: (signature: Uint8Array, message: Uint8Array, publicKeys: readonly Uint8Array[]) =>
      this.d.verifier.verifyAggregate(signature, message, publicKeys),
  };

  // ---- building and checking blocks -------------------------------------------------------------

  private ownAddress(): Uint8Array {
    const set = this._head.nextValidators;
    const pk = this.d.signerPublicKey;
    const v = pk === undefined ? undefined : set.at(set.indexOf(pk));
    if (v === undefined)
      throw nodeError(NodeErrorCode.BLOCK_INVALID, "this node is not a validator of the height");
    return v.address;
  }

  private buildProposal(height: number): Prepared {
    const head = this._head;
    const opts = this.d.block;
    const reaped = this.d.mempool.reap(opts.maxTxs, opts.maxBytes);
    let txs = reaped.map((r) => r.bytes);
    let txHashes = reaped.map((r) => r.hash);
    let txHashesHex = reaped.map((r) => r.hashHex);
    const time = Math.max(this.d.clock.now(), head.time + 1);
    const proposer = this.ownAddress();
    const { verified: preVerified, decoded } = this.d.mempool;
    let exec = this.d.state.executeBlock(
      { height, time, proposer, txs },
      { preVerified, decoded, txHashes, txHashesHex },
    );
    // A tx that fails before its module runs would make the block invalid: leave it out (rare: e.g. a
    // nonce the mempool has not caught up with) and execute again.
    for (let pass = 0; pass < 3 && exec.results.some((r) => STRUCTURAL_FAILURES.has(r.code)); pass++) {
      const keep = exec.results.map((r) => !STRUCTURAL_FAILURES.has(r.code));
      this.d.log.warn("proposer dropped txs that would fail", {
        height,
        dropped: keep.filter((k) => !k).length,
      });
      txs = txs.filter((_, i) => keep[i]);
      txHashes = txHashes.filter((_, i) => keep[i]);
      txHashesHex = txHashesHex.filter((_, i) => keep[i]);
      exec = this.d.state.executeBlock(
        { height, time, proposer, txs },
        { preVerified, decoded, txHashes, txHashesHex },
      );
    }
    const lastCommit = head.height === 0 ? null : (this.headCommit as Commit);
    const header: BlockHeader = {
      chainId: this.d.chainId,
      height,
      time,
      previousHash: head.hash,
      lastCommitHash: this.headCommitHash ?? ZERO,
      txRoot: txRootFromHashes(txHashes, this.d.hash),
      resultsRoot: exec.resultsRoot,
      stateRoot: exec.stateRoot,
      validatorsHash: exec.validatorsHash,
      nextValidatorsHash: exec.nextValidatorsHash,
      proposer,
    };
    const block: Block = { header, txs, lastCommit };
    const bytes = encodeBlock(block);
    return { block, bytes, hash: headerHash(header, this.d.hash), txHashes, txHashesHex, exec };
  }

  /** Checks `block` against the head and executes it. Throws {@link Rejection} (or a coded error). */
  private async prepare(block: Block, bytes: Uint8Array, hash: Uint8Array, mode: Mode): Promise<Prepared> {
    const head = this._head;
    const h = block.header;
    const height = head.height + 1;
    const opts = this.d.block;
    const reject = (reason: Reason, detail?: Record<string, unknown>): never => {
      if (mode === "decided") {
        throw nodeError(NodeErrorCode.NODE_EXECUTION_MISMATCH, `decided block fails a check: ${reason}`, {
          height,
          reason,
          ...detail,
        });
      }
      throw new Rejection(reason, detail);
    };
    if (h.chainId !== this.d.chainId) reject("chain-id");
    if (h.height !== height) reject("height");
    if (!equalBytes(h.previousHash, head.hash)) reject("previous-hash");
    if (!(h.time > head.time)) reject("time");
    if (mode === "proposal" && h.time > this.d.clock.now() + opts.maxFutureDriftMs) reject("future-time");
    const set = head.nextValidators;
    if (!equalBytes(h.validatorsHash, set.hash(this.d.hash))) reject("validators-hash");
    if (set.indexOfAddress(h.proposer) < 0) reject("proposer");
    await this.checkLastCommit(block, mode, reject);
    if (mode === "proposal") {
      if (block.txs.length > opts.maxTxs) reject("too-many-txs");
      if (bytes.length > opts.maxBytes + 64 * 1024 + 64 * block.txs.length) reject("too-large");
    }
    const txHashes = block.txs.map((t) => txHash(t, { hash: this.d.hash }));
    const txHashesHex = txHashes.map(bytesToHex);
    if (new Set(txHashesHex).size !== txHashes.length) reject("duplicate-tx");
    if (!equalBytes(txRootFromHashes(txHashes, this.d.hash), h.txRoot)) reject("tx-root");
    if (mode !== "decided") await this.preVerify(block.txs, txHashesHex);
    if (this._head !== head) reject("height");
    const exec = this.d.state.executeBlock(
      { height, time: h.time, proposer: h.proposer, txs: block.txs },
      { preVerified: this.d.mempool.verified, decoded: this.d.mempool.decoded, txHashes, txHashesHex },
    );
    if (mode === "proposal" && exec.results.some((r) => STRUCTURAL_FAILURES.has(r.code))) {
      const i = exec.results.findIndex((r) => STRUCTURAL_FAILURES.has(r.code));
      reject("tx-rejected", { index: i, code: exec.results[i]?.code });
    }
    if (!equalBytes(exec.stateRoot, h.stateRoot)) reject("state-root");
    if (!equalBytes(exec.resultsRoot, h.resultsRoot)) reject("results-root");
    if (!equalBytes(exec.nextValidatorsHash, h.nextValidatorsHash)) reject("next-validators-hash");
    return { block, bytes, hash, txHashes, txHashesHex, exec };
  }

  /** Txs this node's mempool has not verified go through it first (worker threads, not this one). */
  private async preVerify(txs: readonly Uint8Array[], hexes: readonly string[]): Promise<void> {
    const verified = this.d.mempool.verified;
    const unknown: Uint8Array[] = [];
    for (let i = 0; i < txs.length; i++)
      if (!verified.has(hexes[i] as string)) unknown.push(txs[i] as Uint8Array);
    if (unknown.length > 0) await this.d.mempool.submitMany(unknown);
  }

  private async checkLastCommit(
    block: Block,
    mode: Mode,
    reject: (r: Reason, d?: Record<string, unknown>) => never,
  ): Promise<void> {
    const head = this._head;
    const h = block.header;
    const c = block.lastCommit;
    if (head.height === 0) {
      if (c !== null || !isZeroHash(h.lastCommitHash)) reject("last-commit");
      return;
    }
    if (c === null) {
      reject("last-commit");
      return;
    }
    const hashOfCommit = commitHash(c, this.d.hash);
    if (!equalBytes(hashOfCommit, h.lastCommitHash)) reject("last-commit");
    if (c.height !== head.height || !equalBytes(c.blockHash, head.hash)) reject("last-commit");
    // Decided and synced blocks are vouched for by their own commit; a proposal's last commit is checked.
    if (mode !== "proposal") return;
    if (this.headCommitHash !== undefined && equalBytes(hashOfCommit, this.headCommitHash)) return;
    const id = bytesToHex(hashOfCommit);
    if (this.verifiedCommits.has(id)) return;
    if (!this.lastCommitFromVotes(c) && !(await this.verifyHeadCommit(c))) reject("last-commit-signature");
    this.verifiedCommits.add(id);
  }

  /** True when `c` is the aggregate of precommits this node verified itself (no pairing needed). */
  private lastCommitFromVotes(c: Commit): boolean {
    const known = this.headPrecommits;
    const set = this._head.validators;
    if (known === undefined || set === undefined || c.round !== known.round) return false;
    const idx = bitmapIndices(c.signers, set.size);
    if (!idx.ok || idx.indices.length === 0) return false;
    const sigs: Uint8Array[] = [];
    let power = 0n;
    for (const i of idx.indices) {
      const s = known.sigs.get(i);
      const v = set.at(i);
      if (s === undefined || v === undefined) return false;
      sigs.push(s);
      power += v.power;
    }
    if (!set.isQuorum(power)) return false;
    try {
      const ok = equalBytes(this.d.verifier.aggregate(sigs), c.signature);
      if (ok) this.d.stats.lastCommitsFromVotes++;
      return ok;
    } catch {
      return false;
    }
  }

  /** Full check of a last commit (one pairing; on the verifier's thread when it has one). */
  private async verifyHeadCommit(c: Commit): Promise<boolean> {
    const set = this._head.validators;
    if (set === undefined) return false;
    this.d.stats.lastCommitsVerified++;
    const opts = {
      chainId: this.d.chainId,
      hash: this.d.hash,
      height: this._head.height,
      blockHash: this._head.hash,
    };
    const v = this.d.verifier;
    if (v.verifyAggregateAsync === undefined)
      return checkCommit(c, set, { ...opts, bls: this.blsAdapter }).ok;
    // Everything but the pairing, synchronously; then the pairing off-thread.
    let call: { signature: Uint8Array; message: Uint8Array; keys: readonly Uint8Array[] } | undefined;
    const shape = checkCommit(c, set, {
      ...opts,
      bls: {
        fastAggregateVerify: (signature, message, keys) => {
          call = { signature, message, keys };
          return true;
        },
      },
    });
    if (!shape.ok || call === undefined) return false;
    return v.verifyAggregateAsync(call.signature, call.message, call.keys);
  }

  private remember(key: string, v: Prepared | false): void {
    if (this.cache.size >= this.d.block.maxCachedProposals) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, v);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.d.clock.setTimer(ms, resolve));
  }

  // ---- the commit path --------------------------------------------------------------------------

  /** Stores a decided block with its commit, state and indices in one write; then notifies. */
  private async persist(p: Prepared, commit: Commit, source: "consensus" | "sync"): Promise<void> {
    const fp = this.d.failpoints;
    fp.hit("exec.afterBlockSaved.beforeApply");
    const prev = this._head;
    const header = p.block.header;
    const head: HeadRecord = {
      height: header.height,
      hash: p.hash,
      time: header.time,
      validators: prev.nextValidators,
      nextValidators: prev.nextValidators.next(p.exec.nextValidatorSet.validators),
    };
    const extra = this.d.blocks.blockBatch({
      block: p.block,
      blockBytes: p.bytes,
      blockHash: p.hash,
      commit,
      txHashes: p.txHashes,
      head,
    });
    fp.hit("exec.afterApply.beforeStateSave");
    await this.d.state.commit(p.exec, extra);
    fp.hit("exec.afterStateSave.beforeEvents");
    this._head = head;
    this.headCommit = commit;
    this.headCommitHash = commitHash(commit, this.d.hash);
    this.cache.clear();
    this.verifiedCommits.clear();
    this.headPrecommits = undefined;
    if (source === "sync") this.d.stats.blocksSynced++;
    else this.d.stats.blocksCommitted++;
    this.d.onCommitted({
      block: p.block,
      blockBytes: p.bytes,
      hash: p.hash,
      commit,
      txHashes: p.txHashes,
      txHashesHex: p.txHashesHex,
      exec: p.exec,
      source,
    });
  }
}
