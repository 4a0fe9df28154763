/**
 * The chain node: one composition root wiring the consensus engine, the state machine, the mempool,
 * the block store, block sync and tx gossip over the node's ports (store, network, clock, logger,
 * validator key).
 *
 * Life cycle: `init` opens the state and the block store (writing genesis on an empty store), checks
 * the stored genesis against the options, and starts the runner: sync from peers until none has a
 * block after the head, then consensus (the engine replays its WAL of head + 1). While in consensus, a
 * peer reporting a height more than `sync.lagThreshold` ahead sends the node back to sync (the engine
 * is closed and re-initialised afterwards). A failpoint crash or an unexpected error stops the node
 * for good (`mode` "crashed", `ports.onFatal`); restarting means a new `init` over the same store.
 *
 * Startup reads the head record and the state meta only: no scan of history.
 */
import { bytesToHex, ed25519, equalBytes } from "@tandem/crypto";
import {
  accountAddress,
  type Block,
  type BlockHeader,
  type Commit,
  createValidatorSet,
  encodeTx,
  encodeTxResult,
  type HashFn,
  hashSuite,
  isChainId,
  MerkleTree,
  merkleProof,
  signTx,
  txHash,
  validatorSetHash,
} from "@tandem/ledger";
import { ConsensusEngine } from "../consensus/engine.js";
import { type Clock, type ConsensusTransport, systemClock } from "../consensus/interface.js";
import { BlsVoteVerifier, type VoteVerifier } from "../consensus/signer.js";
import type { Evidence } from "../consensus/types.js";
import { ValidatorSet } from "../consensus/validator-set.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import { FailpointCrash, noFailpoints } from "../failpoints.js";
import type { LightBlock } from "../light-client/types.js";
import { type Logger, silentLogger } from "../logger.js";
import { Mempool, type SubmitOutcome, type SubmitResult } from "../mempool/mempool.js";
import type { NetworkTopic, PeerNetwork } from "../network/interface.js";
import { bankModule } from "../state/bank.js";
import { decodeAccountNonce, decodeAmount } from "../state/codec.js";
import { accusedKey, EVIDENCE_KIND, evidenceModule, evidencePayload } from "../state/evidence.js";
import { governanceModule } from "../state/governance.js";
import { accountKey, balanceKey } from "../state/keys.js";
import { StateMachine } from "../state/state-machine.js";
import { BlockStore } from "./block-store.js";
import { ChainApp, type CommittedBlock } from "./chain-app.js";
import { decodeTxBatch, encodeBlockWithCommit, type HeadRecord, MAX_SYNC_BATCH } from "./codec.js";
import { NodeErrorCode, nodeError } from "./errors.js";
import { TypedEmitter } from "./events.js";
import type {
  AccountView,
  BalanceView,
  ChainNodeEventMap,
  ChainNodeMode,
  ChainNodePorts,
  ChainNodeStats,
  CommittedBlockEvent,
  TxLookup,
  TxResultView,
} from "./interface.js";
import {
  type ChainNodeOptions,
  defaultBlockOptions,
  defaultSyncOptions,
  defaultTxGossipOptions,
} from "./options.js";
import { BlockSync } from "./sync.js";
import { TxGossip } from "./tx-gossip.js";

const ZERO_HASH = new Uint8Array(32);
const MSG_PROPOSAL = 1;
const MSG_STATUS = 3;
const MSG_DECISION = 4;

function optionsError(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, message);
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isSafeInteger(v) || v < min)
    throw optionsError(`ChainNode: ${name} must be an integer ≥ ${min}`);
  return v;
}

interface Resolved {
  readonly chainId: string;
  readonly hash: HashFn;
  readonly opts: ChainNodeOptions;
  readonly block: typeof defaultBlockOptions;
  readonly sync: typeof defaultSyncOptions;
  readonly gossip: typeof defaultTxGossipOptions;
}

