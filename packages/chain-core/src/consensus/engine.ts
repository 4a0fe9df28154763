/**
 * The consensus engine: the impure shell around the pure {@link ConsensusState}. It
 * - verifies signatures of incoming proposals and votes, buffers messages of future heights and
 *   helps peers that are behind (it sends them the stored decision of their height). A single vote is
 *   held unchecked ("deferred", never counted) until it could change what the state machine does: when
 *   the held and counted votes together would cross one of the algorithm's thresholds (> 2/3 for a
 *   value or for any value of a round and type; > 1/3 of a later round; see
 *   {@link ConsensusEngine.dueVotes}), or when it conflicts with another vote of its validator (evidence).
 *   The votes due then are checked together, one batch per value (one pairing check for the batch).
 *   In a height of 4 equal validators that is one check per vote type where there were three, and a
 *   vote arriving after its quorum is not checked unless a conflict needs it;
 * - appends every input event of the current height to the consensus WAL before processing it;
 * - signs through the {@link DoubleSignGuard}: check → sign → write guard entry and WAL buffer in one
 *   atomic durable batch → only then broadcast (and feed the signed message back to the state machine);
 * - on a decision: builds the commit (BLS aggregate of the precommits), hands it to the app, prunes
 *   the WAL and starts the next height with the validator set the app returns;
 * - on start: asks the app where it is and replays the WAL of the next height through a fresh state
 *   machine (restart = replay), then executes the resulting actions; re-sends are harmless and the
 *   guard prevents any double sign;
 * - periodically rebroadcasts its own messages of the current height and its status (liveness over a
 *   lossy network).
 * Events are processed one at a time from a queue. A {@link FailpointCrash} or any unexpected error
 * stops the engine for good (fail-stop) and is reported through `onFatal`.
 */
import { equalBytes, sha256 } from "@tandem/crypto";
import type { HashFn } from "@tandem/ledger";
import { ChainCoreError } from "../errors.js";
import { FailpointCrash, type Failpoints, noFailpoints } from "../failpoints.js";
import { verifyCommit } from "../light-client/verify-commit.js";
import { type Logger, silentLogger } from "../logger.js";
import type { KvStore } from "../store/interface.js";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  encodeConsensusMessage,
  isWalEvent,
} from "./codec.js";
import { buildCommit } from "./commit.js";
import type { Clock, ConsensusApp, ConsensusTransport, TimerHandle } from "./interface.js";
import type { ConsensusOptions } from "./options.js";
import { proposalSignBytes, voteSignBytes } from "./sign-bytes.js";
import type { VoteSigner, VoteVerifier } from "./signer.js";
import { DoubleSignGuard, type SignRequest } from "./signer-state.js";
import { type ConsensusAction, type ConsensusEvent, ConsensusState } from "./state-machine.js";
import type { Proposal, UnsignedProposal, UnsignedVote, Vote } from "./types.js";
import { hashKey } from "./vote-set.js";
import { ConsensusWal } from "./wal.js";

export interface ConsensusEngineOptions {
  chainId: string;
  /** The chain's hash suite for sign bytes (default SHA-256; SM3 for SM deployments). */
  hash?: HashFn;
  consensus?: Partial<ConsensusOptions>;
  /** Period of status broadcast and own-message rebroadcast. */
  gossipIntervalMs?: number;
  /** Flush the WAL buffer once it holds this many records (it is always flushed before signing). */
  walFlushEvery?: number;
  /** Messages of future heights kept until the node gets there. */
  maxFutureMessages?: number;
  /** How many recent rounds of own messages are rebroadcast. */
  rebroadcastRounds?: number;
}

export const defaultConsensusEngineOptions = {
  gossipIntervalMs: 1000,
  walFlushEvery: 64,
  maxFutureMessages: 2048,
  rebroadcastRounds: 16,
} as const;

export interface ConsensusEngineModules {
  store: KvStore;
  app: ConsensusApp;
  transport: ConsensusTransport;
  clock: Clock;
  verifier: VoteVerifier;
  /** This node's validator key; a node without one follows the chain without voting. */
  signer?: VoteSigner;
  failpoints?: Failpoints;
  logger?: Logger;
  /** Called once when the engine stops on a crash (failpoint) or an unexpected error. */
  onFatal?: (error: unknown) => void;
}

