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
import { bytesToHex, compareBytes, equalBytes, utf8ToBytes } from "@tandem/crypto";
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
  MAX_AMOUNT,
  MAX_TX_RESULT_DATA,
  resultsRoot,
  type SignedTx,
  type SmtUpdate,
  smtApplyHashed,
  smtGet,
  smtProve,
  TRANSFER_KIND,
  type TransferPayload,
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
import { Bank, bankModule, isBuiltInBank } from "./bank.js";
import {
  assertEvent,
  decodeAccountNonce,
  decodeBlockResults,
  decodeHeightRecord,
  decodeMeta,
  encodeBlockResults,
  encodeHeightRecord,
  encodeMeta,
  MAX_BLOCK_EVENTS,
  MAX_EVENTS,
  readAmount,
  readNonce,
  type StateMeta,
  writeAmount,
  writeNonce,
} from "./codec.js";
import { StateErrorCode, stateError, TxErrorCode } from "./errors.js";
import { GenerationalCache } from "./gen-cache.js";
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
  ACCOUNT_PREFIX,
  accountKey,
  assertAddress,
  blockResultsKey,
  denomKey,
  heightRecordKey,
  latestValueKey,
  STATE_META_KEY,
  smtNodeKey,
  stateTreeKey,
  stateValueKey,
  VALIDATOR_SET_KEY,
} from "./keys.js";
import { defaultStateMachineOptions, type StateMachineModules, type StateMachineOptions } from "./options.js";
import { GAS, keyId, MeteredAccess, Overlay, type ParentReader } from "./overlay.js";
import { SenderCache } from "./sender-cache.js";
import { encodeNodeRecords, KvSmtNodeStore, SMT_NODE_RECORD_BYTES } from "./smt-store.js";

const EMPTY = new Uint8Array(0);
const RESULT_CODE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;
const MODULE_NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;
/** Gas charged to every tx before its module runs. */
const TX_BASE_GAS = 1000;
const BAL_PREFIX = utf8ToBytes("bal/");

/**
 * Indices of `keys` in byte order of the keys, one per distinct key (the last one given, as a map
 * would keep). Sorted by the first 8 bytes as two numbers, then by the whole key: the store keys here
 * differ within their first 8 bytes almost always (a 4-byte prefix, then a hash).
 */
function sortedUnique(keys: readonly Uint8Array[]): number[] {
  const n = keys.length;
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i] as Uint8Array;
    let h = 0;
    let l = 0;
    for (let j = 0; j < 4; j++) h = h * 256 + (k[j] ?? 0);
    for (let j = 4; j < 8; j++) l = l * 256 + (k[j] ?? 0);
    hi[i] = h;
    lo[i] = l;
  }
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(
    (a, b) =>
      (hi[a] as number) - (hi[b] as number) ||
      (lo[a] as number) - (lo[b] as number) ||
      compareBytes(keys[a] as Uint8Array, keys[b] as Uint8Array) ||
      a - b,
  );
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = order[i] as number;
    const b = order[i + 1];
    if (
      b !== undefined &&
      hi[a] === hi[b] &&
      lo[a] === lo[b] &&
      compareBytes(keys[a] as Uint8Array, keys[b] as Uint8Array) === 0
    )
      continue;
    out.push(a);
  }
  return out;
}

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

/** Entries of {@link StateMachine}'s committed-nonce cache before it is cleared. */
const NONCE_CACHE_MAX = 262_144;
/** {@link keyId} of the account-key prefix: an account key's id is this followed by the address id. */
const ACCOUNT_PREFIX_ID = keyId(ACCOUNT_PREFIX);