function resolve(opts: ChainNodeOptions): Resolved {
  if (
    typeof opts !== "object" ||
    opts === null ||
    typeof opts.genesis !== "object" ||
    opts.genesis === null
  ) {
    throw optionsError("ChainNode: a genesis document is required");
  }
  const chainId = opts.genesis.chainId;
  if (!isChainId(chainId)) throw optionsError("ChainNode: genesis.chainId must be a CAIP-2 chain id");
  const block = { ...defaultBlockOptions, ...opts.block };
  const sync = { ...defaultSyncOptions, ...opts.sync };
  const gossip = { ...defaultTxGossipOptions, ...opts.txGossip };
  positiveInt("block.maxTxs", block.maxTxs);
  positiveInt("block.maxBytes", block.maxBytes);
  positiveInt("block.minIntervalMs", block.minIntervalMs, 0);
  positiveInt("block.emptyBlockWaitMs", block.emptyBlockWaitMs, 0);
  positiveInt("block.maxFutureDriftMs", block.maxFutureDriftMs, 0);
  positiveInt("block.maxCachedProposals", block.maxCachedProposals);
  positiveInt("sync.batchSize", sync.batchSize);
  if (sync.batchSize > MAX_SYNC_BATCH)
    throw optionsError(`ChainNode: sync.batchSize must be ≤ ${MAX_SYNC_BATCH}`);
  positiveInt("sync.maxServe", Math.min(sync.maxServe, MAX_SYNC_BATCH));
  positiveInt("sync.maxServeBytes", sync.maxServeBytes);
  positiveInt("sync.peerBackoffMs", sync.peerBackoffMs, 0);
  positiveInt("sync.lagThreshold", sync.lagThreshold);
  positiveInt("txGossip.maxBatch", gossip.maxBatch);
  positiveInt("txGossip.flushIntervalMs", gossip.flushIntervalMs, 0);
  positiveInt("txGossip.regossipAfterMs", gossip.regossipAfterMs, 0);
  positiveInt("txGossip.regossipMax", gossip.regossipMax, 0);
  return { chainId, hash: hashSuite(opts.hashSuite ?? "sha256"), opts, block, sync, gossip };
}

export class ChainNode {
  readonly chainId: string;
  readonly hash: HashFn;
  readonly events: TypedEmitter<ChainNodeEventMap>;
  readonly stats: ChainNodeStats = {
    blocksCommitted: 0,
    blocksSynced: 0,
    syncRejected: 0,
    syncRounds: 0,
    proposalsBuilt: 0,
    proposalsRejected: 0,
    lastCommitsVerified: 0,
    lastCommitsFromVotes: 0,
    evidenceSubmitted: 0,
    txsGossiped: 0,
    txsReceived: 0,
  };
  readonly blockStore: BlockStore;
  readonly stateMachine: StateMachine;
  readonly mempool: Mempool;
  private readonly app: ChainApp;
  private readonly sync: BlockSync;
  private readonly gossip: TxGossip;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly network: PeerNetwork;
  private readonly verifier: VoteVerifier;
  private readonly cfg: Resolved;
  private engine: ConsensusEngine | undefined;
  private _mode: ChainNodeMode = "starting";
  private stopping = false;
  private runner: Promise<void> = Promise.resolve();
  private wakeRunner: (() => void) | undefined;
  private stopSignal: Promise<void>;
  private signalStop: () => void = () => {};
  private txWaiters: Array<() => void> = [];
  private readonly evidenceSeen = new Set<string>();
  private fatalReported = false;
  private started = false;
  private lagTriggered = false;
  private lagQuietUntil = 0;

