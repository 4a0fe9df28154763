/**
 * (b) Committed transfers per second of 4 validators in ONE process: real ChainNodes, real Ed25519 tx
 * signatures checked by each node's mempool, BLS12-381 votes, LMDB stores on disk in a temp dir.
 * Two layouts of the same 4 nodes:
 *   - `threads` (default): each node on its own worker thread, peers linked by message ports
 *     ({@link PortNetwork}); the main thread only runs the load generator. The bound's premise: the 4
 *     validators share the machine's cores.
 *   - `single`: all 4 nodes on the main thread over the in-memory network (Ed25519 and BLS checks on
 *     worker threads), as the simulator runs them: one core's worth of node work at most.
 * A load generator (the "gateway") submits signed transfers from many accounts, each account pinned to
 * one node, keeping at most `window` txs uncommitted. Txs are signed before the timed run (signing is
 * the clients' work, not the chain's).
 * Latency is submit → the block holding the tx is durable on node 0 (its `tx` / `block` event).
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { bytesToHex, concatBytes, hexToBytes } from "@tandem/crypto";
import { encodeTx, signTxWith, type TransferPayload, type UnsignedTx } from "@tandem/ledger";
import { type Emit, percentile, startCpuProfile } from "@tandem/test-utils/bench";
import { portMesh } from "../src/network/index.js";
import type { ChainNodeOptions } from "../src/node/options.js";
import { type TestKey, Testnet, testnetNodeOptions } from "../src/testing/index.js";
import {
  type FromNode,
  type NodeThreadData,
  type SubmitOut,
  submitOut,
  type ToNode,
} from "./thread-protocol.js";

export interface ThroughputOptions {
  seconds: number;
  warmupSeconds: number;
  accounts: number;
  /** Most txs submitted and not yet committed. */
  window: number;
  /** Ed25519 verification threads per node (0 = on the node's own thread). */
  workersPerNode: number;
  maxBlockTxs: number;
  /** `single` only: "memory" keeps the stores in memory. */
  store: "lmdb" | "memory";
  /** `single` only: threads verifying BLS votes (0 = on the nodes' thread). */
  blsWorkers: number;
  /** Txs signed in advance per second of run (the most the generator can submit). */
  presignRate: number;
  /** Consensus propose timeout of round 0 (ms; undefined = the node's default, 3000). */
  proposeTimeoutMs?: number;
  /** CPU profiles over the timed window: of the main thread (single) or `<file>.node<i>` (threads). */
  cpuProfile?: string;
  layout: "threads" | "single";
}

export interface ThroughputResult {
  committedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  blocks: number;
  avgTxsPerBlock: number;
  rejected: number;
  /** Process CPU (all threads) per committed tx over the timed window, µs. */
  cpuPerTxUs: number;
}

/** The 4 running nodes, as the load generator sees them. */
interface LoadTarget {
  submit(node: number, txs: Uint8Array[]): Promise<readonly SubmitOut[]>;
  /** Node 0 committed a block: the hashes of its txs (hex). */
  onBlock(cb: (hashes: readonly string[]) => void): void;
  /** Busy time of each node thread since the last mark (ms). Undefined in the single layout. */
  mark(): Promise<number[] | undefined>;
  /** Checks that every node holds the same blocks and roots; returns the heights compared. */
  agreement(): Promise<{ heights: number; proposalsPerHeight: number }>;
  close(): Promise<void>;
}

const PKCS8_ED25519 = hexToBytes("302e020100300506032b657004220420");

function nodeOptions(o: ThroughputOptions): Omit<ChainNodeOptions, "genesis"> {
  return {
    ...testnetNodeOptions,
    consensus: o.proposeTimeoutMs === undefined ? {} : { timeoutProposeMs: o.proposeTimeoutMs },
    gossipIntervalMs: 1000,
    block: { maxTxs: o.maxBlockTxs, emptyBlockWaitMs: 250 },
    mempool: { verifyWorkers: o.workersPerNode, maxTxs: 50_000, maxPerSender: 64, maxBatch: 2048 },
    txGossip: { maxBatch: 1024, flushIntervalMs: 5 },
  };
}