function isAccountKeyId(id: string): boolean {
  return id.length === ACCOUNT_PREFIX_ID.length + ADDRESS_LENGTH && id.startsWith(ACCOUNT_PREFIX_ID);
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

/**
 * A block's state writes applied to the tree: what the write batch is built from at commit time. Only
 * these stay in memory between execution and commit (≈1 s under load), not the thousands of store keys
 * and [key, value] pairs of the batch: objects that live that long outlast the young generation, and
 * copying them out of it was the largest part of a node's garbage-collection time.
 */
interface AppliedWrites {
  readonly root: Uint8Array;
  /** [tree key, value hash | null] per written key, in the overlay's order. */
  readonly updates: readonly SmtUpdate[];
  /** The written values, index for index with `updates` (null = deleted). */
  readonly values: ReadonlyArray<Uint8Array | null>;
  /** The tree nodes the update created, as {@link encodeNodeRecords} bytes (one object, not thousands). */
  readonly nodeRecords: Uint8Array;
  /** Next nonces of the accounts written, by address id. */
  readonly nonces: ReadonlyMap<string, number>;
}

/** What goes into a block's write batch besides its state writes. */
interface BlockRecords {
  readonly height: number;
  readonly results: readonly StateTxResult[];
  readonly blockEvents: readonly StateEvent[];
  readonly resultsRoot: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
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
  /**
   * Committed next nonces by address (latin1 of its 20 bytes): what the mempool asks for every tx it
   * admits. Filled on read; each commit writes its block's account changes through, so an entry is
   * never stale. Cleared whole when it grows past {@link NONCE_CACHE_MAX} or a commit's changes are
   * unknown.
   */
  private readonly nonceCache = new Map<string, number>();
  /** The account nonces each not-yet-committed execution writes (id of the address → next nonce). */
  private readonly execNonces = new WeakMap<object, ReadonlyMap<string, number>>();
  /** The built-in bank module when it executes `transfer`: its transfers take {@link transferFast}. */
  private readonly fastBank: StateModule | undefined;
  /** Account address by scheme and sender key (saves a hash per tx). */
  private readonly addresses = new SenderCache<Uint8Array>();
  /** Hex of addresses (transfer events). */
  private readonly hexes = new SenderCache<string>();
  /** Tree key H(raw key) by raw key id, across blocks (saves a hash per key a block touches). */
  private readonly treeKeyCache = new GenerationalCache<string, Uint8Array>(100_000);
  /** `denom/<denom>` key, its id and the denom's UTF-8 bytes, by denom. */
  private readonly denomKeys = new Map<string, { key: Uint8Array; id: string; bytes: Uint8Array }>();

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
    const transfers = this.byKind.get(TRANSFER_KIND.kind);
    this.fastBank = transfers !== undefined && isBuiltInBank(transfers) ? transfers : undefined;
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
    if (at.latest) return this.store.get(latestValueKey(this.treeKeyOf(key, keyId(key))));
    const tk = stateTreeKey(key, this.hash);
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
    assertAddress(address);
    // The id of an address is its keyId: an account key's id after the "acct/" prefix.
    const id = keyId(address);
    const hit = this.nonceCache.get(id);
    if (hit !== undefined) return hit;
    const v = this.get(accountKey(address));
    const nonce = v === undefined ? 0 : decodeAccountNonce(v);
    if (this.nonceCache.size >= NONCE_CACHE_MAX) this.nonceCache.clear();
    this.nonceCache.set(id, nonce);
    return nonce;
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
    const applied = this.applyWrites(new Uint8Array(32), overlay, new Map());
    const validatorsHash = validatorSetHash(finalSet, this.hash);
    const records: BlockRecords = {
      height: 0,
      results: [],
      blockEvents: events,
      resultsRoot: resultsRoot([], this.hash),
      nextValidatorsHash: validatorsHash,
    };
    this.log.info("genesis built", { chainId: this.chainId, validators: finalSet.validators.length });
    const build = (): WriteBatch => this.writeBatchOf(applied, records);
    return {
      height: 0,
      stateRoot: applied.root,
      validatorSet: finalSet,
      validatorsHash,
      get writeBatch() {
        return build();
      },
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
    const applied = this.applyWrites(meta.stateRoot, overlay, treeKeys);
    const validatorsHash = validatorSetHash(validatorSet, this.hash);
    const nextValidatorsHash = validatorSetHash(nextValidatorSet, this.hash);
    this.log.debug("block executed", { height: block.height, txs: block.txs.length, failed });
    const records: BlockRecords = {
      height: block.height,
      results,
      blockEvents,
      resultsRoot: rRoot,
      nextValidatorsHash,
    };
    const build = (): WriteBatch => this.writeBatchOf(applied, records);
    const exec: BlockExecution = {
      height: block.height,
      stateRoot: applied.root,
      results,
      resultsRoot: rRoot,
      validatorSet,
      validatorsHash,
      nextValidatorSet,
      nextValidatorsHash,
      validatorSetChanged: compareBytes(validatorsHash, nextValidatorsHash) !== 0,
      events: blockEvents,
      get writeBatch() {
        return build();
      },
    };
    this.execNonces.set(exec, applied.nonces);
    return exec;
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
    const nonces = this.execNonces.get(exec);
    try {
      await this.store.write(mergeWriteBatches(exec.writeBatch, extra));
    } catch (e) {
      this.nonceCache.clear();
      throw e;
    } finally {
      this.metaCache = undefined;
    }
    if (nonces === undefined) this.nonceCache.clear();
    else for (const [id, n] of nonces) this.nonceCache.set(id, n);
  }

  // ------------------------------------------------------------------------------------------ internals

  /** Reads committed latest values through a per-block cache (tree keys are kept for the batch). */
  private committedReader(treeKeys: Map<string, Uint8Array>): ParentReader {
    const cache = new Map<string, Uint8Array | undefined>();
    return (key, id) => {
      const hit = cache.get(id);
      if (hit !== undefined || cache.has(id)) return hit;
      const tk = this.treeKeyOf(key, id);
      treeKeys.set(id, tk);
      const v = this.store.get(latestValueKey(tk));
      cache.set(id, v);
      return v;
    };
  }

  /** H(raw key), cached across blocks (the arrays are shared: never mutated). */
  private treeKeyOf(key: Uint8Array, id: string): Uint8Array {
    let tk = this.treeKeyCache.get(id);
    if (tk === undefined) {
      tk = stateTreeKey(key, this.hash);
      this.treeKeyCache.set(id, tk);
    }
    return tk;
  }

  /** The sender's account address, cached by scheme and key (a shared array: never mutated). */
  private senderAddress(tx: SignedTx): Uint8Array {
    let a = this.addresses.get(tx.scheme, tx.sender);
    if (a === undefined) {
      a = accountAddress(tx.scheme, tx.sender, this.hash);
      this.addresses.set(tx.scheme, tx.sender, a);
    }
    return a;
  }

  /** Lower-case hex of an address, cached (event attributes). */
  private hexOf(address: Uint8Array): string {
    let h = this.hexes.get("", address);
    if (h === undefined) {
      h = bytesToHex(address);
      this.hexes.set("", address, h);
    }
    return h;
  }

  private denomKeyOf(denom: string): { key: Uint8Array; id: string; bytes: Uint8Array } {
    let d = this.denomKeys.get(denom);
    if (d === undefined) {
      if (this.denomKeys.size >= 1024) this.denomKeys.clear();
      const key = denomKey(denom);
      d = { key, id: keyId(key), bytes: utf8ToBytes(denom) };
      this.denomKeys.set(denom, d);
    }
    return d;
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
      sender = this.senderAddress(tx);
    } catch (e) {
      return fail(TxErrorCode.MALFORMED, messageOf(e));
    }
    const acct = accountKey(sender);
    const acctId = keyId(acct);
    const stored = overlay.read(acct, acctId);
    const next = stored === undefined ? 0 : readNonce(stored);
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
    overlay.writes.set(acctId, { key: acct, value: writeNonce(next + 1) });
    const baseGas = TX_BASE_GAS + bytes.length;
    if (module === this.fastBank && tx.kind === TRANSFER_KIND.kind) {
      const done = this.transferFast(tx.payload as TransferPayload, sender, hash, baseGas, overlay);
      if (done !== undefined) return done;
    }
    const txOverlay = new Overlay(overlay.read);
    const metered = new MeteredAccess(txOverlay);
    const events: StateEvent[] = [];
    const ctx: TxContext = {
      ...this.context(block, metered, events, MAX_EVENTS),
      tx,
      txHash: hash,
      txIndex: index,
      sender: sender.slice(),
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
   * A `transfer` of the built-in bank module without the generic machinery (tx overlay, metered access,
   * context, defensive copies): the same reads, writes, gas and event as `Bank.transfer` under
   * `MeteredAccess`, writing straight into the block overlay. Only the success path runs here: a bad
   * amount or recipient, an unknown denom, insufficient funds, an overflow, a self-transfer or an
   * unusual stored value returns undefined before anything is written, and the generic path then
   * produces the exact outcome.
   */
  private transferFast(
    p: TransferPayload,
    sender: Uint8Array,
    hash: Uint8Array,
    baseGas: number,
    overlay: Overlay,
  ): StateTxResult | undefined {
    const { amount, to, denom } = p;
    if (typeof amount !== "bigint" || amount <= 0n || amount > MAX_AMOUNT) return undefined;
    if (!(to instanceof Uint8Array) || to.length !== ADDRESS_LENGTH || typeof denom !== "string")
      return undefined;
    // The event's limits (assertEvent) hold for any denom this short.
    if (denom.length > 256 || equalBytes(sender, to)) return undefined;
    const d = this.denomKeyOf(denom);
    const supply = overlay.read(d.key, d.id);
    if (supply === undefined) return undefined;
    let gas = GAS.read + GAS.perByte * supply.length;
    const fromKey = this.balanceKeyOf(sender, d.bytes);
    const fromId = keyId(fromKey);
    const fv = overlay.read(fromKey, fromId);
    gas += GAS.read + GAS.perByte * (fv?.length ?? 0);
    const have = fv === undefined ? 0n : readAmount(fv);
    if (have === undefined || have < amount) return undefined;
    const toKey = this.balanceKeyOf(to, d.bytes);
    const toId = keyId(toKey);
    const tv = overlay.read(toKey, toId);
    gas += GAS.read + GAS.perByte * (tv?.length ?? 0);
    const theirs = tv === undefined ? 0n : readAmount(tv);
    if (theirs === undefined || theirs + amount > MAX_AMOUNT) return undefined;
    const left = have - amount;
    if (left === 0n) {
      overlay.writes.set(fromId, { key: fromKey, value: null });
      gas += GAS.delete;
    } else {
      overlay.writes.set(fromId, { key: fromKey, value: writeAmount(left) });
      gas += GAS.write + GAS.perByte * (fromKey.length + 16);
    }
    overlay.writes.set(toId, { key: toKey, value: writeAmount(theirs + amount) });
    gas += GAS.write + GAS.perByte * (toKey.length + 16);
    const events: StateEvent[] = [
      {
        type: "transfer",
        attributes: [
          ["sender", this.hexOf(sender)],
          ["recipient", this.hexOf(to)],
          ["denom", denom],
          ["amount", amount.toString()],
        ],
      },
    ];
    return { code: TX_RESULT_OK, data: EMPTY, hash, gasUsed: baseGas + gas, events };
  }

  /** `bal/<address><denom>` (the bytes of `balanceKey`). */
  private balanceKeyOf(address: Uint8Array, denomBytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(BAL_PREFIX.length + ADDRESS_LENGTH + denomBytes.length);
    out.set(BAL_PREFIX);
    out.set(address, BAL_PREFIX.length);
    out.set(denomBytes, BAL_PREFIX.length + ADDRESS_LENGTH);
    return out;
  }

  /**
   * One batched tree update over every key the overlay wrote: the new root and nodes (the nodes are
   * cached at once, so reads of the new tree work before it is committed).
   */
  private applyWrites(
    baseRoot: Uint8Array,
    overlay: Overlay,
    treeKeys: ReadonlyMap<string, Uint8Array>,
  ): AppliedWrites {
    const updates: SmtUpdate[] = [];
    const values: Array<Uint8Array | null> = [];
    const nonces = new Map<string, number>();
    for (const [id, e] of overlay.writes) {
      if (isAccountKeyId(id))
        nonces.set(id.slice(ACCOUNT_PREFIX_ID.length), e.value === null ? 0 : readNonce(e.value));
      const tk = treeKeys.get(id) ?? this.treeKeyOf(e.key, id);
      // One hash of the value, for its tree leaf and (at commit) its store key.
      updates.push([tk, e.value === null ? null : this.hash(e.value)]);
      values.push(e.value);
    }
    const { root, nodes } = smtApplyHashed(this.nodes, baseRoot, updates, this.hash);
    const nodeRecords = encodeNodeRecords(nodes);
    this.nodes.putRecords(nodeRecords);
    return { root, updates, values, nodeRecords, nonces };
  }

  /**
   * The store write batch of an applied block: tree nodes, values by hash, the latest-value index,
   * results, the height record and the meta record, sorted by key (the same bytes for the same
   * execution). Built when the execution's `writeBatch` is read, i.e. at commit.
   */
  private writeBatchOf(applied: AppliedWrites, r: BlockRecords): WriteBatch {
    const { root, updates, values, nodeRecords } = applied;
    const putKeys: Uint8Array[] = [];
    const putValues: Uint8Array[] = [];
    const delKeys: Uint8Array[] = [];
    const put = (k: Uint8Array, v: Uint8Array): void => {
      putKeys.push(k);
      putValues.push(v);
    };
    for (let i = 0; i < updates.length; i++) {
      const [tk, vh] = updates[i] as SmtUpdate;
      const value = values[i] as Uint8Array | null;
      const lk = latestValueKey(tk);
      if (value === null || vh === null) delKeys.push(lk);
      else {
        put(lk, value);
        put(stateValueKey(vh), value);
      }
    }
    // Node encodings as views into the records (one buffer per block, not one per node).
    for (let o = 0; o < nodeRecords.length; o += SMT_NODE_RECORD_BYTES)
      put(
        smtNodeKey(nodeRecords.subarray(o, o + 32)),
        nodeRecords.subarray(o + 32, o + SMT_NODE_RECORD_BYTES),
      );
    put(
      blockResultsKey(r.height),
      encodeBlockResults({
        results: r.results.map((x) => ({ code: x.code, data: x.data, gasUsed: x.gasUsed, events: x.events })),
        events: r.blockEvents,
      }),
    );
    put(
      heightRecordKey(r.height),
      encodeHeightRecord({
        height: r.height,
        stateRoot: root,
        resultsRoot: r.resultsRoot,
        nextValidatorsHash: r.nextValidatorsHash,
        txCount: r.results.length,
      }),
    );
    put(STATE_META_KEY, encodeMeta({ height: r.height, stateRoot: root }));
    const sortedPuts = sortedUnique(putKeys).map(
      (i) => [putKeys[i] as Uint8Array, putValues[i] as Uint8Array] as const,
    );
    const sortedDels = sortedUnique(delKeys).map((i) => delKeys[i] as Uint8Array);
    return { put: sortedPuts, del: sortedDels };
  }
}