  private constructor(
    cfg: Resolved,
    private readonly ports: ChainNodePorts,
    deps: {
      state: StateMachine;
      blocks: BlockStore;
      mempool: Mempool;
      verifier: VoteVerifier;
      head: HeadRecord;
    },
  ) {
    this.cfg = cfg;
    this.chainId = cfg.chainId;
    this.hash = cfg.hash;
    this.log = ports.logger ?? silentLogger;
    this.clock = ports.clock ?? systemClock;
    this.network = ports.network;
    this.verifier = deps.verifier;
    this.events = new TypedEmitter(this.log);
    this.stateMachine = deps.state;
    this.blockStore = deps.blocks;
    this.mempool = deps.mempool;
    this.stopSignal = new Promise<void>((resolve) => {
      this.signalStop = resolve;
    });
    this.app = new ChainApp(
      {
        chainId: cfg.chainId,
        hash: cfg.hash,
        blocks: deps.blocks,
        state: deps.state,
        mempool: deps.mempool,
        verifier: deps.verifier,
        clock: this.clock,
        failpoints: ports.failpoints ?? noFailpoints,
        log: this.log,
        stats: this.stats,
        signerPublicKey: ports.signer?.publicKey,
        block: cfg.block,
        waitForTxs: (ms) => this.waitForTxs(ms),
        onCommitted: (b) => this.onCommitted(b),
        onEvidence: (e, set) => this.onEvidence(e, set),
      },
      deps.head,
    );
    this.sync = new BlockSync({
      network: this.network,
      app: this.app,
      clock: this.clock,
      log: this.log,
      stats: this.stats,
      batchSize: cfg.sync.batchSize,
      peerBackoffMs: cfg.sync.peerBackoffMs,
      stopSignal: this.stopSignal,
    });
    this.gossip = new TxGossip(this.network, this.clock, cfg.gossip, (id) => deps.mempool.has(id));
  }

  /**
   * Opens (or creates, from genesis) the node's chain in `ports.store` and starts it: sync, then
   * consensus. Rejects with NODE_GENESIS_MISMATCH when the store holds another chain.
   */
  static async init(opts: ChainNodeOptions, ports: ChainNodePorts): Promise<ChainNode> {
    const node = await ChainNode.open(opts, ports);
    node.start();
    return node;
  }

  /**
   * Opens the chain like {@link init} without starting it: queries work, nothing runs and the node is
   * not on the network until {@link start}. For tools (importing or generating history) and tests.
   */
  static async open(opts: ChainNodeOptions, ports: ChainNodePorts): Promise<ChainNode> {
    const cfg = resolve(opts);
    if (typeof ports?.store?.get !== "function" || typeof ports.network?.attach !== "function") {
      throw optionsError("ChainNode: ports.store and ports.network are required");
    }
    const log = ports.logger ?? silentLogger;
    const verifier = ports.verifier ?? (await BlsVoteVerifier.create());
    const state = await StateMachine.init(
      {
        chainId: cfg.chainId,
        hashSuite: opts.hashSuite ?? "sha256",
        ...(opts.stateNodeCacheSize === undefined ? {} : { nodeCacheSize: opts.stateNodeCacheSize }),
      },
      {
        store: ports.store,
        stateModules: ports.stateModules ?? [bankModule(), governanceModule(), evidenceModule({ verifier })],
        ...(ports.registry === undefined ? {} : { registry: ports.registry }),
        logger: log,
      },
    );
    const blocks = new BlockStore(ports.store);
    const head = await ChainNode.openChain(cfg, state, blocks);
    const mempool = await Mempool.init(
      { ...opts.mempool, chainId: cfg.chainId, hashSuite: opts.hashSuite ?? "sha256" },
      { state, registry: state.kinds, logger: log },
    );
    return new ChainNode(cfg, ports, { state, blocks, mempool, verifier, head });
  }