/** Counters for tests and metrics. */
export interface ConsensusEngineStats {
  received: number;
  malformed: number;
  badSignature: number;
  duplicates: number;
  guardRefusals: number;
  replayedEvents: number;
  decisionsServed: number;
  /** Votes whose signatures were checked together with others for the same value (one batch each). */
  votesBatchVerified: number;
  /** Single votes held unchecked until they could matter (see `deferred`). */
  votesDeferred: number;
}

type Task = () => Promise<void>;

/**
 * Most votes held unchecked per validator (see `deferred`); past it that validator's votes are checked
 * on arrival, as they were before votes were held. Anyone can send votes in a validator's name, so the
 * cap is per validator: forged votes in one name cannot stop the others' votes from being held.
 */
const HELD_PER_VALIDATOR = 8;

/** Appends `v` to the list `map` holds under `key`. */
function groupInto<K>(map: Map<K, Vote[]>, key: K, v: Vote): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [v]);
  else list.push(v);
}

/** A held vote's slot: one per (height, round, type, validator, value). */
function deferKey(v: Vote): string {
  return `${v.height}/${v.round}/${v.type}/${v.validatorIndex}/${hashKey(v.blockHash)}`;
}

export class ConsensusEngine {
  readonly stats: ConsensusEngineStats = {
    received: 0,
    malformed: 0,
    badSignature: 0,
    duplicates: 0,
    guardRefusals: 0,
    replayedEvents: 0,
    decisionsServed: 0,
    votesBatchVerified: 0,
    votesDeferred: 0,
  };
  private readonly opts: Required<Omit<ConsensusEngineOptions, "consensus">>;
  private readonly hash: HashFn;
  private readonly state: ConsensusState;
  private readonly guard: DoubleSignGuard;
  private readonly wal: ConsensusWal;
  private readonly fp: Failpoints;
  private readonly log: Logger;
  private readonly queue: Task[] = [];
  /**
   * Single votes of this height received but not checked yet, by {@link deferKey}: released by
   * {@link ConsensusEngine.releaseDeferred} after every task once they could matter.
   */
  private readonly deferred = new Map<string, Vote>();
  /** Held votes per validator index (the {@link HELD_PER_VALIDATOR} cap). */
  private readonly heldBy = new Map<number, number>();
  /** Set when a vote is held or an event is processed: only then can a held vote have become due. */
  private heldDirty = false;
  /** Batch verdicts: the key each vote was checked against, until the vote's own turn. */
  private readonly verdicts = new WeakMap<Vote, Uint8Array>();
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly timers = new Set<TimerHandle>();
  private readonly future = new Map<number, { from: string; bytes: Uint8Array }[]>();
  private futureCount = 0;
  private readonly lastServed = new Map<string, number>();
  private readonly lastStatus = new Map<string, number>();

  private constructor(
    opts: ConsensusEngineOptions,
    private readonly m: ConsensusEngineModules,
  ) {
    this.hash = opts.hash ?? sha256;
    this.opts = {
      chainId: opts.chainId,
      hash: this.hash,
      gossipIntervalMs: opts.gossipIntervalMs ?? defaultConsensusEngineOptions.gossipIntervalMs,
      walFlushEvery: opts.walFlushEvery ?? defaultConsensusEngineOptions.walFlushEvery,
      maxFutureMessages: opts.maxFutureMessages ?? defaultConsensusEngineOptions.maxFutureMessages,
      rebroadcastRounds: opts.rebroadcastRounds ?? defaultConsensusEngineOptions.rebroadcastRounds,
    };
    this.state = new ConsensusState({
      chainId: opts.chainId,
      ...(m.signer === undefined ? {} : { publicKey: m.signer.publicKey }),
      ...(opts.consensus === undefined ? {} : { consensus: opts.consensus }),
    });
    this.guard = DoubleSignGuard.load(m.store);
    this.wal = ConsensusWal.open(m.store);
    this.fp = m.failpoints ?? noFailpoints;
    this.log = m.logger ?? silentLogger;
  }

  /**
   * Loads the guard, asks the app where it is, replays the WAL of the next height and starts.
   * Rejects (and starts nothing) on a corrupt WAL.
   */
  static async init(opts: ConsensusEngineOptions, modules: ConsensusEngineModules): Promise<ConsensusEngine> {
    const e = new ConsensusEngine(opts, modules);
    await e.recover();
    return e;
  }

