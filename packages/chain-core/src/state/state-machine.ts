/**
 * The deterministic state machine: executes a block's transactions against the state committed at the
 * previous height, and returns the new state root, the tx results, the next validator set and ONE write
 * batch holding everything to persist (sparse-Merkle nodes, state values, latest-value index, results,
 * the height record). It writes nothing itself: the node writes that batch together with the block and
 * its commit in one atomic, durable store write ({@link StateMachine.commit} does exactly that when the
 * caller has nothing to add).
 *
 * Per transaction, in this order (the first failing check is the result code; the tx stays in the
 * block, and the next tx runs):
 *   1. canonical decode with the kind registry              → TX_MALFORMED
 *   2. chain id                                             → TX_WRONG_CHAIN
 *   3. expiry: expiryHeight 0 (none) or ≥ block height      → TX_EXPIRED
 *   4. a module handles the kind                            → TX_UNKNOWN_KIND
 *   5. nonce = the sender account's next nonce              → TX_NONCE_TOO_LOW / TX_NONCE_TOO_HIGH
 *   6. signature, unless the caller vouches for it (the mempool verified it: `preVerified`)
 *                                                            → TX_BAD_SIGNATURE
 *   7. the nonce is consumed (kept even if the module fails: the tx is in the block, so it cannot be
 *      replayed), then the module executes on a tx overlay over the block overlay. A throw rolls back
 *      every write and event of the module and records the error's code.
 * The state root is computed once per block, by one batched sparse-Merkle update of every key the block
 * wrote. State reads during execution go through the block overlay to the latest-value index (one store
 * read per key); reads at past heights and proofs go through the tree.
 */
import { bytesToHex, compareBytes } from "@tandem/crypto";
import {
  ADDRESS_LENGTH,
  accountAddress,
  createValidatorSet,
  decodeTx,
  decodeValidatorSet,
  defaultTxKinds,
  encodeSmtProof,
  encodeValidatorSet,
  type HashFn,
  hashSuite,
  isChainId,
  isDenom,
  LedgerError,
  MAX_TX_RESULT_DATA,
  resultsRoot,
  type SignedTx,
  type SmtUpdate,
  smtApply,
  smtGet,
  smtProve,
  TX_RESULT_OK,
  type TxKindRegistry,
  txHash,
  type ValidatorSet,
  validatorSetHash,
  verifySmtProof,
  verifyTxSignature,
} from "@tandem/ledger";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import type { KvStore, WriteBatch } from "../store/interface.js";
import { Bank, bankModule } from "./bank.js";
import {
  assertEvent,
  decodeAccountNonce,
  decodeBlockResults,
  decodeHeightRecord,
  decodeMeta,
  encodeAccountNonce,
  encodeBlockResults,
  encodeHeightRecord,
  encodeMeta,
  MAX_BLOCK_EVENTS,
  MAX_EVENTS,
  type StateMeta,
} from "./codec.js";
import { StateErrorCode, stateError, TxErrorCode } from "./errors.js";
import { governanceModule } from "./governance.js";
import type {
  BlockExecution,
  BlockInfo,
  BlockInput,
  ExecContext,
  ExecuteBlockOptions,
  Genesis,
  GenesisExecution,
  HeightRecord,
  StateAccess,
  StateEvent,
  StateModule,
  StateProof,
  StateTxResult,
  StoredBlockResults,
  TxContext,
} from "./interface.js";
import {
  accountKey,
  blockResultsKey,
  heightRecordKey,
  latestValueKey,
  STATE_META_KEY,
  stateTreeKey,
  stateValueKey,
  VALIDATOR_SET_KEY,
} from "./keys.js";
import { defaultStateMachineOptions, type StateMachineModules, type StateMachineOptions } from "./options.js";
import { keyId, MeteredAccess, Overlay, type ParentReader } from "./overlay.js";
import { KvSmtNodeStore } from "./smt-store.js";

const EMPTY = new Uint8Array(0);
const RESULT_CODE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MODULE_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;
/** Gas charged to every tx before its module runs. */
const TX_BASE_GAS = 1000;