async function singleTarget(net: Testnet): Promise<LoadTarget> {
  await net.startAll();
  await net.waitForHeight(1, { timeoutMs: 30_000 });
  return {
    async submit(i, txs) {
      return (await net.node(i).submitTxs(txs)).map(submitOut);
    },
    onBlock(cb) {
      net.node(0).events.on("block", (e) => cb(e.txHashes.map(bytesToHex)));
    },
    async mark() {
      return undefined;
    },
    async agreement() {
      const heights = net.assertAgreement();
      const proposals = net.running.reduce((sum, n) => sum + n.stats.proposalsBuilt, 0);
      return { heights, proposalsPerHeight: proposals / Math.max(1, heights) };
    },
    close: () => net.close(),
  };
}

async function threadTarget(net: Testnet, o: ThroughputOptions): Promise<LoadTarget> {
  const dir = mkdtempSync(join(tmpdir(), "tandem-bench-threads-"));
  const n = net.members.length;
  const ports = portMesh(net.members.map((m) => m.id));
  let nextId = 1;
  const waiting = new Map<number, (m: FromNode) => void>();
  const blockListeners: Array<(hashes: readonly string[]) => void> = [];
  const marks: Array<Array<(ms: number) => void>> = Array.from({ length: n }, () => []);
  const workers: Worker[] = [];
  const ready: Array<Promise<void>> = [];
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    const data: NodeThreadData = {
      index: i,
      chainId: net.chainId,
      path: join(dir, `node${i}`),
      options: { ...nodeOptions(o), genesis: net.genesis },
      peers: ports[i] ?? [],
      reportTxs: i === 0,
      ...(o.cpuProfile === undefined ? {} : { cpuProfile: `${o.cpuProfile}.node${i}` }),
    };
    const w = new Worker(new URL("./thread-boot.mjs", import.meta.url), {
      workerData: { ...data, entry: new URL("./node-thread.ts", import.meta.url).href },
      transferList: (ports[i] ?? []).map((p) => p.port),
    });
    workers.push(w);
    ready.push(
      new Promise<void>((resolve, reject) => {
        w.on("error", (e) => {
          failures.push(`node${i}: ${String(e)}`);
          reject(e);
        });
        w.on("message", (m: FromNode) => {
          if (m.k === "ready") resolve();
          else if (m.k === "block") for (const cb of blockListeners) cb(m.hashes);
          else if (m.k === "window") marks[i]?.shift()?.(m.activeMs);
          else if (m.k === "fatal") failures.push(`node${i}: ${m.error}`);
          else waiting.get(m.id)?.(m);
        });
      }),
    );
  }
  await Promise.all(ready);
  const call = <T extends FromNode>(i: number, msg: ToNode & { id: number }): Promise<T> =>
    new Promise((resolve) => {
      waiting.set(msg.id, (m) => {
        waiting.delete(msg.id);
        resolve(m as T);
      });
      workers[i]?.postMessage(msg);
    });
  const check = (): void => {
    if (failures.length > 0) throw new Error(`a node failed: ${failures.join("; ")}`);
  };
  return {
    async submit(i, txs) {
      check();
      const r = await call<Extract<FromNode, { k: "submitted" }>>(i, { k: "submit", id: nextId++, txs });
      return r.outs;
    },
    onBlock(cb) {
      blockListeners.push(cb);
    },
    async mark() {
      const out = workers.map(
        (w, i) =>
          new Promise<number>((resolve) => {
            marks[i]?.push(resolve);
            w.postMessage({ k: "window" } satisfies ToNode);
          }),
      );
      return Promise.all(out);
    },
    async agreement() {
      check();
      // Every height stored by all nodes: the same block hash and state root on each.
      const at = (h: number) =>
        Promise.all(
          workers.map((_, i) =>
            call<Extract<FromNode, { k: "blockHash" }>>(i, { k: "blockHash", id: nextId++, height: h }),
          ),
        );
      const top = Math.min(...(await at(0)).map((r) => r.nodeHeight));
      for (let h = 1; h <= top; h++) {
        const rs = await at(h);
        const ref = rs[0];
        for (const [i, r] of rs.entries()) {
          if (r.hash === null || r.hash !== ref?.hash)
            throw new Error(`fork: node${i} has another block at ${h}`);
          if (r.root === null || r.root !== ref?.root)
            throw new Error(`divergence: node${i}'s state root at ${h}`);
        }
      }
      const stopped = await Promise.all(
        workers.map((_, i) => call<Extract<FromNode, { k: "stopped" }>>(i, { k: "stop", id: nextId++ })),
      );
      const heights = top;
      const proposals = stopped.reduce((sum, s) => sum + s.proposalsBuilt, 0);
      return { heights, proposalsPerHeight: proposals / Math.max(1, heights) };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function measureThroughput(emit: Emit, o: ThroughputOptions): Promise<ThroughputResult> {
  const net = await Testnet.create({
    scheme: "bls",
    blsWorkers: o.blsWorkers,
    store: o.store,
    accounts: o.accounts,
    node: nodeOptions(o),
  });
  let target: LoadTarget | undefined;
  try {
    // Pre-sign: tx j is account j % A's nonce ⌊j / A⌋, to account (j + 1) % A.
    const total = Math.ceil((o.seconds + o.warmupSeconds + 10) * o.presignRate);
    const keys = net.accounts.map((a: TestKey) => ({
      a,
      key: createPrivateKey({
        key: Buffer.from(concatBytes(PKCS8_ED25519, a.secretKey)),
        format: "der",
        type: "pkcs8",
      }),
    }));
    const txs: Uint8Array[] = new Array(total);
    const t0 = performance.now();
    for (let j = 0; j < total; j++) {
      const from = keys[j % keys.length] as (typeof keys)[number];
      const to = net.accounts[(j + 1) % net.accounts.length] as TestKey;
      const unsigned: UnsignedTx<TransferPayload> = {
        chainId: net.chainId,
        kind: "transfer",
        scheme: "ed25519",
        sender: from.a.publicKey,
        nonce: Math.floor(j / keys.length),
        expiryHeight: 0,
        payload: { to: to.address, amount: 1n, denom: net.denom, memo: "" },
      };
      txs[j] = encodeTx(signTxWith(unsigned, (sb) => new Uint8Array(nodeSign(null, sb, from.key))));
    }
    emit({
      bench: "chain-node",
      name: "load generator: txs pre-signed",
      value: total,
      unit: "txs",
      ms: Math.round(performance.now() - t0),
    });

    target = o.layout === "threads" ? await threadTarget(net, o) : await singleTarget(net);
    const t = target;
    const submitted = new Map<string, number>();
    const latencies: Array<{ at: number; ms: number }> = [];
    let committed = 0;
    let blocks = 0;
    let blockTxs = 0;
    t.onBlock((hashes) => {
      blocks++;
      blockTxs += hashes.length;
      const now = performance.now();
      for (const id of hashes) {
        const at = submitted.get(id);
        if (at === undefined) continue;
        submitted.delete(id);
        committed++;
        latencies.push({ at: now, ms: now - at });
      }
    });

    let next = 0;
    const retry: number[] = [];
    let rejected = 0;
    let stopping = false;
    const pump = async (): Promise<void> => {
      while (!stopping) {
        const room = o.window - submitted.size;
        if (room > 64) {
          const perNode: number[][] = [[], [], [], []];
          let take = Math.min(room, 4096);
          while (take > 0 && retry.length > 0) {
            const j = retry.shift() as number;
            (perNode[(j % keys.length) % 4] as number[]).push(j);
            take--;
          }
          while (take > 0 && next < total) {
            (perNode[(next % keys.length) % 4] as number[]).push(next++);
            take--;
          }
          const now = performance.now();
          const sends = perNode.map(async (list, i) => {
            if (list.length === 0) return;
            const outs = await t.submit(
              i,
              list.map((j) => txs[j] as Uint8Array),
            );
            outs.forEach((out, k) => {
              if (out.ok) submitted.set(out.hashHex, now);
              else if (out.code !== "MEMPOOL_DUPLICATE" && out.code !== "MEMPOOL_NONCE_TOO_LOW") {
                rejected++;
                retry.push(list[k] as number);
              }
            });
          });
          await Promise.all(sends);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const pumping = pump();
    const startAt = performance.now();
    const measureFrom = startAt + o.warmupSeconds * 1000;
    const measureTo = measureFrom + o.seconds * 1000;
    await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
    const h0 = { blocks, txs: blockTxs };
    const committedAtStart = committed;
    // Single layout: the main thread runs the nodes; threads: each node thread writes its own profile.
    const profiler =
      o.cpuProfile === undefined || o.layout === "threads" ? undefined : await startCpuProfile();
    await t.mark();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const committedInWindow = committed - committedAtStart;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const nodeBusy = await t.mark();
    if (profiler !== undefined && o.cpuProfile !== undefined) {
      writeFileSync(o.cpuProfile, JSON.stringify(await profiler.stop()));
    }
    const windowBlocks = blocks - h0.blocks;
    const windowTxs = blockTxs - h0.txs;
    stopping = true;
    await pumping;
    const inWindow = latencies.filter((l) => l.at >= measureFrom && l.at <= measureTo).map((l) => l.ms);
    const result: ThroughputResult = {
      committedPerSecond: committedInWindow / o.seconds,
      p50Ms: inWindow.length > 0 ? percentile(inWindow, 50) : Number.NaN,
      p99Ms: inWindow.length > 0 ? percentile(inWindow, 99) : Number.NaN,
      blocks: windowBlocks,
      avgTxsPerBlock: windowBlocks > 0 ? windowTxs / windowBlocks : 0,
      rejected,
      cpuPerTxUs: (cpu.user + cpu.system) / Math.max(1, committedInWindow),
    };
    const agreed = await t.agreement();
    emit({
      bench: "chain-node",
      name: "committed transfers/s, 4 validators in one process",
      value: Math.round(result.committedPerSecond),
      unit: "tx/s",
      layout: o.layout,
      seconds: o.seconds,
      blocks: result.blocks,
      avgTxsPerBlock: Math.round(result.avgTxsPerBlock),
      rejectedSubmissions: rejected,
      store: o.layout === "threads" ? "lmdb" : o.store,
      workersPerNode: o.workersPerNode,
      window: o.window,
      accounts: o.accounts,
      heightsAgreed: agreed.heights,
      // More than one proposal per height = rounds that timed out (their blocks were executed for nothing).
      proposalsPerHeight: Math.round(agreed.proposalsPerHeight * 100) / 100,
    });
    // Costs per committed tx, steadier than tx/s on a shared machine.
    const perTx = (ms: number): number => Math.round((ms * 1000) / Math.max(1, committedInWindow));
    if (nodeBusy === undefined) {
      emit({
        bench: "chain-node",
        name: "main-thread time per committed tx (4 nodes)",
        value: perTx(elu.active),
        unit: "µs/tx",
        utilization: Math.round(elu.utilization * 100) / 100,
      });
    } else {
      emit({
        bench: "chain-node",
        name: "node-thread time per committed tx (4 nodes, summed)",
        value: perTx(nodeBusy.reduce((a, b) => a + b, 0)),
        unit: "µs/tx",
        perNodeUtilization: nodeBusy.map((ms) => Math.round(ms / (o.seconds * 10)) / 100),
        mainThreadUtilization: Math.round(elu.utilization * 100) / 100,
      });
    }
    emit({
      bench: "chain-node",
      name: "process CPU per committed tx (all threads, 4 nodes)",
      value: Math.round(result.cpuPerTxUs),
      unit: "µs/tx",
      cores: Math.round(((cpu.user + cpu.system) / (o.seconds * 1e6)) * 100) / 100,
    });
    emit({
      bench: "chain-node",
      name: "submit→commit latency p50",
      value: Math.round(result.p50Ms),
      unit: "ms",
    });
    emit({
      bench: "chain-node",
      name: "submit→commit latency p99",
      value: Math.round(result.p99Ms),
      unit: "ms",
    });
    return result;
  } finally {
    await target?.close();
    await net.close();
  }
}