  /** Joins the network and runs: sync from peers, then consensus. Once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.stopping) throw nodeError(NodeErrorCode.NODE_CLOSED, "the node was closed");
    this.network.attach({
      onMessage: (from, topic, data) => this.onMessage(from, topic, data),
      onGetBlocks: (_from, fromHeight, max) => this.serveBlocks(fromHeight, max),
    });
    this.log.info("chain node started", {
      chainId: this.chainId,
      height: this.height,
      peer: this.network.peerId,
    });
    this.runner = this.run();
  }

  /** Writes genesis on an empty store, or checks the stored chain against the options. */
  private static async openChain(
    cfg: Resolved,
    state: StateMachine,
    blocks: BlockStore,
  ): Promise<HeadRecord> {
    const genesis = cfg.opts.genesis;
    let expectedValidatorsHash: Uint8Array;
    try {
      expectedValidatorsHash = validatorSetHash(createValidatorSet(genesis.validators), cfg.hash);
    } catch (cause) {
      throw new ChainCoreError("STATE_GENESIS_INVALID", "genesis validators are invalid", {}, { cause });
    }
    const head = blocks.head();
    if (head === undefined) {
      if (state.info() !== undefined) {
        throw nodeError(NodeErrorCode.NODE_GENESIS_MISMATCH, "the store holds state but no block store");
      }
      const g = state.initGenesis(genesis);
      const first: HeadRecord = {
        height: 0,
        hash: ZERO_HASH,
        time: genesis.time ?? 0,
        validators: undefined,
        nextValidators: ValidatorSet.create(g.validatorSet.validators),
      };
      const record = {
        chainId: cfg.chainId,
        time: genesis.time ?? 0,
        stateRoot: g.stateRoot,
        validatorsHash: g.validatorsHash,
      };
      await state.commit(g, blocks.genesisBatch(record, first));
      return first;
    }
    const record = blocks.genesis();
    if (
      record === undefined ||
      record.chainId !== cfg.chainId ||
      !equalBytes(record.validatorsHash, expectedValidatorsHash) ||
      record.time !== (genesis.time ?? 0)
    ) {
      throw nodeError(NodeErrorCode.NODE_GENESIS_MISMATCH, "the store holds another chain or genesis", {
        chainId: record?.chainId,
      });
    }
    const meta = state.info();
    if (meta === undefined || meta.height !== head.height) {
      throw nodeError(NodeErrorCode.BLOCK_STORE_CORRUPT, "state and block store are at different heights", {
        state: meta?.height,
        blocks: head.height,
      });
    }
    return head;
  }

  // ---- status -----------------------------------------------------------------------------------

  get mode(): ChainNodeMode {
    return this._mode;
  }

  /** The peer id on the network. */
  get peerId(): string {
    return this.network.peerId;
  }

  /** The last stored height. */
  get height(): number {
    return this.app.head.height;
  }

  /** The hash of the last stored block (zero at height 0). */
  get headHash(): Uint8Array {
    return this.app.head.hash;
  }

  /** The head record (height, hash, time, the validator sets of the head and of the next height). */
  get head(): HeadRecord {
    return this.app.head;
  }

  /** The state root after the last stored block. */
  get stateRoot(): Uint8Array {
    return this.stateMachine.stateRoot;
  }

  /** The height consensus is deciding (undefined outside consensus). */
  get consensusHeight(): number | undefined {
    return this.engine?.height;
  }

  /**
   * The node's application side of consensus (proposal building, validation, the commit path). Tools
   * drive it directly to generate or import history without the engine; never while the node runs.
   */
  get consensusApp(): ChainApp {
    return this.app;
  }

  /** The running consensus engine (tests and metrics). */
  get consensusEngine(): ConsensusEngine | undefined {
    return this.engine;
  }