/** The code a thrown value fails a tx with: a coded error's own code, TX_INTERNAL for anything else. */
function failureCode(e: unknown): string {
  if (e instanceof ChainCoreError || e instanceof LedgerError) {
    const code = e.code;
    if (code !== TX_RESULT_OK && RESULT_CODE_RE.test(code)) return code;
  }
  return TxErrorCode.INTERNAL;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Concatenates write batches (puts in order, then deletes), for one atomic store write. */
export function mergeWriteBatches(...batches: ReadonlyArray<WriteBatch | undefined>): WriteBatch {
  const put: Array<readonly [Uint8Array, Uint8Array]> = [];
  const del: Uint8Array[] = [];
  for (const b of batches) {
    if (b === undefined) continue;
    if (b.put !== undefined) put.push(...b.put);
    if (b.del !== undefined) del.push(...b.del);
  }
  return { put, del };
}

/** Checks a {@link StateProof} (or its parts) against a state root: H(key) ↦ value, or absence. */
export function verifyStateProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: StateProof["proof"] | Uint8Array,
  hash: HashFn,
): boolean {
  return verifySmtProof(root, stateTreeKey(key, hash), value, proof, hash);
}

interface BuiltBatch {
  readonly root: Uint8Array;
  readonly batch: WriteBatch;
}

export class StateMachine {
  readonly chainId: string;
  readonly hash: HashFn;
  private readonly store: KvStore;
  private readonly nodes: KvSmtNodeStore;
  private readonly registry: TxKindRegistry;
  private readonly modules: readonly StateModule[];
  private readonly byKind = new Map<string, StateModule>();
  private readonly log: Logger;
  private readonly maxBlockTxs: number;
  private readonly verifySm9: StateMachineModules["verifySm9"];
  private metaCache: StateMeta | undefined;

  private constructor(opts: StateMachineOptions, deps: StateMachineModules, modules: readonly StateModule[]) {
    this.chainId = opts.chainId;
    this.hash = hashSuite(opts.hashSuite ?? defaultStateMachineOptions.hashSuite);
    this.store = deps.store;
    this.nodes = new KvSmtNodeStore(
      deps.store,
      this.hash,
      opts.nodeCacheSize ?? defaultStateMachineOptions.nodeCacheSize,
    );
    this.registry = deps.registry ?? defaultTxKinds;
    this.modules = modules;
    this.log = deps.logger ?? silentLogger;
    this.maxBlockTxs = opts.maxBlockTxs ?? defaultStateMachineOptions.maxBlockTxs;
    this.verifySm9 = deps.verifySm9;
    const names = new Set<string>();
    for (const m of modules) {
      if (typeof m !== "object" || m === null || typeof m.execute !== "function" || !Array.isArray(m.kinds)) {
        throw stateError(StateErrorCode.MODULE_CONFLICT, "a state module needs a name, kinds and execute()");
      }
      if (typeof m.name !== "string" || !MODULE_NAME_RE.test(m.name) || names.has(m.name)) {
        throw stateError(StateErrorCode.MODULE_CONFLICT, "module names must be unique [a-z][a-z0-9_-]*", {
          module: String(m.name),
        });
      }
      names.add(m.name);
      for (const def of m.kinds) {
        const registered = this.registry.register(def);
        const other = this.byKind.get(registered.kind);
        if (other !== undefined) {
          throw stateError(StateErrorCode.MODULE_CONFLICT, "two modules handle one tx kind", {
            kind: registered.kind,
            modules: [other.name, m.name],
          });
        }
        this.byKind.set(registered.kind, m);
      }
    }
  }

