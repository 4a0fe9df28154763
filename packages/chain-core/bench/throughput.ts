/**
 * (b) Committed transfers per second of 4 validators in ONE process: real ChainNodes over the in-memory
 * network, real Ed25519 tx signatures checked by each node's mempool (worker threads), BLS12-381 votes,
 * LMDB stores on disk in a temp dir. A load generator (the "gateway") submits signed transfers from
 * many accounts, each account pinned to one node, keeping at most `window` txs uncommitted. Txs are
 * signed before the timed run (signing is the clients' work, not the chain's).
 * Latency is submit → the block holding the tx is durable on node 0 (its `tx` event).
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { bytesToHex, concatBytes, hexToBytes } from "@tandem/crypto";
import { encodeTx, signTxWith, type TransferPayload, type UnsignedTx } from "@tandem/ledger";
import { type Emit, percentile } from "@tandem/test-utils/bench";
import { type TestKey, Testnet, testnetNodeOptions } from "../src/testing/index.js";

export interface ThroughputOptions {
  seconds: number;
  warmupSeconds: number;
  accounts: number;
  /** Most txs submitted and not yet committed. */
  window: number;
  workersPerNode: number;
  maxBlockTxs: number;
  store: "lmdb" | "memory";
  /** Threads verifying BLS votes (0 = on the nodes' thread). */
  blsWorkers: number;
  /** Txs signed in advance per second of run (the most the generator can submit). */
  presignRate: number;
  /** Consensus propose timeout of round 0 (ms; undefined = the node's default, 3000). */
  proposeTimeoutMs?: number;
}

export interface ThroughputResult {
  committedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  blocks: number;
  avgTxsPerBlock: number;
  rejected: number;
}

const PKCS8_ED25519 = hexToBytes("302e020100300506032b657004220420");

export async function measureThroughput(emit: Emit, o: ThroughputOptions): Promise<ThroughputResult> {
  const net = await Testnet.create({
    scheme: "bls",
    blsWorkers: o.blsWorkers,
    store: o.store,
    accounts: o.accounts,
    node: {
      ...testnetNodeOptions,
      consensus: o.proposeTimeoutMs === undefined ? {} : { timeoutProposeMs: o.proposeTimeoutMs },
      gossipIntervalMs: 1000,
      block: { maxTxs: o.maxBlockTxs, emptyBlockWaitMs: 250 },
      mempool: { verifyWorkers: o.workersPerNode, maxTxs: 50_000, maxPerSender: 64, maxBatch: 2048 },
      txGossip: { maxBatch: 1024, flushIntervalMs: 5 },
    },
  });
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

    await net.startAll();
    await net.waitForHeight(1, { timeoutMs: 30_000 });
    const n0 = net.node(0);
    const submitted = new Map<string, number>();
    const latencies: Array<{ at: number; ms: number }> = [];
    let committed = 0;
    let blocks = 0;
    let blockTxs = 0;
    n0.events.on("block", (e) => {
      blocks++;
      blockTxs += e.txHashes.length;
    });
    n0.events.on("tx", (e) => {
      const id = bytesToHex(e.hash);
      const at = submitted.get(id);
      if (at === undefined) return;
      submitted.delete(id);
      const now = performance.now();
      committed++;
      latencies.push({ at: now, ms: now - at });
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
            const bytes = list.map((j) => txs[j] as Uint8Array);
            const outs = await net.node(i).submitTxs(bytes);
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
    const h0 = { blocks: 0, txs: 0 };
    await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
    h0.blocks = blocks;
    h0.txs = blockTxs;
    const committedAtStart = committed;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const committedInWindow = committed - committedAtStart;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
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
    };
    const top = Math.min(...net.running.map((n) => n.height));
    // More than one proposal per height = rounds that timed out (their blocks were executed for nothing).
    const proposals = net.running.reduce((sum, n) => sum + n.stats.proposalsBuilt, 0);
    net.assertAgreement();
    emit({
      bench: "chain-node",
      name: "committed transfers/s, 4 validators in one process",
      value: Math.round(result.committedPerSecond),
      unit: "tx/s",
      seconds: o.seconds,
      blocks: result.blocks,
      avgTxsPerBlock: Math.round(result.avgTxsPerBlock),
      rejectedSubmissions: rejected,
      store: o.store,
      blsWorkers: o.blsWorkers,
      workersPerNode: o.workersPerNode,
      window: o.window,
      accounts: o.accounts,
      heightsAgreed: top,
      proposalsPerHeight: Math.round((proposals / Math.max(1, top)) * 100) / 100,
    });
    // Costs per committed tx, steadier than tx/s on a shared machine: the main thread (all 4 nodes'
    // consensus, admission, execution, storage) and the whole process (plus signature threads).
    emit({
      bench: "chain-node",
      name: "main-thread time per committed tx (4 nodes)",
      value: Math.round((elu.active * 1000) / Math.max(1, committedInWindow)),
      unit: "µs/tx",
      utilization: Math.round(elu.utilization * 100) / 100,
    });
    emit({
      bench: "chain-node",
      name: "process CPU per committed tx (all threads, 4 nodes)",
      value: Math.round((cpu.user + cpu.system) / Math.max(1, committedInWindow)),
      unit: "µs/tx",
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
    await net.close();
  }
}
