/**
 * Deterministic simulation of a Tendermint chain: N {@link ConsensusEngine}s in one process on virtual
 * time, over an in-memory network driven by a seeded PRNG (delays, drops, duplication, reordering,
 * partitions that heal at GST), with crash-and-restart of nodes (at a virtual time, or at the n-th hit
 * of a named failpoint; a restarted node keeps only what its {@link MemoryKvStore} had flushed), one
 * optional Byzantine validator, and validator-set changes between heights.
 *
 * After a run it checks, over every node including restarted ones:
 * - agreement: no two correct nodes stored different blocks at one height;
 * - validity: every stored block satisfies the toy validity rule;
 * - liveness: every correct node stored `targetHeight` within `livenessBoundMs` after GST;
 * - no double sign: no correct node sent two different signed proposals / votes for one
 *   (height, round, step) (every message sent is scanned);
 * - evidence: every evidence emitted accuses the Byzantine validator, and an equivocating one is caught.
 * A run is a pure function of its {@link SimConfig}.
 */
import { bytesToHex, concatBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import { decodeConsensusMessage, encodeConsensusMessage } from "../../consensus/codec.js";
import { ConsensusEngine } from "../../consensus/engine.js";
import type { ConsensusTransport } from "../../consensus/interface.js";
import { parseWalKey } from "../../consensus/keys.js";
import type { ConsensusOptions } from "../../consensus/options.js";
import { proposalSignBytes, voteSignBytes } from "../../consensus/sign-bytes.js";
import type { VoteSigner, VoteVerifier } from "../../consensus/signer.js";
import type { Decision, Evidence, Proposal, Value, Vote } from "../../consensus/types.js";
import { type ValidatorInit, ValidatorSet } from "../../consensus/validator-set.js";
import {
  ArmedFailpoints,
  FailpointCrash,
  type FailpointName,
  type Failpoints,
  noFailpoints,
} from "../../failpoints.js";
import { MemoryDisk, MemoryKvStore } from "../../store/memory.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import { isToyValueValid, makeToyValue, TOY_FLAG_INVALID, ToyApp } from "./toy-app.js";

export type ByzantineBehaviour = "equivocate" | "invalid" | "silent";

export interface SimPartition {
  startMs: number;
  endMs: number;
  /** Node indices per side; nodes in different groups cannot talk. Unlisted nodes form their own group. */
  groups: number[][];
}

export interface SimCrash {
  node: number;
  /** Crash at this virtual time … */
  atMs?: number;
  /** … or at the nth hit of this failpoint (whichever is given). */
  failpoint?: { name: FailpointName; nth: number };
  /** Virtual time the node stays down. */
  downMs: number;
  /**
   * The node also loses its consensus WAL (but keeps its signer state and blocks): amnesia, an extra
   * fault, so scenarios use it only without a Byzantine node. The double-sign guard alone must then
   * keep the node from signing anything conflicting.
   */
  loseWal?: boolean;
}

export type SimValsetChange =
  | { height: number; kind: "remove-next-proposer" }
  | { height: number; kind: "add"; node: number; power: bigint }
  | { height: number; kind: "remove"; node: number }
  | { height: number; kind: "set-power"; node: number; power: bigint };

export interface SimConfig {
  seed: number;
  chainId: string;
  /** Total nodes; nodes [0, genesisValidators) are the genesis validator set, the rest follow. */
  nodes: number;
  genesisValidators: number;
  /** Power per node (also used when a follower is added without an explicit power). */
  powers: bigint[];
  targetHeight: number;
  /** Global stabilisation time: from then on no drops, no partitions, delays in `healthyDelayMs`. */
  gstMs: number;
  livenessBoundMs: number;
  network: {
    minDelayMs: number;
    maxDelayMs: number;
    dropRate: number;
    duplicateRate: number;
    partitions: SimPartition[];
  };
  healthyDelayMs: [number, number];
  crashes: SimCrash[];
  byzantine?: { node: number; behaviour: ByzantineBehaviour };
  /** Probability that an honest proposer's value is marked invalid. */
  invalidRate: number;
  valsetChanges: SimValsetChange[];
  consensus: Partial<ConsensusOptions>;
  gossipIntervalMs: number;
}

export interface SimScheme {
  name: string;
  signerFor(node: number): VoteSigner;
  verifier: VoteVerifier;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violations: string[];
  /** Virtual ms at which every correct node had stored `targetHeight` (undefined if never). */
  finishedAtMs: number | undefined;
  virtualTimeMs: number;
  minCorrectHeight: number;
  maxRound: number;
  messagesSent: number;
  messagesDelivered: number;
  crashes: number;
  failpointCrashes: Partial<Record<FailpointName, number>>;
  restarts: number;
  replayedEvents: number;
  /** Restarts that came back without their WAL (amnesia; the guard alone prevents double signs). */
  walsLost: number;
  guardRefusals: number;
  evidence: number;
  equivocationsSent: number;
  /** Conflicts the double-sign scan found in the Byzantine node's traffic (shows the scan can fail). */
  byzantineDoubleSigns: number;
  /** Size of the validator set at each decided height (index 0 = height 1). */
  validatorSetSizes: number[];
  /** SHA-256 over the decided hashes and counters: equal for two runs of one config (determinism). */
  fingerprint: string;
}

interface SimNodeState {
  index: number;
  id: string;
  signer: VoteSigner;
  disk: MemoryDisk;
  store: MemoryKvStore | undefined;
  engine: ConsensusEngine | undefined;
  incarnation: number;
  up: boolean;
  byzantine: ByzantineBehaviour | undefined;
  /** Pending failpoint crashes for this node (armed one at a time). */
  failpointPlan: SimCrash[];
  storedHeight: number;
  reachedTargetAt: number | undefined;
  maxRound: number;
}

const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Simulation {
  readonly scheduler = new Scheduler();
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly nodes: SimNodeState[] = [];
  private readonly genesis: ValidatorSet;
  private readonly violations: string[] = [];
  private readonly decided = new Map<number, string>();
  private readonly decisionLog = new Map<number, Decision>();
  private readonly valsets = new Map<number, ValidatorSet>();
  private readonly sentLog: { from: number; bytes: Uint8Array }[] = [];
  private readonly evidenceLog: { node: number; evidence: Evidence }[] = [];
  private readonly trace: string[] = [];
  private messagesSent = 0;
  private messagesDelivered = 0;
  private crashCount = 0;
  private restartCount = 0;
  private replayedEvents = 0;
  private guardRefusals = 0;
  private equivocationsSent = 0;
  private walsLost = 0;
  private readonly failpointCrashes: Partial<Record<FailpointName, number>> = {};

  constructor(
    readonly config: SimConfig,
    readonly scheme: SimScheme,
  ) {
    this.rng = new Prng(config.seed);
    this.netRng = this.rng.fork("network");
    for (let i = 0; i < config.nodes; i++) {
      this.nodes.push({
        index: i,
        id: `n${i}`,
        signer: scheme.signerFor(i),
        disk: new MemoryDisk(),
        store: undefined,
        engine: undefined,
        incarnation: 0,
        up: false,
        byzantine: config.byzantine?.node === i ? config.byzantine.behaviour : undefined,
        failpointPlan: config.crashes.filter((c) => c.node === i && c.failpoint !== undefined),
        storedHeight: 0,
        reachedTargetAt: undefined,
        maxRound: 0,
      });
    }
    this.genesis = ValidatorSet.create(
      this.nodes
        .slice(0, config.genesisValidators)
        .map((n) => ({ publicKey: n.signer.publicKey, power: config.powers[n.index] ?? 1n })),
    );
  }

  private get byzantinePk(): Uint8Array | undefined {
    const b = this.config.byzantine;
    return b === undefined ? undefined : this.nodes[b.node]?.signer.publicKey;
  }

  private isCorrect(n: SimNodeState): boolean {
    return n.byzantine === undefined;
  }

  // ---- validator-set schedule (the same pure function on every node) ---------------------------

  private membershipFor(height: number, previous: ValidatorSet): ValidatorInit[] {
    let members: ValidatorInit[] = previous.membership();
    for (const ch of this.config.valsetChanges) {
      if (ch.height !== height) continue;
      if (ch.kind === "remove-next-proposer") {
        const proposer = previous.next(members).proposer.publicKey;
        const candidate = members.filter((m) => bytesToHex(m.publicKey) !== bytesToHex(proposer));
        if (this.safeMembership(candidate)) members = candidate;
      } else {
        const node = this.nodes[ch.node];
        if (node === undefined) continue;
        const pk = bytesToHex(node.signer.publicKey);
        const without = members.filter((m) => bytesToHex(m.publicKey) !== pk);
        const candidate =
          ch.kind === "remove"
            ? without
            : [...without, { publicKey: node.signer.publicKey, power: ch.power }];
        if (this.safeMembership(candidate)) members = candidate;
      }
    }
    return members;
  }

  /** Keeps the fault assumption: a non-empty set where the Byzantine node holds < 1/3 of the power. */
  private safeMembership(members: ValidatorInit[]): boolean {
    if (members.length === 0) return false;
    const byz = this.byzantinePk;
    if (byz === undefined) return true;
    let total = 0n;
    let bad = 0n;
    for (const m of members) {
      total += m.power;
      if (bytesToHex(m.publicKey) === bytesToHex(byz)) bad += m.power;
    }
    return 3n * bad < total;
  }

  // ---- nodes --------------------------------------------------------------------------------------

  private makeValue(node: SimNodeState, incarnation: number, height: number, round: number): Value {
    // Derived from (seed, node, incarnation, height, round): a restarted proposer proposes a new value,
    // so the double-sign guard is exercised.
    const seed = sha256(utf8ToBytes(`${this.config.seed}/${node.index}/${incarnation}/${height}/${round}`));
    const r = new Prng(new DataView(seed.buffer, seed.byteOffset).getUint32(0));
    const invalid = node.byzantine === "invalid" || r.float() < this.config.invalidRate;
    return makeToyValue(height, round, node.index, invalid ? TOY_FLAG_INVALID : 0, r.bytes(8 + r.int(24)));
  }

  private async start(node: SimNodeState): Promise<void> {
    const incarnation = node.incarnation;
    const store = MemoryKvStore.open(node.disk);
    node.store = store;
    node.up = true;
    const alive = (): boolean => node.up && node.incarnation === incarnation;
    const failpoints = this.armFailpoints(node);
    const app = new ToyApp(
      store,
      {
        genesis: this.genesis,
        membershipFor: (h, prev) => this.membershipFor(h, prev),
        makeValue: (h, r) => this.makeValue(node, incarnation, h, r),
        onBlockStored: (d, vals) => this.onBlockStored(node, d, vals),
        onEvidence: (e) => this.evidenceLog.push({ node: node.index, evidence: e }),
      },
      failpoints,
    );
    try {
      const engine = await ConsensusEngine.init(
        {
          chainId: this.config.chainId,
          consensus: this.config.consensus,
          gossipIntervalMs: this.config.gossipIntervalMs,
          walFlushEvery: 16,
        },
        {
          store,
          app,
          transport: this.transportFor(node, alive),
          clock: this.scheduler.clockFor(alive),
          verifier: this.scheme.verifier,
          signer: node.signer,
          failpoints,
          onFatal: (err) => {
            if (alive()) this.onFatal(node, err);
          },
        },
      );
      if (!alive()) return;
      node.engine = engine;
      this.replayedEvents += engine.stats.replayedEvents;
    } catch (err) {
      if (alive()) this.onFatal(node, err);
    }
  }

  /** Arms the node's next planned failpoint crash (counting hits from this incarnation's start). */
  private armFailpoints(node: SimNodeState): Failpoints {
    const fp = node.failpointPlan[0]?.failpoint;
    if (fp === undefined) return noFailpoints;
    return new ArmedFailpoints(fp.name, fp.nth, () => {
      throw new FailpointCrash(fp.name);
    });
  }

  private onFatal(node: SimNodeState, err: unknown): void {
    if (err instanceof FailpointCrash) {
      this.failpointCrashes[err.failpoint] = (this.failpointCrashes[err.failpoint] ?? 0) + 1;
      const plan = node.failpointPlan.shift();
      this.crash(node, plan?.downMs ?? 500, plan?.loseWal === true);
      return;
    }
    this.violations.push(
      `node ${node.id} stopped on an unexpected error: ${err instanceof Error ? err.stack : String(err)}`,
    );
    node.up = false;
  }

  private crash(node: SimNodeState, downMs: number, loseWal = false): void {
    if (!node.up) return;
    this.crashCount++;
    this.trace.push(`crash ${node.id}@${this.scheduler.now}`);
    this.collectStats(node);
    node.up = false;
    node.store?.crash();
    node.store = undefined;
    node.engine = undefined;
    node.incarnation++;
    if (loseWal) {
      const wal = node.disk.entries.filter((e) => parseWalKey(e.key) !== undefined).map((e) => e.key);
      node.disk.apply({ del: wal });
      this.walsLost++;
    }
    this.scheduler.after(downMs, () => {
      this.restartCount++;
      void this.start(node);
    });
  }

  private collectStats(node: SimNodeState): void {
    const e = node.engine;
    if (e === undefined) return;
    this.guardRefusals += e.stats.guardRefusals;
    node.maxRound = Math.max(node.maxRound, e.round);
  }

  private onBlockStored(node: SimNodeState, d: Decision, validators: ValidatorSet): void {
    const hash = bytesToHex(d.value.hash);
    if (this.isCorrect(node)) {
      const prev = this.decided.get(d.height);
      if (prev === undefined) {
        this.decided.set(d.height, hash);
        this.decisionLog.set(d.height, d);
      } else if (prev !== hash)
        this.violations.push(`agreement: height ${d.height} decided ${prev} and ${hash}`);
      if (!isToyValueValid(d.height, d.value))
        this.violations.push(`validity: invalid value decided at ${d.height}`);
      if (!this.valsets.has(d.height)) this.valsets.set(d.height, validators);
    }
    node.storedHeight = Math.max(node.storedHeight, d.height);
    if (node.engine !== undefined) node.maxRound = Math.max(node.maxRound, node.engine.round);
    if (d.height >= this.config.targetHeight && node.reachedTargetAt === undefined) {
      node.reachedTargetAt = this.scheduler.now;
    }
  }

  // ---- network ------------------------------------------------------------------------------------

  private transportFor(node: SimNodeState, alive: () => boolean): ConsensusTransport {
    return {
      broadcast: (bytes) => {
        if (!alive()) return;
        this.outgoing(node, undefined, bytes);
      },
      send: (peer, bytes) => {
        if (!alive()) return;
        const to = this.nodes.find((n) => n.id === peer);
        if (to !== undefined) this.outgoing(node, to.index, bytes);
      },
    };
  }

  /** Applies the Byzantine behaviour, records what is sent, and routes it. */
  private outgoing(node: SimNodeState, to: number | undefined, bytes: Uint8Array): void {
    const targets =
      to === undefined ? this.nodes.filter((n) => n.index !== node.index).map((n) => n.index) : [to];
    if (node.byzantine === "silent") return;
    if (node.byzantine === "equivocate") {
      const alt = this.equivocation(node, bytes);
      if (alt !== undefined) {
        this.equivocationsSent++;
        this.sentLog.push({ from: node.index, bytes }, { from: node.index, bytes: alt });
        for (const t of targets) {
          const [a, b] = this.netRng.bool() ? [bytes, alt] : [alt, bytes];
          this.route(node.index, t, a);
          this.route(node.index, t, b);
        }
        return;
      }
    }
    this.sentLog.push({ from: node.index, bytes });
    for (const t of targets) this.route(node.index, t, bytes);
  }

  /** A conflicting, validly signed twin of an own proposal or vote (Byzantine equivocation). */
  private equivocation(node: SimNodeState, bytes: Uint8Array): Uint8Array | undefined {
    const msg = decodeConsensusMessage(bytes);
    const sign = (m: Uint8Array): Uint8Array => {
      const s = node.signer.sign(m);
      if (s instanceof Uint8Array) return s;
      throw new Error("simulation needs a synchronous signer");
    };
    if (msg.kind === "vote") {
      const v = msg.vote;
      const blockHash = v.blockHash === null || this.netRng.bool() ? this.netRng.bytes(32) : null;
      const unsigned = { ...v, blockHash };
      const vote: Vote = { ...unsigned, signature: sign(voteSignBytes(unsigned)) };
      return encodeConsensusMessage({ kind: "vote", vote });
    }
    if (msg.kind === "proposal") {
      const p = msg.proposal;
      const value = makeToyValue(p.height, p.round, node.index, 0, this.netRng.bytes(16));
      const unsigned = { ...p, value, validRound: -1 };
      const proposal: Proposal = {
        ...unsigned,
        signature: sign(proposalSignBytes({ ...unsigned, valueHash: value.hash })),
      };
      return encodeConsensusMessage({ kind: "proposal", proposal });
    }
    return undefined;
  }

  private partitioned(a: number, b: number, now: number): boolean {
    for (const p of this.config.network.partitions) {
      if (now < p.startMs || now >= p.endMs || now >= this.config.gstMs) continue;
      const ga = p.groups.findIndex((g) => g.includes(a));
      const gb = p.groups.findIndex((g) => g.includes(b));
      if (ga !== gb) return true;
    }
    return false;
  }

  private route(from: number, to: number, bytes: Uint8Array): void {
    this.messagesSent++;
    const now = this.scheduler.now;
    const net = this.config.network;
    const healthy = now >= this.config.gstMs;
    if (!healthy) {
      if (this.partitioned(from, to, now)) return;
      if (this.netRng.bool(net.dropRate)) return;
    }
    const [lo, hi] = healthy ? this.config.healthyDelayMs : [net.minDelayMs, net.maxDelayMs];
    const copies = !healthy && this.netRng.bool(net.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      this.scheduler.after(this.netRng.range(lo, hi), () => this.deliver(from, to, bytes));
    }
  }

  private deliver(from: number, to: number, bytes: Uint8Array): void {
    const node = this.nodes[to];
    const sender = this.nodes[from];
    if (node === undefined || sender === undefined || !node.up || node.engine === undefined) return;
    this.messagesDelivered++;
    node.engine.receive(sender.id, bytes);
  }

  // ---- run ----------------------------------------------------------------------------------------

  private done(): boolean {
    return this.nodes.every((n) => !this.isCorrect(n) || n.storedHeight >= this.config.targetHeight);
  }

  async run(): Promise<SimResult> {
    const cfg = this.config;
    for (const node of this.nodes) {
      this.scheduler.at(this.rng.int(20), () => void this.start(node));
    }
    for (const c of cfg.crashes) {
      if (c.atMs === undefined || c.failpoint !== undefined) continue;
      const node = this.nodes[c.node];
      if (node !== undefined) this.scheduler.at(c.atMs, () => this.crash(node, c.downMs, c.loseWal === true));
    }
    const deadline = cfg.gstMs + cfg.livenessBoundMs;
    let finishedAtMs: number | undefined;
    while (this.scheduler.step(deadline)) {
      await drainMicrotasks();
      if (this.violations.length > 0) break;
      if (this.done()) {
        finishedAtMs = this.scheduler.now;
        break;
      }
    }
    await drainMicrotasks();
    for (const n of this.nodes) this.collectStats(n);
    this.check(finishedAtMs);
    for (const n of this.nodes) {
      n.up = false;
      await n.engine?.close().catch(() => {});
    }
    return this.result(finishedAtMs);
  }

  /** The first decision stored at each height by a correct node, with that height's validator set. */
  decisions(): { decision: Decision; validators: ValidatorSet }[] {
    return [...this.decisionLog.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([h, decision]) => ({ decision, validators: this.valsets.get(h) as ValidatorSet }));
  }

  private check(finishedAtMs: number | undefined): void {
    const cfg = this.config;
    if (finishedAtMs === undefined && this.violations.length === 0) {
      const heights = this.nodes.map(
        (n) => `${n.id}:${n.storedHeight}${n.byzantine ? "(byz)" : ""}${n.up ? "" : "(down)"}`,
      );
      this.violations.push(
        `liveness: not every correct node reached height ${cfg.targetHeight} by GST + ${cfg.livenessBoundMs} ms (${heights.join(" ")})`,
      );
    }
    // No double sign: scan every proposal and vote each node sent.
    const signed = new Map<string, string>();
    let byzConflicts = 0;
    for (const { from, bytes } of this.sentLog) {
      const msg = decodeConsensusMessage(bytes);
      let key: string;
      let content: string;
      if (msg.kind === "vote") {
        const v = msg.vote;
        key = `${from}/${v.height}/${v.round}/${v.type}`;
        content = bytesToHex(voteSignBytes(v));
      } else if (msg.kind === "proposal") {
        const p = msg.proposal;
        key = `${from}/${p.height}/${p.round}/propose`;
        content = bytesToHex(proposalSignBytes({ ...p, valueHash: p.value.hash }));
      } else continue;
      const prev = signed.get(key);
      if (prev === undefined) signed.set(key, content);
      else if (prev !== content) {
        if (this.nodes[from]?.byzantine !== undefined) byzConflicts++;
        else this.violations.push(`double sign: node n${from} signed two different messages for ${key}`);
      }
    }
    this.byzantineDoubleSigns = byzConflicts;
    // Evidence names the Byzantine validator only.
    const byz = this.byzantinePk === undefined ? undefined : bytesToHex(this.byzantinePk);
    for (const { node, evidence } of this.evidenceLog) {
      const height = evidence.kind === "duplicate-vote" ? evidence.voteA.height : evidence.proposalA.height;
      const index =
        evidence.kind === "duplicate-vote" ? evidence.voteA.validatorIndex : evidence.proposalA.proposerIndex;
      const vals = this.valsets.get(height);
      const pk = vals?.at(index)?.publicKey;
      if (pk !== undefined && bytesToHex(pk) !== byz) {
        this.violations.push(`evidence: node n${node} accused an honest validator at height ${height}`);
      }
    }
    if (
      cfg.byzantine?.behaviour === "equivocate" &&
      this.equivocationsSent >= 3 &&
      this.evidenceLog.length === 0
    ) {
      this.violations.push("evidence: the Byzantine validator equivocated but no node emitted evidence");
    }
  }

  private byzantineDoubleSigns = 0;

  private result(finishedAtMs: number | undefined): SimResult {
    const minCorrectHeight = Math.min(
      ...this.nodes.filter((n) => this.isCorrect(n)).map((n) => n.storedHeight),
    );
    const decided = [...this.decided.entries()].sort((a, b) => a[0] - b[0]).map(([h, x]) => `${h}:${x}`);
    const fingerprint = bytesToHex(
      sha256(
        concatBytes(
          utf8ToBytes(decided.join(",")),
          utf8ToBytes(
            `/${this.messagesSent}/${this.scheduler.executed}/${this.crashCount}/${this.trace.join(",")}`,
          ),
        ),
      ),
    );
    return {
      seed: this.config.seed,
      ok: this.violations.length === 0,
      violations: [...this.violations],
      finishedAtMs,
      virtualTimeMs: this.scheduler.now,
      minCorrectHeight,
      maxRound: Math.max(...this.nodes.map((n) => n.maxRound)),
      messagesSent: this.messagesSent,
      messagesDelivered: this.messagesDelivered,
      crashes: this.crashCount,
      failpointCrashes: { ...this.failpointCrashes },
      restarts: this.restartCount,
      replayedEvents: this.replayedEvents,
      walsLost: this.walsLost,
      guardRefusals: this.guardRefusals,
      evidence: this.evidenceLog.length,
      equivocationsSent: this.equivocationsSent,
      byzantineDoubleSigns: this.byzantineDoubleSigns,
      validatorSetSizes: [...this.valsets.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.size),
      fingerprint,
    };
  }
}