  /**
   * Builds a state machine over `deps.store` and runs each module's `init`. The store may be empty (then
   * call {@link initGenesis}) or hold committed state (the machine continues from its last height).
   */
  static async init(opts: StateMachineOptions, deps: StateMachineModules): Promise<StateMachine> {
    if (typeof opts !== "object" || opts === null || !isChainId(opts.chainId)) {
      throw new ChainCoreError(
        ChainCoreErrorCode.OPTIONS_INVALID,
        "StateMachine: chainId must be a CAIP-2 chain id",
      );
    }
    for (const [name, v] of [
      ["nodeCacheSize", opts.nodeCacheSize],
      ["maxBlockTxs", opts.maxBlockTxs],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
        throw new ChainCoreError(
          ChainCoreErrorCode.OPTIONS_INVALID,
          `StateMachine: ${name} must be an integer ≥ 0`,
        );
      }
    }
    if (typeof deps?.store?.get !== "function") {
      throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "StateMachine: a KvStore is required");
    }
    const modules = deps.stateModules ?? [bankModule(), governanceModule()];
    const sm = new StateMachine(opts, deps, modules);
    for (const m of modules) if (m.init !== undefined) await m.init();
    return sm;
  }

  /** Nothing to release (the store belongs to the caller). */
  async close(): Promise<void> {}

  /** Whether a module executes txs of `kind`. */
  handlesKind(kind: string): boolean {
    return this.byKind.has(kind);
  }

  /** The tx kind registry the machine decodes with. */
  get kinds(): TxKindRegistry {
    return this.registry;
  }

  // ------------------------------------------------------------------------------------------ queries

  /**
   * The last committed height and its state root, or undefined before genesis is committed. Read from
   * the store once, then kept in memory: this machine's {@link commit} is the only writer of it.
   */
  info(): StateMeta | undefined {
    if (this.metaCache !== undefined) return this.metaCache;
    const v = this.store.get(STATE_META_KEY);
    if (v === undefined) return undefined;
    this.metaCache = decodeMeta(v);
    return this.metaCache;
  }

  private meta(): StateMeta {
    const m = this.info();
    if (m === undefined) throw stateError(StateErrorCode.NOT_INITIALIZED, "no genesis state in the store");
    return m;
  }

  /** The last committed height (0 = genesis). */
  get height(): number {
    return this.meta().height;
  }

  /** The state root of the last committed height. */
  get stateRoot(): Uint8Array {
    return this.meta().stateRoot;
  }

  /** The stored record of a committed height (undefined if not stored). */
  heightRecord(height: number): HeightRecord | undefined {
    if (!Number.isSafeInteger(height) || height < 0) return undefined;
    const v = this.store.get(heightRecordKey(height));
    return v === undefined ? undefined : decodeHeightRecord(height, v);
  }

  /** The stored tx results and block events of a committed height. */
  blockResults(height: number): StoredBlockResults | undefined {
    if (!Number.isSafeInteger(height) || height < 0) return undefined;
    const v = this.store.get(blockResultsKey(height));
    return v === undefined ? undefined : decodeBlockResults(v);
  }

  private rootAt(height: number | undefined): { height: number; root: Uint8Array; latest: boolean } {
    const meta = this.meta();
    if (height === undefined || height === meta.height)
      return { height: meta.height, root: meta.stateRoot, latest: true };
    const rec = this.heightRecord(height);
    if (rec === undefined || height > meta.height) {
      throw stateError(StateErrorCode.HEIGHT_UNAVAILABLE, "no state stored for this height", { height });
    }
    return { height, root: rec.stateRoot, latest: false };
  }

  private valueByHash(valueHash: Uint8Array): Uint8Array {
    const v = this.store.get(stateValueKey(valueHash));
    if (v === undefined) {
      throw stateError(StateErrorCode.CORRUPT, "state value missing from the store", {
        valueHash: bytesToHex(valueHash),
      });
    }
    return v;
  }

  /** The value of a raw state key at `height` (default: the last committed height). */
  get(key: Uint8Array, height?: number): Uint8Array | undefined {
    const at = this.rootAt(height);
    const tk = stateTreeKey(key, this.hash);
    if (at.latest) return this.store.get(latestValueKey(tk));
    const vh = smtGet(this.nodes, at.root, tk);
    return vh === null ? undefined : this.valueByHash(vh);
  }

  /**
   * The value of a raw state key with its sparse-Merkle proof (membership, or non-membership when
   * absent) against the state root of `height` (default: the last committed height; every committed
   * height is kept).
   */
  getWithProof(key: Uint8Array, height?: number): StateProof {
    const at = this.rootAt(height);
    const treeKey = stateTreeKey(key, this.hash);
    const proof = smtProve(this.nodes, at.root, treeKey);
    let value: Uint8Array | null = null;
    if (proof.leaf !== null && compareBytes(proof.leaf.key, treeKey) === 0)
      value = this.valueByHash(proof.leaf.valueHash);
    return {
      height: at.height,
      root: at.root,
      key: key.slice(),
      treeKey,
      value,
      proof,
      proofBytes: encodeSmtProof(proof),
    };
  }

  /** The next nonce of an account at the last committed height. */
  nextNonce(address: Uint8Array): number {
    const v = this.get(accountKey(address));
    return v === undefined ? 0 : decodeAccountNonce(v);
  }

  /** A balance at `height` (default: the last committed height). */
  balance(address: Uint8Array, denom: string, height?: number): bigint {
    return new Bank(this.readOnlyAt(height)).balance(address, denom);
  }

  /** The supply of a denom (undefined if never issued) at `height`. */
  supply(denom: string, height?: number): bigint | undefined {
    return new Bank(this.readOnlyAt(height)).supply(denom);
  }

  /** The validator set for height + 1, as committed at `height` (default: the last committed height). */
  validatorSet(height?: number): ValidatorSet {
    const v = this.get(VALIDATOR_SET_KEY, height);
    if (v === undefined) throw stateError(StateErrorCode.CORRUPT, "no validator set in state");
    return decodeValidatorSet(v);
  }

  /** A read-only {@link StateAccess} at a committed height. */
  readOnlyAt(height?: number): StateAccess {
    const at = this.rootAt(height).height;
    const refuse = (): never => {
      throw new TypeError("read-only state");
    };
    return {
      get: (key) => this.get(key, at),
      has: (key) => this.get(key, at) !== undefined,
      set: refuse,
      delete: refuse,
    };
  }

  // ------------------------------------------------------------------------------------------ genesis

  /**
   * Builds the genesis state (height 0): validator set, issued denoms and balances, then each module's
   * `genesis` hook. Returns the write batch; the state exists once it is written.
   */
  initGenesis(genesis: Genesis): GenesisExecution {
    if (this.info() !== undefined)
      throw stateError(StateErrorCode.ALREADY_INITIALIZED, "the store already holds state");
    const bad = (reason: string, cause?: unknown): never => {
      throw new ChainCoreError(
        StateErrorCode.GENESIS_INVALID,
        `genesis invalid: ${reason}`,
        { reason },
        { cause },
      );
    };
    if (typeof genesis !== "object" || genesis === null) bad("expected an object");
    if (genesis.chainId !== this.chainId) bad("chain id differs from the node's");
    const time = genesis.time ?? 0;
    if (!Number.isSafeInteger(time) || time < 0) bad("time must be a safe integer ≥ 0");
    let set: ValidatorSet;
    try {
      set = createValidatorSet(genesis.validators);
    } catch (e) {
      return bad(`validators: ${messageOf(e)}`, e);
    }
    const overlay = new Overlay(() => undefined);
    overlay.set(VALIDATOR_SET_KEY, encodeValidatorSet(set));
    const bank = new Bank(overlay);
    for (const d of genesis.denoms ?? []) {
      if (!isDenom(d)) bad(`not a denom: ${String(d).slice(0, 80)}`);
      bank.issue(d);
    }
    for (const [i, b] of (genesis.balances ?? []).entries()) {
      if (!(b?.address instanceof Uint8Array) || b.address.length !== ADDRESS_LENGTH)
        bad(`balances[${i}].address`);
      if (!isDenom(b.denom)) bad(`balances[${i}].denom`);
      try {
        bank.mint(b.address, b.denom, b.amount);
      } catch (e) {
        bad(`balances[${i}]: ${messageOf(e)}`, e);
      }
    }
    const info: BlockInfo = {
      chainId: this.chainId,
      height: 0,
      time,
      proposer: new Uint8Array(ADDRESS_LENGTH),
    };
    const events: StateEvent[] = [];
    for (const m of this.modules) {
      if (m.genesis === undefined) continue;
      m.genesis(this.context(info, overlay, events), genesis);
    }
    const finalSet = this.readValidators(overlay);
    const built = this.buildBatch(
      0,
      new Uint8Array(32),
      overlay,
      [],
      events,
      resultsRoot([], this.hash),
      finalSet,
      new Map(),
    );
    this.log.info("genesis built", { chainId: this.chainId, validators: finalSet.validators.length });
    return {
      height: 0,
      stateRoot: built.root,
      validatorSet: finalSet,
      validatorsHash: validatorSetHash(finalSet, this.hash),
      writeBatch: built.batch,
    };
  }

  // ------------------------------------------------------------------------------------------ blocks

  /**
   * Executes a block on top of the last committed height (its height must be that + 1). Deterministic:
   * the same block on the same state gives the same root, results and byte-identical write batch.
   */
  executeBlock(block: BlockInput, opts: ExecuteBlockOptions = {}): BlockExecution {
    const meta = this.meta();
    if (typeof block !== "object" || block === null)
      throw stateError(StateErrorCode.BLOCK_INVALID, "block must be an object");
    if (block.height !== meta.height + 1) {
      throw stateError(StateErrorCode.HEIGHT_MISMATCH, "block height is not the last committed height + 1", {
        height: block.height,
        expected: meta.height + 1,
      });
    }
    if (!Number.isSafeInteger(block.time) || block.time < 0)
      throw stateError(StateErrorCode.BLOCK_INVALID, "bad block time");
    if (!(block.proposer instanceof Uint8Array) || block.proposer.length !== ADDRESS_LENGTH) {
      throw stateError(StateErrorCode.BLOCK_INVALID, "proposer must be a 20-byte address");
    }
    if (!Array.isArray(block.txs) || block.txs.length > this.maxBlockTxs) {
      throw stateError(StateErrorCode.BLOCK_INVALID, "txs must be an array within the block limit");
    }
    if (!block.txs.every((t) => t instanceof Uint8Array)) {
      throw stateError(StateErrorCode.BLOCK_INVALID, "every tx must be canonical tx bytes (Uint8Array)");
    }
    const info: BlockInfo = {
      chainId: this.chainId,
      height: block.height,
      time: block.time,
      proposer: block.proposer.slice(),
    };
    const treeKeys = new Map<string, Uint8Array>();
    const overlay = new Overlay(this.committedReader(treeKeys));
    const validatorSet = this.readValidators(overlay);
    const blockEvents: StateEvent[] = [];
    for (const m of this.modules)
      if (m.beginBlock !== undefined) m.beginBlock(this.context(info, overlay, blockEvents));
    const results: StateTxResult[] = [];
    let failed = 0;
    for (let i = 0; i < block.txs.length; i++) {
      const r = this.executeTx(block.txs[i] as Uint8Array, i, info, overlay, opts);
      if (r.code !== TX_RESULT_OK) failed++;
      results.push(r);
    }
    for (const m of this.modules)
      if (m.endBlock !== undefined) m.endBlock(this.context(info, overlay, blockEvents));
    const nextValidatorSet = this.readValidators(overlay);
    const rRoot = resultsRoot(results, this.hash);
    const built = this.buildBatch(
      block.height,
      meta.stateRoot,
      overlay,
      results,
      blockEvents,
      rRoot,
      nextValidatorSet,
      treeKeys,
    );
    const validatorsHash = validatorSetHash(validatorSet, this.hash);
    const nextValidatorsHash = validatorSetHash(nextValidatorSet, this.hash);
    this.log.debug("block executed", { height: block.height, txs: block.txs.length, failed });
    return {
      height: block.height,
      stateRoot: built.root,
      results,
      resultsRoot: rRoot,
      validatorSet,
      validatorsHash,
      nextValidatorSet,
      nextValidatorsHash,
      validatorSetChanged: compareBytes(validatorsHash, nextValidatorsHash) !== 0,
      events: blockEvents,
      writeBatch: built.batch,
    };
  }

  /**
   * Writes an execution's batch (plus `extra`, e.g. the block and its commit) in one atomic store write.
   * The execution must be for the last committed height + 1 (or genesis on an empty store).
   */
  async commit(exec: BlockExecution | GenesisExecution, extra?: WriteBatch): Promise<void> {
    const meta = this.info();
    const expected = meta === undefined ? 0 : meta.height + 1;
    if (exec.height !== expected) {
      throw stateError(StateErrorCode.HEIGHT_MISMATCH, "execution is not for the next height", {
        height: exec.height,
        expected,
      });
    }
    this.metaCache = undefined;
    try {
      await this.store.write(mergeWriteBatches(exec.writeBatch, extra));
    } finally {
      this.metaCache = undefined;
    }
  }

  // ------------------------------------------------------------------------------------------ internals

  /** Reads committed latest values through a per-block cache (tree keys are kept for the batch). */
  private committedReader(treeKeys: Map<string, Uint8Array>): ParentReader {
    const cache = new Map<string, Uint8Array | undefined>();
    return (key, id) => {
      if (cache.has(id)) return cache.get(id);
      let tk = treeKeys.get(id);
      if (tk === undefined) {
        tk = stateTreeKey(key, this.hash);
        treeKeys.set(id, tk);
      }
      const v = this.store.get(latestValueKey(tk));
      cache.set(id, v);
      return v;
    };
  }

  private readValidators(state: StateAccess): ValidatorSet {
    const v = state.get(VALIDATOR_SET_KEY);
    if (v === undefined) throw stateError(StateErrorCode.CORRUPT, "no validator set in state");
    return decodeValidatorSet(v);
  }

  private context(
    block: BlockInfo,
    state: StateAccess,
    events: StateEvent[],
    maxEvents = MAX_BLOCK_EVENTS,
  ): ExecContext {
    return {
      block,
      state,
      bank: new Bank(state),
      hash: this.hash,
      validators: () => this.readValidators(state),
      setValidators: (set: ValidatorSet) => {
        // Re-canonicalise: a module cannot store a set that breaks the invariants (never empty, …).
        const canonical = createValidatorSet(set.validators);
        state.set(VALIDATOR_SET_KEY, encodeValidatorSet(canonical));
      },
      emit: (type: string, attributes: ReadonlyArray<readonly [string, string]> = []) => {
        assertEvent(type, attributes);
        if (events.length >= maxEvents) throw new RangeError("too many events");
        events.push({ type, attributes: attributes.map(([k, v]) => [k, v] as const) });
      },
    };
  }

  private executeTx(
    bytes: Uint8Array,
    index: number,
    block: BlockInfo,
    overlay: Overlay,
    opts: ExecuteBlockOptions,
  ): StateTxResult {
    const hash = opts.txHashes?.[index] ?? txHash(bytes, { hash: this.hash });
    const hashHex =
      opts.preVerified === undefined && opts.decoded === undefined
        ? ""
        : (opts.txHashesHex?.[index] ?? bytesToHex(hash));
    const fail = (code: string, log: string, gasUsed = 0): StateTxResult => ({
      code,
      data: EMPTY,
      hash,
      gasUsed,
      events: [],
      log,
    });
    let tx: SignedTx;
    const known = opts.decoded?.(hashHex);
    if (known !== undefined) tx = known;
    else {
      try {
        tx = decodeTx(bytes, { registry: this.registry });
      } catch (e) {
        return fail(TxErrorCode.MALFORMED, messageOf(e));
      }
    }
    if (tx.chainId !== this.chainId) return fail(TxErrorCode.WRONG_CHAIN, "tx is for another chain");
    if (tx.expiryHeight !== 0 && tx.expiryHeight < block.height)
      return fail(TxErrorCode.EXPIRED, "tx expired");
    const module = this.byKind.get(tx.kind);
    if (module === undefined) return fail(TxErrorCode.UNKNOWN_KIND, `no module handles kind ${tx.kind}`);
    let sender: Uint8Array;
    try {
      sender = accountAddress(tx.scheme, tx.sender, this.hash);
    } catch (e) {
      return fail(TxErrorCode.MALFORMED, messageOf(e));
    }
    const acct = accountKey(sender);
    const stored = overlay.get(acct);
    const next = stored === undefined ? 0 : decodeAccountNonce(stored);
    if (tx.nonce < next) return fail(TxErrorCode.NONCE_TOO_LOW, `nonce ${tx.nonce} < next nonce ${next}`);
    if (tx.nonce > next) return fail(TxErrorCode.NONCE_TOO_HIGH, `nonce ${tx.nonce} > next nonce ${next}`);
    if (opts.preVerified === undefined || !opts.preVerified.has(hashHex)) {
      const sm9 = this.verifySm9;
      const ok = verifyTxSignature(tx, {
        hash: this.hash,
        registry: this.registry,
        ...(sm9 === undefined
          ? {}
          : { sm9: (t: SignedTx, signBytes: Uint8Array) => sm9(t, signBytes, overlay) }),
      });
      if (!ok) return fail(TxErrorCode.BAD_SIGNATURE, "signature does not verify");
    }
    overlay.set(acct, encodeAccountNonce(next + 1));
    const baseGas = TX_BASE_GAS + bytes.length;
    const txOverlay = new Overlay(overlay.read);
    const metered = new MeteredAccess(txOverlay);
    const events: StateEvent[] = [];
    const ctx: TxContext = {
      ...this.context(block, metered, events, MAX_EVENTS),
      tx,
      txHash: hash,
      txIndex: index,
      sender,
    };
    let data: Uint8Array;
    try {
      const out = module.execute(ctx, tx);
      if (out !== undefined && (!(out instanceof Uint8Array) || out.length > MAX_TX_RESULT_DATA)) {
        throw new RangeError(`result data must be ≤ ${MAX_TX_RESULT_DATA} bytes`);
      }
      data = out === undefined ? EMPTY : out.slice();
    } catch (e) {
      // A corrupt store is the node's failure, not the tx's: stop rather than record a verdict.
      if (e instanceof ChainCoreError && e.code === StateErrorCode.CORRUPT) throw e;
      return fail(failureCode(e), messageOf(e), baseGas + metered.gasUsed);
    }
    txOverlay.mergeInto(overlay);
    return { code: TX_RESULT_OK, data, hash, gasUsed: baseGas + metered.gasUsed, events };
  }

  /**
   * One batched tree update over every key the overlay wrote, and the store write batch: tree nodes,
   * values by hash, the latest-value index, results, the height record and the meta record, sorted by key
   * (deterministic bytes for a deterministic execution).
   */
  private buildBatch(
    height: number,
    baseRoot: Uint8Array,
    overlay: Overlay,
    results: readonly StateTxResult[],
    blockEvents: readonly StateEvent[],
    rRoot: Uint8Array,
    nextSet: ValidatorSet,
    treeKeys: ReadonlyMap<string, Uint8Array>,
  ): BuiltBatch {
    const updates: SmtUpdate[] = [];
    const puts = new Map<string, readonly [Uint8Array, Uint8Array]>();
    const dels = new Map<string, Uint8Array>();
    const put = (k: Uint8Array, v: Uint8Array): void => {
      puts.set(keyId(k), [k, v]);
    };
    for (const [id, e] of overlay.writes) {
      const tk = treeKeys.get(id) ?? stateTreeKey(e.key, this.hash);
      updates.push([tk, e.value]);
      const lk = latestValueKey(tk);
      if (e.value === null) {
        dels.set(keyId(lk), lk);
      } else {
        put(lk, e.value);
        put(stateValueKey(this.hash(e.value)), e.value);
      }
    }
    const { root, nodes } = smtApply(this.nodes, baseRoot, updates, this.hash);
    this.nodes.put(nodes);
    for (const [k, v] of KvSmtNodeStore.puts(nodes)) put(k, v);
    put(
      blockResultsKey(height),
      encodeBlockResults({
        results: results.map((r) => ({ code: r.code, data: r.data, gasUsed: r.gasUsed, events: r.events })),
        events: blockEvents,
      }),
    );
    put(
      heightRecordKey(height),
      encodeHeightRecord({
        height,
        stateRoot: root,
        resultsRoot: rRoot,
        nextValidatorsHash: validatorSetHash(nextSet, this.hash),
        txCount: results.length,
      }),
    );
    put(STATE_META_KEY, encodeMeta({ height, stateRoot: root }));
    // keyId strings have one UTF-16 unit per byte, so string order is byte order (and much faster).
    const byId = <T>(m: Map<string, T>): T[] => [...m.keys()].sort().map((id) => m.get(id) as T);
    const sortedPuts = byId(puts);
    const sortedDels = byId(dels);
    return { root, batch: { put: sortedPuts, del: sortedDels } };
  }
}
