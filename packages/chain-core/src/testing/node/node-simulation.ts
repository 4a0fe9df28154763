/**
 * The second simulator: real {@link ChainNode}s (consensus engine, state machine, mempool, block store,
 * sync, tx gossip) on virtual time. The {@link MemoryNetwork} and every node timer run on the
 * simulator's {@link Scheduler}; each node has a MemoryKvStore on its own MemoryDisk; transfers signed
 * with real Ed25519 keys are submitted to random nodes (some with bad signatures or replayed nonces);
 * before GST the network delays, drops, duplicates and partitions; nodes crash at failpoints or at
 * times and restart from their disks; one validator may be silent or equivocate. Consensus votes use
 * the cheap test scheme (hundreds of thousands of signatures per seed).
 *
 * After the run it checks, over every correct node (restarted ones included):
 * - agreement: equal block hashes and equal state roots at every height two nodes stored;
 * - validity: no committed tx failed before its module ran (bad signature, nonce, malformed …), and
 *   no tx this run signed badly is in any block;
 * - liveness: every correct node stored `targetHeight` within `livenessBoundMs` after GST, and every
 *   accepted tx is committed (unless the node that accepted it crashed before it spread);
 * - no double sign: no correct validator sent two different proposals or votes for one
 *   (height, round, step) (every message scanned at the network);
 * - evidence: an equivocating validator ends up accused on chain, and nobody else is.
 */
import { bytesToHex, initBls, sha256 } from "@tandem/crypto";
import { decodeTx, TX_RESULT_OK } from "@tandem/ledger";
import { decodeConsensusMessage } from "../../consensus/codec.js";
import { proposalSignBytes, voteSignBytes } from "../../consensus/sign-bytes.js";
import {
  ArmedFailpoints,
  FailpointCrash,
  type FailpointName,
  type Failpoints,
  noFailpoints,
} from "../../failpoints.js";
import { TxErrorCode } from "../../state/errors.js";
import { EVIDENCE_KIND } from "../../state/evidence.js";
import { Prng } from "../sim/prng.js";
import { randomSimConfig, simConsensusOptions } from "../sim/scenario.js";
import { Scheduler } from "../sim/scheduler.js";
import type { SimCrash, SimPartition } from "../sim/simulation.js";
import { equivocatingInterceptor, silentInterceptor } from "./byzantine.js";
import { type TestKey, Testnet } from "./testnet.js";

export interface NodeSimConfig {
  seed: number;
  validators: number;
  /** Full nodes (no validator key) after the validators. */
  followers: number;
  targetHeight: number;
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
  byzantine?: { node: number; behaviour: "silent" | "equivocate" };
  /** Transfers submitted at random times before `untilMs`; `invalidRate` of them badly signed. */
  txs: { count: number; invalidRate: number; untilMs: number };
}

export interface NodeSimResult {
  seed: number;
  ok: boolean;
  violations: string[];
  finishedAtMs: number | undefined;
  minCorrectHeight: number;
  accepted: number;
  refused: number;
  committed: number;
  crashes: number;
  restarts: number;
  failpointCrashes: Partial<Record<FailpointName, number>>;
  blocksSynced: number;
  evidenceOnChain: number;
  messages: number;
}

/** A node-simulator scenario from `seed` (topology and faults drawn like the consensus simulator's). */
export function nodeSimConfig(seed: number): NodeSimConfig {
  const base = randomSimConfig(seed);
  const r = new Prng(seed ^ 0x0b10c5);
  const validators = 4;
  const followers = r.bool(0.25) ? 1 : 0;
  const nodes = validators + followers;
  const byzantine =
    base.byzantine === undefined || base.byzantine.behaviour === "invalid"
      ? undefined
      : { node: base.byzantine.node % validators, behaviour: base.byzantine.behaviour };
  const crashes = base.crashes
    .filter((c) => c.node !== byzantine?.node)
    .map((c) => ({ ...c, node: c.node % nodes, loseWal: false }));
  return {
    seed,
    validators,
    followers,
    targetHeight: r.range(5, 8),
    gstMs: base.gstMs,
    livenessBoundMs: 60_000,
    network: {
      ...base.network,
      partitions: base.network.partitions.map((p) => ({
        ...p,
        groups: p.groups.map((g) => g.filter((n) => n < nodes)),
      })),
    },
    healthyDelayMs: base.healthyDelayMs,
    crashes,
    ...(byzantine === undefined ? {} : { byzantine }),
    txs: { count: r.range(10, 40), invalidRate: 0.2, untilMs: base.gstMs + 3000 },
  };
}