  // ---- life cycle -------------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        this._mode = "syncing";
        const applied = await this.sync.run(() => this.stopping);
        if (this.stopping) break;
        // A status claim that led to nothing (a peer lying about its height, or one that went away)
        // does not pull the node out of consensus again for a while.
        if (this.lagTriggered && applied === 0)
          this.lagQuietUntil = this.clock.now() + this.cfg.sync.peerBackoffMs;
        this.lagTriggered = false;
        const wake = new Promise<void>((resolve) => {
          this.wakeRunner = resolve;
        });
        this.engine = await ConsensusEngine.init(
          {
            chainId: this.chainId,
            hash: this.hash,
            ...(this.cfg.opts.consensus === undefined ? {} : { consensus: this.cfg.opts.consensus }),
            ...(this.cfg.opts.gossipIntervalMs === undefined
              ? {}
              : { gossipIntervalMs: this.cfg.opts.gossipIntervalMs }),
            ...(this.cfg.opts.walFlushEvery === undefined
              ? {}
              : { walFlushEvery: this.cfg.opts.walFlushEvery }),
          },
          {
            store: this.ports.store,
            app: this.app,
            transport: this.transport,
            clock: this.clock,
            verifier: this.verifier,
            ...(this.ports.signer === undefined ? {} : { signer: this.ports.signer }),
            failpoints: this.ports.failpoints ?? noFailpoints,
            logger: this.log,
            onFatal: (e) => this.fail(e),
          },
        );
        if (this.stopping) break;
        this._mode = "consensus";
        await wake;
        this.wakeRunner = undefined;
        const engine = this.engine;
        this.engine = undefined;
        await engine?.close();
        if (!this.stopping)
          this.log.info("behind the network: leaving consensus to sync", { height: this.height });
      }
    } catch (e) {
      this.fail(e);
    } finally {
      const engine = this.engine;
      this.engine = undefined;
      await engine?.close().catch(() => {});
    }
  }

  private fail(error: unknown): void {
    if (this.fatalReported) return;
    this.fatalReported = true;
    if (!(error instanceof FailpointCrash)) {
      this.log.error("chain node stopped", {
        error: error instanceof Error ? error.message : String(error),
        code: error instanceof ChainCoreError ? error.code : undefined,
        height: this.height,
      });
    }
    this.teardown();
    this._mode = "crashed";
    this.ports.onFatal?.(error);
  }

  private teardown(): void {
    this.stopping = true;
    this.signalStop();
    this.wakeRunner?.();
    this.gossip.close();
    this.network.detach();
    for (const w of this.txWaiters) w();
    this.txWaiters = [];
    void this.mempool.close().catch(() => {});
  }

  /** Stops consensus, sync and gossip; lets a running commit finish. The store stays open (the caller's). */
  async close(): Promise<void> {
    if (this._mode === "stopped") return;
    const crashed = this._mode === "crashed";
    this.teardown();
    await this.runner;
    await this.mempool.close().catch(() => {});
    this.events.removeAll();
    if (!crashed) this._mode = "stopped";
  }

  // ---- network ----------------------------------------------------------------------------------

  private readonly transport: ConsensusTransport = {
    broadcast: (message) => this.network.publish(topicOf(message), message),
    send: (peer, message) => this.network.send(peer, topicOf(message), message),
  };

  private onMessage(from: string, topic: NetworkTopic, data: Uint8Array): void {
    if (this.stopping) return;
    if (topic === "txs") {
      let txs: Uint8Array[];
      try {
        txs = decodeTxBatch(data);
      } catch {
        return;
      }
      this.stats.txsReceived += txs.length;
      void this.mempool.submitMany(txs).then(
        (outs) => {
          if (outs.some((o) => o.ok)) this.notifyTxs();
        },
        () => {},
      );
      return;
    }
    if (data[0] === MSG_STATUS && data.length === 13) this.checkLag(data);
    this.engine?.receive(from, data);
  }

  private checkLag(status: Uint8Array): void {
    const engine = this.engine;
    if (engine === undefined || this._mode !== "consensus") return;
    const peerHeight = Number(
      new DataView(status.buffer, status.byteOffset, status.byteLength).getBigUint64(1),
    );
    if (peerHeight > engine.height + this.cfg.sync.lagThreshold && this.clock.now() >= this.lagQuietUntil) {
      this.log.info("a peer is ahead", { height: engine.height, peerHeight });
      this.lagTriggered = true;
      this.wakeRunner?.();
    }
  }

  /** Serves a sync request from the block store (at least one block, within the byte budget). */
  serveBlocks(fromHeight: number, max: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.stopping || !Number.isSafeInteger(fromHeight) || fromHeight < 1) return out;
    const limit = Math.min(max, this.cfg.sync.maxServe, MAX_SYNC_BATCH);
    const last = Math.min(this.height, fromHeight + limit - 1);
    let bytes = 0;
    for (let h = fromHeight; h <= last; h++) {
      const block = this.blockStore.blockBytes(h);
      const commit = this.blockStore.commit(h);
      if (block === undefined || commit === undefined) break;
      if (out.length > 0 && bytes + block.length > this.cfg.sync.maxServeBytes) break;
      bytes += block.length;
      out.push(encodeBlockWithCommit(block, commit));
    }
    return out;
  }

  // ---- txs --------------------------------------------------------------------------------------

  private assertRunning(): void {
    if (this.stopping) throw nodeError(NodeErrorCode.NODE_CLOSED, "the node is not running");
  }

  /** Submits one tx: mempool admission (coded errors), then gossip to peers in the next batch. */
  async submitTx(bytes: Uint8Array): Promise<SubmitResult> {
    this.assertRunning();
    const r = await this.mempool.submit(bytes);
    const held = this.mempool.get(r.hashHex);
    if (held !== undefined) this.gossip.push(held.bytes, r.hashHex);
    this.stats.txsGossiped++;
    this.notifyTxs();
    return r;
  }

  /** Submits many txs as one verification batch; one outcome per tx. */
  async submitTxs(list: readonly Uint8Array[]): Promise<SubmitOutcome[]> {
    this.assertRunning();
    const outs = await this.mempool.submitMany(list);
    let admitted = 0;
    for (const o of outs) {
      if (!o.ok) continue;
      const held = this.mempool.get(o.hashHex);
      if (held === undefined) continue;
      this.gossip.push(held.bytes, o.hashHex);
      admitted++;
    }
    this.stats.txsGossiped += admitted;
    if (admitted > 0) this.notifyTxs();
    return outs;
  }

  private notifyTxs(): void {
    if (this.txWaiters.length === 0 || this.mempool.pendingCount === 0) return;
    const ws = this.txWaiters;
    this.txWaiters = [];
    for (const w of ws) w();
  }

  private waitForTxs(ms: number): Promise<void> {
    if (this.mempool.pendingCount > 0 || this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        timer.cancel();
        resolve();
      };
      const timer = this.clock.setTimer(ms, finish);
      this.txWaiters.push(finish);
    });
  }

  // ---- commits, events, evidence ------------------------------------------------------------------

  private onCommitted(b: CommittedBlock): void {
    const height = b.block.header.height;
    try {
      this.mempool.update({ height, txs: b.block.txs, txHashesHex: b.txHashesHex });
    } catch (e) {
      this.log.error("mempool update failed", { height, error: String(e) });
    }
    this.log.debug("block committed", { height, txs: b.block.txs.length, source: b.source });
    if (this.events.listenerCount("block") > 0) this.events.emit("block", this.eventOf(b));
    if (this.events.listenerCount("tx") > 0) {
      b.exec.results.forEach((r, index) => {
        this.events.emit("tx", {
          hash: b.txHashes[index] as Uint8Array,
          height,
          index,
          blockHash: b.hash,
          result: { code: r.code, data: r.data, gasUsed: r.gasUsed, events: r.events },
        });
      });
    }
  }

  private eventOf(b: CommittedBlock): CommittedBlockEvent {
    return {
      height: b.block.header.height,
      hash: b.hash,
      header: b.block.header,
      commit: b.commit,
      txHashes: b.txHashes,
      results: b.exec.results.map((r) => ({
        code: r.code,
        data: r.data,
        gasUsed: r.gasUsed,
        events: r.events,
      })),
      events: b.exec.events,
    };
  }

  private onEvidence(e: Evidence, set: ValidatorSet): void {
    const pk = accusedKey(e, set);
    if (pk === undefined) return;
    const payload = evidencePayload(e, pk);
    const step = payload.kind === "duplicate-proposal" ? "propose" : payload.type;
    const id = `${bytesToHex(pk)}/${payload.height}/${payload.round}/${step}`;
    if (this.evidenceSeen.has(id)) return;
    this.evidenceSeen.add(id);
    const sk = this.ports.operatorKey;
    if (sk === undefined) {
      this.log.warn("equivocation seen; no operator key to submit evidence", { height: payload.height });
      return;
    }
    try {
      const sender = ed25519.getPublicKey(sk);
      const address = accountAddress("ed25519", sender, this.hash);
      const info = this.mempool.senderInfo(address);
      const nonce =
        info === undefined
          ? this.stateMachine.nextNonce(address)
          : info.committedNonce + info.pending + info.queued;
      const opts = { hash: this.hash, registry: this.stateMachine.kinds };
      const tx = signTx(
        { chainId: this.chainId, kind: EVIDENCE_KIND.kind, nonce, expiryHeight: 0, payload },
        sk,
        "ed25519",
        opts,
      );
      const bytes = encodeTx(tx, opts);
      this.stats.evidenceSubmitted++;
      this.log.warn("submitting equivocation evidence", {
        height: payload.height,
        round: payload.round,
        step,
      });
      this.submitTx(bytes).catch((err: unknown) =>
        this.log.error("evidence tx refused", { error: err instanceof Error ? err.message : String(err) }),
      );
    } catch (err) {
      this.log.error("could not build an evidence tx", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  // ---- queries ----------------------------------------------------------------------------------

  getBlock(height: number): Block | undefined {
    return this.blockStore.block(height);
  }

  getBlockByHash(hash: Uint8Array): Block | undefined {
    const h = this.blockStore.heightOf(hash);
    return h === undefined ? undefined : this.blockStore.block(h);
  }

  getHeader(height: number): BlockHeader | undefined {
    return this.blockStore.header(height);
  }

  /** The commit this node stored for the block at `height`. */
  getCommit(height: number): Commit | undefined {
    return this.blockStore.commit(height);
  }

  /** A committed tx with its result and its inclusion proofs (tx root and results root), or undefined. */
  getTx(hash: Uint8Array): TxLookup | undefined {
    const loc = this.blockStore.txLocation(hash);
    if (loc === undefined) return undefined;
    const block = this.blockStore.block(loc.height);
    const stored = this.stateMachine.blockResults(loc.height);
    const tx = block?.txs[loc.index];
    const result = stored?.results[loc.index];
    if (block === undefined || tx === undefined || result === undefined || stored === undefined) {
      throw nodeError(NodeErrorCode.BLOCK_STORE_CORRUPT, "tx index points at a missing block or result", {
        height: loc.height,
        index: loc.index,
      });
    }
    const proof = MerkleTree.from(block.txs, this.hash).prove(loc.index);
    const resultProof = merkleProof(
      stored.results.map((r) => encodeTxResult({ code: r.code, data: r.data })),
      loc.index,
      this.hash,
    );
    const blockHash = this.blockStore.commit(loc.height)?.blockHash ?? ZERO_HASH;
    return {
      hash: txHash(tx, { hash: this.hash }),
      height: loc.height,
      index: loc.index,
      tx,
      blockHash,
      header: block.header,
      result: { code: result.code, data: result.data, gasUsed: result.gasUsed, events: result.events },
      proof,
      resultProof,
    };
  }

  /** An account's nonce record with its state proof at `height` (default: the head). */
  getAccount(address: Uint8Array, height?: number): AccountView {
    const proof = this.stateMachine.getWithProof(accountKey(address), height);
    return {
      address: address.slice(),
      height: proof.height,
      stateRoot: proof.root,
      nonce: proof.value === null ? 0 : decodeAccountNonce(proof.value),
      proof,
    };
  }

  /** A balance with its state proof at `height` (default: the head). */
  getBalance(address: Uint8Array, denom: string, height?: number): BalanceView {
    const proof = this.stateMachine.getWithProof(balanceKey(address, denom), height);
    return {
      address: address.slice(),
      denom,
      height: proof.height,
      amount: proof.value === null ? 0n : decodeAmount(proof.value),
      proof,
    };
  }

  /** What a light client needs to verify the header at `height` (header, commit, both validator sets). */
  lightBlock(height: number): LightBlock | undefined {
    const header = this.blockStore.header(height);
    const commit = this.blockStore.commit(height);
    if (header === undefined || commit === undefined) return undefined;
    return {
      header,
      commit,
      validators: this.stateMachine.validatorSet(height - 1),
      nextValidators: this.stateMachine.validatorSet(height),
    };
  }

  /** The committed-block event of a stored height (to re-publish after a restart). */
  blockEvent(height: number): CommittedBlockEvent | undefined {
    const block = this.blockStore.block(height);
    const commit = this.blockStore.commit(height);
    const stored = this.stateMachine.blockResults(height);
    if (block === undefined || commit === undefined || stored === undefined) return undefined;
    const results: TxResultView[] = stored.results.map((r) => ({
      code: r.code,
      data: r.data,
      gasUsed: r.gasUsed,
      events: r.events,
    }));
    return {
      height,
      hash: commit.blockHash,
      header: block.header,
      commit,
      txHashes: block.txs.map((t) => txHash(t, { hash: this.hash })),
      results,
      events: stored.events,
    };
  }
}

function topicOf(message: Uint8Array): NetworkTopic {
  const tag = message[0];
  return tag === MSG_PROPOSAL || tag === MSG_DECISION ? "blocks" : "votes";
}