  get height(): number {
    return this.state.height;
  }
  get round(): number {
    return this.state.round;
  }
  /** The pure state machine (read-only use: snapshots and queries). */
  get consensus(): ConsensusState {
    return this.state;
  }
  get alive(): boolean {
    return !this.stopped;
  }

  /** Hands a message from `peer` to the engine (processed in order, asynchronously). */
  receive(peer: string, bytes: Uint8Array): void {
    this.enqueue(() => this.onMessage(peer, bytes));
  }

  /** Resolves when the queue is empty (tests). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops timers and intake, lets the running task finish, and flushes the WAL buffer. Queued,
   * unprocessed messages are dropped. The store stays open (its owner closes it).
   */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.halt();
    await this.idle();
    await this.wal.flush().catch(() => {});
  }

  // ---- queue ------------------------------------------------------------------------------------

  private enqueue(task: Task): void {
    if (this.stopped) return;
    this.queue.push(task);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (!this.stopped) {
      const task = this.queue.shift();
      if (task === undefined) break;
      try {
        await task();
        if (this.heldDirty && this.deferred.size > 0) await this.releaseDeferred();
      } catch (err) {
        this.fatal(err);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private halt(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.clearHeld();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  private fatal(err: unknown): void {
    if (this.stopped) return;
    this.halt();
    if (!(err instanceof FailpointCrash)) {
      this.log.error("consensus engine stopped", {
        error: err instanceof Error ? err.message : String(err),
        code: err instanceof ChainCoreError ? err.code : undefined,
        height: this.state.height,
      });
    }
    this.m.onFatal?.(err);
  }

  private setTimer(delayMs: number, fn: () => void): void {
    if (this.stopped) return;
    const handle = this.m.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      if (!this.stopped) fn();
    });
    this.timers.add(handle);
  }

  // ---- start and replay -------------------------------------------------------------------------

  private async recover(): Promise<void> {
    const info = await this.m.app.info();
    const height = info.lastHeight + 1;
    if (info.lastHeight >= 1) await this.wal.prune(info.lastHeight);
    const events = this.wal.read(height);
    const actions = this.state.step({ type: "start-height", height, validators: info.validators });
    for (const ev of events) actions.push(...this.state.step(ev));
    this.stats.replayedEvents = events.length;
    if (events.length > 0) this.log.info("consensus WAL replayed", { height, events: events.length });
    this.running = true;
    try {
      await this.execute(actions);
    } catch (err) {
      this.halt();
      throw err;
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    this.scheduleGossip();
    if (this.queue.length > 0) void this.drain();
  }

  // ---- events -----------------------------------------------------------------------------------

  private async flushWal(extra: [Uint8Array, Uint8Array][] = []): Promise<void> {
    if (this.wal.buffered === 0 && extra.length === 0) return;
    await this.wal.flush(extra);
    this.fp.hit("cons.afterWalWrite");
  }

  /** Logs (unless already logged) and processes one event, then executes its actions. */
  private async process(event: ConsensusEvent, logged: boolean): Promise<void> {
    if (!logged && isWalEvent(event)) {
      const h =
        event.type === "proposal"
          ? event.proposal.height
          : event.type === "vote"
            ? event.vote.height
            : event.height;
      if (h !== this.state.height) return;
      this.wal.append(h, event);
      if (event.type === "proposal") this.fp.hit("cons.afterProposalRecv");
      if (this.wal.buffered >= this.opts.walFlushEvery) await this.flushWal();
    }
    this.heldDirty = true;
    await this.execute(this.state.step(event));
  }

  private async execute(actions: readonly ConsensusAction[]): Promise<void> {
    for (const a of actions) {
      if (this.stopped) return;
      switch (a.type) {
        case "schedule-timeout":
          if (a.height !== this.state.height) break;
          this.setTimer(a.durationMs, () => {
            this.enqueue(() =>
              this.process({ type: "timeout", height: a.height, round: a.round, step: a.step }, false),
            );
          });
          break;
        case "broadcast-vote":
          await this.signVote(a.vote);
          break;
        case "broadcast-proposal":
          await this.signProposal(a.proposal);
          break;
        case "request-value":
          this.requestValue(a.height, a.round);
          break;
        case "validate-value":
          this.validateValue(a.height, a.value);
          break;
        case "decide":
          await this.decide(a);
          break;
        case "evidence":
          this.log.warn("equivocation detected", {
            kind: a.evidence.kind,
            height: this.state.height,
          });
          this.m.app.onEvidence?.(a.evidence);
          break;
      }
    }
  }

  private requestValue(height: number, round: number): void {
    if (height !== this.state.height || this.state.ownProposal(round) !== undefined) return;
    Promise.resolve()
      .then(() => this.m.app.getValue(height, round))
      .then(
        (value) => this.enqueue(() => this.process({ type: "value-ready", height, round, value }, false)),
        (err: unknown) => this.log.error("app getValue failed", { height, round, error: String(err) }),
      );
  }

  private validateValue(height: number, value: { hash: Uint8Array; bytes: Uint8Array }): void {
    if (height !== this.state.height || this.state.validityOf(value.hash) !== undefined) return;
    Promise.resolve()
      .then(() => this.m.app.isValid(height, value))
      .then(
        (valid) =>
          this.enqueue(() =>
            this.process({ type: "value-validated", height, hash: value.hash, valid: valid === true }, false),
          ),
        (err: unknown) => this.log.error("app isValid failed", { height, error: String(err) }),
      );
  }

  // ---- signing ----------------------------------------------------------------------------------

  /** Guard check; null when refused (logged). */
  private guardCheck(req: SignRequest): "new" | "same" | null {
    const c = this.guard.check(req);
    if (c.kind === "refused") {
      this.stats.guardRefusals++;
      this.log.warn("double-sign guard refused to sign", {
        height: req.height,
        round: req.round,
        step: req.step,
        reason: c.reason,
      });
      return null;
    }
    return c.kind;
  }

  private async signVote(v: UnsignedVote): Promise<void> {
    const signer = this.m.signer;
    if (signer === undefined || v.height !== this.state.height) return;
    if (this.state.ownVote(v.round, v.type) !== undefined) return;
    const signBytes = voteSignBytes(v, this.hash);
    const req: SignRequest = {
      height: v.height,
      round: v.round,
      step: v.type,
      valueHash: v.blockHash,
      signBytes,
    };
    const check = this.guardCheck(req);
    if (check === null) {
      await this.resendLastVote(v);
      return;
    }
    const vote: Vote = { ...v, signature: await signer.sign(signBytes) };
    this.fp.hit("cons.afterVoteSigned.beforePersist");
    const signed = { ...req, signature: vote.signature };
    this.wal.append(v.height, { type: "vote", vote });
    await this.flushWal(check === "new" ? [this.guard.entry(signed)] : []);
    this.guard.markPersisted(signed);
    this.fp.hit("cons.afterVotePersisted.beforeBroadcast");
    this.m.transport.broadcast(encodeConsensusMessage({ kind: "vote", vote }));
    await this.process({ type: "vote", vote }, true);
  }

  /**
   * The guard refused a vote for (h, r, type) because this key already signed a different one there
   * (a restart that lost WAL records): send that earlier vote again instead of staying silent in the
   * round — the network may never have seen it (CometBFT's privval returns the last signature too).
   */
  private async resendLastVote(v: UnsignedVote): Promise<void> {
    const last = this.guard.last;
    if (last === undefined || last.height !== v.height || last.round !== v.round || last.step !== v.type)
      return;
    const vote: Vote = { ...v, blockHash: last.valueHash, signature: last.signature };
    if (!equalBytes(voteSignBytes(vote, this.hash), last.signBytes)) return;
    this.wal.append(v.height, { type: "vote", vote });
    await this.flushWal();
    this.m.transport.broadcast(encodeConsensusMessage({ kind: "vote", vote }));
    await this.process({ type: "vote", vote }, true);
  }

  private async signProposal(p: UnsignedProposal): Promise<void> {
    const signer = this.m.signer;
    if (signer === undefined || p.height !== this.state.height) return;
    if (this.state.ownProposal(p.round) !== undefined) return;
    const signBytes = proposalSignBytes({ ...p, valueHash: p.value.hash }, this.hash);
    const req: SignRequest = {
      height: p.height,
      round: p.round,
      step: "propose",
      valueHash: p.value.hash,
      signBytes,
    };
    const check = this.guardCheck(req);
    if (check === null) return;
    const proposal: Proposal = { ...p, signature: await signer.sign(signBytes) };
    this.fp.hit("cons.afterProposalSigned.beforePersist");
    const signed = { ...req, signature: proposal.signature };
    this.wal.append(p.height, { type: "proposal", proposal });
    await this.flushWal(check === "new" ? [this.guard.entry(signed)] : []);
    this.guard.markPersisted(signed);
    this.fp.hit("cons.afterProposalPersisted.beforeBroadcast");
    this.m.transport.broadcast(encodeConsensusMessage({ kind: "proposal", proposal }));
    await this.process({ type: "proposal", proposal }, true);
  }

  // ---- decisions --------------------------------------------------------------------------------

  private async decide(a: Extract<ConsensusAction, { type: "decide" }>): Promise<void> {
    const validators = this.state.validators;
    if (validators === undefined || a.height !== this.state.height) return;
    this.fp.hit("cons.afterCommitQuorum.beforeBlockSave");
    const commit = a.commit ?? buildCommit(a.precommits ?? [], validators, this.m.verifier);
    const next = await this.m.app.commit(
      { height: a.height, value: a.value, commit },
      a.precommits ?? undefined,
    );
    this.log.info("block committed", { height: a.height, round: a.round });
    await this.wal.prune(a.height);
    // Votes held for the decided height are moot.
    this.clearHeld();
    const actions = this.state.step({ type: "start-height", height: a.height + 1, validators: next });
    await this.execute(actions);
    await this.replayFuture(a.height + 1);
  }

  private async replayFuture(height: number): Promise<void> {
    for (const h of [...this.future.keys()]) {
      if (h < height) {
        this.futureCount -= this.future.get(h)?.length ?? 0;
        this.future.delete(h);
      }
    }
    const msgs = this.future.get(height);
    if (msgs === undefined) return;
    this.future.delete(height);
    this.futureCount -= msgs.length;
    for (const { from, bytes } of msgs) {
      if (this.stopped || this.state.height !== height) return;
      await this.onMessage(from, bytes);
    }
  }

  // ---- network ----------------------------------------------------------------------------------

  private async onMessage(from: string, bytes: Uint8Array): Promise<void> {
    this.stats.received++;
    let msg: ConsensusMessage;
    try {
      msg = decodeConsensusMessage(bytes);
    } catch {
      this.stats.malformed++;
      return;
    }
    const height = this.state.height;
    switch (msg.kind) {
      case "proposal":
      case "vote": {
        const body = msg.kind === "proposal" ? msg.proposal : msg.vote;
        if (body.chainId !== this.opts.chainId) return;
        if (body.height < height) return this.serveDecision(from, body.height);
        if (body.height > height) return this.bufferFuture(from, body.height, bytes);
        if (this.state.decided) return;
        if (msg.kind === "proposal") await this.onProposal(msg.proposal);
        else await this.onVote(msg.vote);
        return;
      }
      case "votes": {
        const first = msg.votes[0];
        if (first === undefined || first.chainId !== this.opts.chainId) return;
        if (first.height < height) return this.serveDecision(from, first.height);
        if (first.height > height) return this.bufferFuture(from, first.height, bytes);
        if (this.state.decided) return;
        await this.onVoteBundle(msg.votes);
        return;
      }
      case "status":
        if (msg.height < height) return this.serveDecision(from, msg.height);
        if (msg.height > height) this.sendStatus(from);
        return;
      case "decision": {
        const d = msg.decision;
        if (d.height > height) {
          this.sendStatus(from);
          return;
        }
        if (d.height !== height || this.state.decided) return;
        const validators = this.state.validators;
        if (validators === undefined) return;
        const ok = verifyCommit(
          { chainId: this.opts.chainId, height, blockHash: d.value.hash },
          d.commit,
          validators,
          {
            chainId: this.opts.chainId,
            verifier: this.m.verifier,
            hash: this.hash,
          },
        );
        if (!ok.ok) {
          this.stats.badSignature++;
          return;
        }
        await this.process({ type: "commit-certificate", height, value: d.value, commit: d.commit }, false);
        return;
      }
    }
  }

  private async onProposal(p: Proposal): Promise<void> {
    const validators = this.state.validators;
    if (validators === undefined) return;
    if (this.state.hasProposal(p)) {
      this.stats.duplicates++;
      return;
    }
    const pk = validators.at(p.proposerIndex)?.publicKey;
    if (pk === undefined) return;
    let signBytes: Uint8Array;
    try {
      signBytes = proposalSignBytes({ ...p, valueHash: p.value.hash }, this.hash);
    } catch {
      this.stats.malformed++;
      return;
    }
    if (!(await this.verify(p.signature, signBytes, pk))) {
      this.stats.badSignature++;
      return;
    }
    if (this.stopped || p.height !== this.state.height) return;
    await this.process({ type: "proposal", proposal: p }, false);
  }

  private async onVote(v: Vote): Promise<void> {
    const validators = this.state.validators;
    if (validators === undefined) return;
    if (this.state.hasVote(v)) {
      this.stats.duplicates++;
      return;
    }
    const pk = validators.at(v.validatorIndex)?.publicKey;
    if (pk === undefined) return;
    // A round the state machine would ignore: not worth a check, nor a slot.
    if (!this.state.acceptsRound(v.round)) return;
    const key = deferKey(v);
    const held = this.deferred.get(key);
    if (held !== undefined && equalBytes(held.signature, v.signature)) {
      this.stats.duplicates++;
      return;
    }
    // Held until it could matter; another signature for a held slot (one of them forged) or a
    // validator at its cap: checked now.
    const count = this.heldBy.get(v.validatorIndex) ?? 0;
    if (held === undefined && count < HELD_PER_VALIDATOR) {
      this.deferred.set(key, v);
      this.heldBy.set(v.validatorIndex, count + 1);
      this.heldDirty = true;
      this.stats.votesDeferred++;
      return;
    }
    if (!(await this.voteVerified(v, pk))) {
      this.stats.badSignature++;
      return;
    }
    if (this.stopped || v.height !== this.state.height || this.state.hasVote(v)) return;
    await this.process({ type: "vote", vote: v }, false);
  }

  /**
   * Votes for one (height, round, type, value) sent together. Each new vote is verified; when the
   * valid ones hold > 2/3 of the power they are fed as certified (kept even from an equivocator).
   */
  private async onVoteBundle(votes: readonly Vote[]): Promise<void> {
    const validators = this.state.validators;
    const first = votes[0];
    if (validators === undefined || first === undefined || first.blockHash === null) return;
    const hash = first.blockHash;
    const seen = new Set<number>();
    const unseen: Vote[] = [];
    const fresh: Vote[] = [];
    let power = 0n;
    for (const v of votes) {
      if (
        v.chainId !== first.chainId ||
        v.height !== first.height ||
        v.round !== first.round ||
        v.type !== first.type ||
        v.blockHash === null ||
        !equalBytes(v.blockHash, hash) ||
        seen.has(v.validatorIndex)
      ) {
        this.stats.malformed++;
        return;
      }
      seen.add(v.validatorIndex);
      const val = validators.at(v.validatorIndex);
      if (val === undefined) continue;
      if (this.state.hasVote(v)) {
        power += val.power;
        continue;
      }
      unseen.push(v);
    }
    // One value, one message: all unseen votes in one batch; one by one only when the batch fails.
    this.verifyBatch(unseen, validators);
    for (const v of unseen) {
      const val = validators.at(v.validatorIndex);
      if (val === undefined) continue;
      if (!(await this.voteVerified(v, val.publicKey))) {
        this.stats.badSignature++;
        continue;
      }
      power += val.power;
      fresh.push(v);
    }
    if (fresh.length === 0) {
      this.stats.duplicates++;
      return;
    }
    const certified = validators.isQuorum(power);
    for (const vote of fresh) {
      if (this.stopped || this.state.height !== first.height) return;
      await this.process(certified ? { type: "vote", vote, certified } : { type: "vote", vote }, false);
    }
  }

  /**
   * Checks and processes the deferred votes that are due ({@link dueVotes}), until none is: processing
   * one can make others due (a counted vote raises the tallies they are measured against).
   */
  private async releaseDeferred(): Promise<void> {
    while (this.heldDirty && this.deferred.size > 0 && !this.stopped) {
      this.heldDirty = false;
      const validators = this.state.validators;
      if (validators === undefined) return;
      const due = this.dueVotes(validators);
      if (due.length === 0) return;
      for (const v of due) this.unhold(deferKey(v), v);
      // One batch per value (same sign bytes); a failed batch leaves each vote to its own check.
      const byValue = new Map<string, Vote[]>();
      for (const v of due) groupInto(byValue, `${v.round}/${v.type}/${hashKey(v.blockHash)}`, v);
      for (const g of byValue.values()) this.verifyBatch(g, validators);
      for (const v of due) {
        if (this.stopped || v.height !== this.state.height || this.state.decided) break;
        if (this.state.hasVote(v)) continue;
        const pk = validators.at(v.validatorIndex)?.publicKey;
        if (pk === undefined) continue;
        if (!(await this.voteVerified(v, pk))) {
          this.stats.badSignature++;
          continue;
        }
        if (this.stopped || v.height !== this.state.height || this.state.hasVote(v)) continue;
        await this.process({ type: "vote", vote: v }, false);
      }
    }
  }

  private unhold(key: string, v: Vote): void {
    if (!this.deferred.delete(key)) return;
    const n = (this.heldBy.get(v.validatorIndex) ?? 1) - 1;
    if (n > 0) this.heldBy.set(v.validatorIndex, n);
    else this.heldBy.delete(v.validatorIndex);
  }

  private clearHeld(): void {
    this.deferred.clear();
    this.heldBy.clear();
  }

  /**
   * The deferred votes to check now. Every rule of the algorithm fires when a tally of counted votes
   * crosses a threshold, so a vote matters only if counting it could cross one:
   *   - > 2/3 of the power for one value in (round, type) (l.36, l.44, l.49 and a proof-of-lock, l.28);
   *   - > 2/3 for any value in (round, type) (the prevote and precommit timeouts, l.34, l.47);
   *   - > 1/3 sending anything in a round above the current one (round skip, l.55);
   * a group of (round, type) — or of a round, for the skip — is released whole once the deferred votes
   * with the counted ones reach a threshold the counted ones alone do not. A vote that conflicts with
   * its validator's counted vote, or another deferred vote of its validator for another value, is due
   * at once (equivocation evidence). Votes of other heights are dropped.
   */
  private dueVotes(validators: NonNullable<ConsensusState["validators"]>): Vote[] {
    const votes = this.state.voteSet;
    const height = this.state.height;
    if (votes === undefined || this.state.decided) {
      this.clearHeld();
      return [];
    }
    const groups = new Map<string, Vote[]>();
    const byRound = new Map<number, Vote[]>();
    for (const [k, v] of this.deferred) {
      if (v.height !== height || this.state.hasVote(v)) {
        this.unhold(k, v);
        continue;
      }
      groupInto(groups, `${v.round}/${v.type}`, v);
      groupInto(byRound, v.round, v);
    }
    const due = new Set<Vote>();
    const powerOf = (i: number): bigint => validators.at(i)?.power ?? 0n;
    for (const g of groups.values()) {
      const { round, type } = g[0] as Vote;
      const byKey = new Map<string, bigint>();
      const newVoters = new Set<number>();
      const keyOf = new Map<number, string>();
      for (const v of g) {
        const key = hashKey(v.blockHash);
        const first = votes.get(round, type, v.validatorIndex);
        const other = keyOf.get(v.validatorIndex);
        if (
          (first !== undefined && hashKey(first.blockHash) !== key) ||
          (other !== undefined && other !== key)
        ) {
          due.add(v);
          for (const w of g) if (w.validatorIndex === v.validatorIndex) due.add(w);
        }
        keyOf.set(v.validatorIndex, key);
        if (first === undefined) newVoters.add(v.validatorIndex);
        byKey.set(key, (byKey.get(key) ?? 0n) + powerOf(v.validatorIndex));
      }
      const any = votes.powerAny(round, type);
      let extra = 0n;
      for (const i of newVoters) extra += powerOf(i);
      let release = !validators.isQuorum(any) && validators.isQuorum(any + extra);
      for (const [key, p] of byKey) {
        if (release) break;
        const have = votes.powerFor(round, type, key);
        release = !validators.isQuorum(have) && validators.isQuorum(have + p);
      }
      if (release) for (const v of g) due.add(v);
    }
    for (const [round, list] of byRound) {
      if (round <= this.state.round) continue;
      const have = votes.participation(round);
      if (validators.isOneThird(have)) continue;
      const senders = new Set<number>();
      for (const v of list) if (!votes.sent(round, v.validatorIndex)) senders.add(v.validatorIndex);
      let extra = 0n;
      for (const i of senders) extra += powerOf(i);
      if (validators.isOneThird(have + extra)) for (const v of list) due.add(v);
    }
    return [...due];
  }

  /**
   * Votes for one (height, round, type, value) checked together; on success each is remembered as
   * valid under the key it was checked with. Fewer than two, no batch support or a failed batch: no
   * verdict, and each vote is verified alone in its turn (which finds the bad ones).
   */
  private verifyBatch(votes: readonly Vote[], validators: NonNullable<ConsensusState["validators"]>): void {
    const batch = this.m.verifier.verifyBatch;
    if (batch === undefined || votes.length < 2) return;
    const first = votes[0] as Vote;
    const pks: Uint8Array[] = [];
    for (const v of votes) {
      const pk = validators.at(v.validatorIndex)?.publicKey;
      if (pk === undefined) return;
      pks.push(pk);
    }
    let message: Uint8Array;
    try {
      message = voteSignBytes(first, this.hash);
    } catch {
      return;
    }
    const ok = batch.call(
      this.m.verifier,
      message,
      votes.map((v) => v.signature),
      pks,
    );
    if (!ok) return;
    for (let i = 0; i < votes.length; i++) this.verdicts.set(votes[i] as Vote, pks[i] as Uint8Array);
    this.stats.votesBatchVerified += votes.length;
  }

  /** A vote's signature under `publicKey`: a batch's verdict for that key, else a single check. */
  private voteVerified(v: Vote, publicKey: Uint8Array): boolean | Promise<boolean> {
    const batched = this.verdicts.get(v);
    if (batched !== undefined && equalBytes(batched, publicKey)) return true;
    return this.verify(v.signature, voteSignBytes(v, this.hash), publicKey);
  }

  /** A message signature check, off this thread when the verifier can (the queue waits for it). */
  private verify(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean | Promise<boolean> {
    const v = this.m.verifier;
    return v.verifyAsync === undefined
      ? v.verify(signature, message, publicKey)
      : v.verifyAsync(signature, message, publicKey);
  }

  private bufferFuture(from: string, height: number, bytes: Uint8Array): void {
    this.sendStatus(from);
    if (height > this.state.height + 2 || this.futureCount >= this.opts.maxFutureMessages) return;
    const list = this.future.get(height) ?? [];
    list.push({ from, bytes });
    this.future.set(height, list);
    this.futureCount++;
  }

  private rateLimited(map: Map<string, number>, key: string): boolean {
    const now = this.m.clock.now();
    const last = map.get(key);
    if (last !== undefined && now - last < this.opts.gossipIntervalMs) return true;
    map.set(key, now);
    if (map.size > 4096) map.clear();
    return false;
  }

  private sendStatus(peer: string): void {
    if (this.rateLimited(this.lastStatus, peer)) return;
    this.m.transport.send(
      peer,
      encodeConsensusMessage({ kind: "status", height: this.state.height, round: this.state.round }),
    );
  }

  private async serveDecision(peer: string, height: number): Promise<void> {
    if (height < 1 || this.rateLimited(this.lastServed, `${peer}/${height}`)) return;
    const decision = await this.m.app.getDecision(height);
    if (decision === undefined) return;
    this.stats.decisionsServed++;
    this.m.transport.send(peer, encodeConsensusMessage({ kind: "decision", decision }));
  }

  private scheduleGossip(): void {
    this.setTimer(this.opts.gossipIntervalMs, () => {
      this.enqueue(async () => {
        await this.gossip();
        this.scheduleGossip();
      });
    });
  }

  /** Status, then own proposals and votes of recent rounds; also makes buffered WAL records durable. */
  private async gossip(): Promise<void> {
    const t = this.m.transport;
    t.broadcast(
      encodeConsensusMessage({ kind: "status", height: this.state.height, round: this.state.round }),
    );
    const minRound = this.state.round - this.opts.rebroadcastRounds;
    const own = this.state.ownMessages();
    for (const proposal of own.proposals) {
      if (proposal.round >= minRound) t.broadcast(encodeConsensusMessage({ kind: "proposal", proposal }));
    }
    for (const vote of own.votes) {
      if (vote.round >= minRound) t.broadcast(encodeConsensusMessage({ kind: "vote", vote }));
    }
    const pol = this.state.proofOfLock();
    if (pol.length > 0) t.broadcast(encodeConsensusMessage({ kind: "votes", votes: pol }));
    await this.flushWal();
  }
}