const STRUCTURAL: ReadonlySet<string> = new Set([
  TxErrorCode.MALFORMED,
  TxErrorCode.WRONG_CHAIN,
  TxErrorCode.EXPIRED,
  TxErrorCode.UNKNOWN_KIND,
  TxErrorCode.NONCE_TOO_LOW,
  TxErrorCode.NONCE_TOO_HIGH,
  TxErrorCode.BAD_SIGNATURE,
]);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class NodeSimulation {
  readonly scheduler = new Scheduler();
  private readonly rng: Prng;
  private readonly violations: string[] = [];
  private readonly signed = new Map<string, string>();
  private readonly invalidTxs = new Set<string>();
  private net: Testnet | undefined;
  private accepted = 0;
  private refused = 0;
  private crashes = 0;
  private restarts = 0;
  private messages = 0;
  private readonly failpointCrashes: Partial<Record<FailpointName, number>> = {};
  private readonly plans = new Map<number, SimCrash[]>();
  private readonly restarting = new Set<number>();
  private synced = 0;
  /** Valid txs submitted, with the incarnation of the node they went to (hash once accepted). */
  private mustCommit: Array<{
    account: string;
    nonce: number;
    hash: Uint8Array | undefined;
    node: number;
    starts: number;
    committed: boolean;
  }> = [];

  constructor(readonly config: NodeSimConfig) {
    this.rng = new Prng(config.seed);
    for (const c of config.crashes) {
      if (c.failpoint === undefined) continue;
      const list = this.plans.get(c.node) ?? [];
      list.push(c);
      this.plans.set(c.node, list);
    }
  }

  private isCorrect(i: number): boolean {
    return this.config.byzantine?.node !== i;
  }

  private failpointsFor(i: number): Failpoints {
    const plan = this.plans.get(i)?.[0]?.failpoint;
    if (plan === undefined) return noFailpoints;
    return new ArmedFailpoints(plan.name, plan.nth, () => {
      throw new FailpointCrash(plan.name);
    });
  }

  private async startNode(i: number): Promise<void> {
    const net = this.net as Testnet;
    try {
      const node = await net.start(i, { failpoints: this.failpointsFor(i) });
      void node;
    } catch (e) {
      this.violations.push(`node ${i} failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private scheduleRestart(i: number, downMs: number): void {
    if (this.restarting.has(i)) return;
    this.restarting.add(i);
    this.scheduler.after(downMs, () => {
      this.restarting.delete(i);
      this.restarts++;
      void this.startNode(i);
    });
  }

  /** Crash handling: a node stopped on a failpoint restarts after its plan's down time. */
  private reapCrashed(): void {
    const net = this.net as Testnet;
    for (const m of net.members) {
      if (m.fatal === undefined || m.node === undefined || this.restarting.has(m.index)) continue;
      const err = m.fatal;
      if (!(err instanceof FailpointCrash)) {
        this.violations.push(
          `node ${m.index} stopped on an unexpected error: ${err instanceof Error ? err.stack : String(err)}`,
        );
        m.fatal = undefined;
        continue;
      }
      this.crashes++;
      this.failpointCrashes[err.failpoint] = (this.failpointCrashes[err.failpoint] ?? 0) + 1;
      this.synced += m.node.stats.blocksSynced;
      const plan = this.plans.get(m.index)?.shift();
      m.fatal = undefined;
      void net.crash(m.index);
      this.scheduleRestart(m.index, plan?.downMs ?? 500);
    }
  }

  private recordSigned(from: string, data: Uint8Array): void {
    this.messages++;
    const tag = data[0];
    if (tag !== 1 && tag !== 2) return;
    let key: string;
    let content: string;
    try {
      const msg = decodeConsensusMessage(data);
      if (msg.kind === "vote") {
        const v = msg.vote;
        key = `${from}/${v.height}/${v.round}/${v.type}`;
        content = bytesToHex(voteSignBytes(v));
      } else if (msg.kind === "proposal") {
        const p = msg.proposal;
        key = `${from}/${p.height}/${p.round}/propose`;
        content = bytesToHex(proposalSignBytes({ ...p, valueHash: p.value.hash }));
      } else return;
    } catch {
      return;
    }
    const prev = this.signed.get(key);
    if (prev === undefined) this.signed.set(key, content);
    else if (prev !== content && this.isCorrect(Number(from.slice(4)))) {
      this.violations.push(`double sign: ${from} signed two different messages for ${key}`);
    }
  }

  private submitTx(net: Testnet, accounts: TestKey[]): void {
    const running = net.members.filter((m) => m.node !== undefined && m.node.mode !== "crashed");
    const target = running[this.rng.int(Math.max(1, running.length))];
    if (target?.node === undefined) return;
    const from = accounts[this.rng.int(accounts.length)] as TestKey;
    const to = accounts[this.rng.int(accounts.length)] as TestKey;
    let bytes: Uint8Array;
    const account = bytesToHex(from.address);
    const nonce = net.nextNonce(from);
    if (this.rng.bool(this.config.txs.invalidRate)) {
      // A bad signature (a flipped byte at the end) or a replayed nonce of 0 after use.
      bytes = net.transfer(from, to.address, 1n, { nonce: net.nextNonce(from) });
      bytes = bytes.slice();
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x40;
      this.invalidTxs.add(bytesToHex(sha256(bytes)));
    } else {
      bytes = net.transfer(from, to.address, BigInt(1 + this.rng.int(100)));
    }
    const starts = target.starts;
    const valid = nonce !== net.nextNonce(from);
    const entry = {
      account,
      nonce,
      hash: undefined as Uint8Array | undefined,
      node: target.index,
      starts,
      committed: false,
    };
    if (valid) this.mustCommit.push(entry);
    target.node.submitTx(bytes).then(
      (r) => {
        this.accepted++;
        entry.hash = r.hash;
      },
      () => this.refused++,
    );
  }

  async run(): Promise<NodeSimResult> {
    const cfg = this.config;
    // Ready before virtual time starts: a first-time wasm load would take wall time in the middle of a
    // node start and make the run depend on the machine's speed.
    await initBls();
    const clock = this.scheduler.clockFor(() => true);
    const net = await Testnet.create({
      chainId: "tandem:nodesim",
      validators: cfg.validators,
      followers: cfg.followers,
      accounts: 6,
      clock,
      network: {
        clock,
        seed: cfg.seed,
        delayMs: [cfg.network.minDelayMs, cfg.network.maxDelayMs],
        dropRate: cfg.network.dropRate,
        duplicateRate: cfg.network.duplicateRate,
        requestTimeoutMs: 2000,
      },
      node: {
        consensus: simConsensusOptions,
        gossipIntervalMs: 250,
        walFlushEvery: 16,
        block: { emptyBlockWaitMs: 150 },
        mempool: { verifyWorkers: 0 },
        sync: { peerBackoffMs: 1000 },
      },
    });
    this.net = net;
    if (cfg.byzantine !== undefined) {
      const byz = net.member(cfg.byzantine.node);
      net.network.intercept(
        cfg.byzantine.behaviour === "silent"
          ? silentInterceptor(byz.id)
          : equivocatingInterceptor(byz.id, byz.signer as never, this.rng.fork("byzantine")),
      );
    }
    net.network.intercept((m) => {
      if (m.topic !== "txs") this.recordSigned(m.from, m.data);
      return undefined;
    });
    // Start, faults and load on the schedule.
    for (const m of net.members) this.scheduler.at(this.rng.int(20), () => void this.startNode(m.index));
    for (const p of cfg.network.partitions) {
      const groups = p.groups.map((g) => g.map((n) => `node${n}`));
      this.scheduler.at(p.startMs, () => net.network.partition(...groups));
      this.scheduler.at(Math.min(p.endMs, cfg.gstMs), () => net.network.heal());
    }
    this.scheduler.at(cfg.gstMs, () => {
      net.network.heal();
      net.network.configure({ delayMs: cfg.healthyDelayMs, dropRate: 0, duplicateRate: 0 });
    });
    for (const c of cfg.crashes) {
      if (c.atMs === undefined || c.failpoint !== undefined) continue;
      this.scheduler.at(c.atMs, () => {
        const m = net.member(c.node);
        if (m.node === undefined || this.restarting.has(c.node)) return;
        this.crashes++;
        this.synced += m.node.stats.blocksSynced;
        void net.crash(c.node);
        this.scheduleRestart(c.node, c.downMs);
      });
    }
    for (let i = 0; i < cfg.txs.count; i++) {
      this.scheduler.at(50 + this.rng.int(cfg.txs.untilMs), () => this.submitTx(net, net.accounts));
    }

    const deadline = cfg.gstMs + cfg.livenessBoundMs;
    let finishedAtMs: number | undefined;
    try {
      while (this.scheduler.step(deadline)) {
        await turn();
        await turn();
        this.reapCrashed();
        if (this.violations.length > 0) break;
        if (this.scheduler.now > cfg.txs.untilMs && this.done()) {
          finishedAtMs = this.scheduler.now;
          break;
        }
      }
      for (let i = 0; i < 5; i++) await turn();
      return this.check(finishedAtMs);
    } finally {
      await net.close();
    }
  }

  private correctNodes() {
    const net = this.net as Testnet;
    return net.members.filter(
      (m) => this.isCorrect(m.index) && m.node !== undefined && m.node.mode !== "crashed",
    );
  }

  private done(): boolean {
    const nodes = this.correctNodes();
    const expected = (this.net as Testnet).members.filter((m) => this.isCorrect(m.index)).length;
    if (nodes.length !== expected || !nodes.every((m) => (m.node?.height ?? 0) >= this.config.targetHeight))
      return false;
    return this.uncommitted().length === 0;
  }

  /**
   * Accepted txs not committed yet whose accepting node has not crashed since (a tx only in the mempool
   * of a node that crashed is lost, as the gateway's resubmission rule expects).
   */
  private uncommitted(): Uint8Array[] {
    const net = this.net as Testnet;
    const ref = this.correctNodes()[0]?.node;
    const out: Uint8Array[] = [];
    // Per account in nonce order: a tx refused, or lost with the node that held it, leaves a nonce gap
    // that no later tx of the account can pass; those are not required.
    const broken = new Set<string>();
    for (const t of [...this.mustCommit].sort((a, b) => a.nonce - b.nonce)) {
      if (broken.has(t.account)) continue;
      if (t.committed) continue;
      if (t.hash !== undefined && ref?.blockStore.txLocation(t.hash) !== undefined) {
        t.committed = true;
        continue;
      }
      if (t.hash === undefined || net.member(t.node).starts !== t.starts) {
        broken.add(t.account);
        continue;
      }
      out.push(t.hash);
    }
    return out;
  }

  private check(finishedAtMs: number | undefined): NodeSimResult {
    const cfg = this.config;
    const net = this.net as Testnet;
    const nodes = this.correctNodes().map((m) => m.node as NonNullable<typeof m.node>);
    if (finishedAtMs === undefined && this.violations.length === 0) {
      const hs = net.members.map((m) => `${m.id}:${m.node?.height ?? "-"}/${m.node?.mode ?? "down"}`);
      this.violations.push(
        `liveness: not every correct node reached ${cfg.targetHeight} with every accepted tx committed (${hs.join(" ")}; ${this.uncommitted().length} txs pending)`,
      );
    }
    try {
      net.assertAgreement();
    } catch (e) {
      this.violations.push(`agreement: ${e instanceof Error ? e.message : String(e)}`);
    }
    let committed = 0;
    let evidenceOnChain = 0;
    const ref = nodes[0];
    const byzAddress =
      cfg.byzantine === undefined ? undefined : bytesToHex(net.member(cfg.byzantine.node).operator.address);
    if (ref !== undefined) {
      for (let h = 1; h <= ref.height; h++) {
        const block = ref.getBlock(h);
        const results = ref.stateMachine.blockResults(h);
        if (block === undefined || results === undefined) {
          this.violations.push(`store: height ${h} incomplete on ${ref.peerId}`);
          continue;
        }
        block.txs.forEach((tx, i) => {
          const code = results.results[i]?.code ?? "?";
          if (STRUCTURAL.has(code))
            this.violations.push(`validity: tx ${i} of block ${h} committed with ${code}`);
          if (this.invalidTxs.has(bytesToHex(sha256(tx))))
            this.violations.push(`validity: a badly signed tx is in block ${h}`);
          if (code === TX_RESULT_OK) committed++;
          if (decodeTx(tx).kind === EVIDENCE_KIND.kind && code === TX_RESULT_OK) {
            evidenceOnChain++;
            const accused = results.results[i]?.events
              .find((e) => e.type === "evidence")
              ?.attributes.find(([k]) => k === "validator")?.[1];
            if (accused !== byzAddress)
              this.violations.push(`evidence: an honest validator was accused at ${h}`);
          }
        });
      }
    }
    for (const n of nodes) this.synced += n.stats.blocksSynced;
    return {
      seed: cfg.seed,
      ok: this.violations.length === 0,
      violations: [...this.violations],
      finishedAtMs,
      minCorrectHeight: Math.min(...nodes.map((n) => n.height)),
      accepted: this.accepted,
      refused: this.refused,
      committed,
      crashes: this.crashes,
      restarts: this.restarts,
      failpointCrashes: { ...this.failpointCrashes },
      blocksSynced: this.synced,
      evidenceOnChain,
      messages: this.messages,
    };
  }
}
