/**
 * One validator of the threaded bench on its own worker thread: a real ChainNode on an LMDB store, BLS
 * votes signed and verified on this thread, Ed25519 tx signatures checked by this node's mempool, peers
 * reached through {@link PortNetwork}. The parent drives it over `parentPort` (see {@link ToNode} and
 * {@link FromNode}); every node reports its committed blocks, and node 0 also the hashes of their txs
 * (the parent's latency clock).
 */
import { writeFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { bytesToHex } from "@tandem/crypto";
import { startCpuProfile } from "@tandem/test-utils/bench";
import {
  BlsVoteSigner,
  BlsVoteVerifier,
  ChainNode,
  LmdbKvStore,
  PortNetwork,
  type PortPeer,
} from "../src/index.js";
import type { ChainNodeOptions } from "../src/node/options.js";
import { testBlsSecretKey, testOperatorKey } from "../src/testing/index.js";

export interface NodeThreadData {
  readonly index: number;
  readonly chainId: string;
  readonly path: string;
  readonly options: ChainNodeOptions;
  readonly peers: readonly PortPeer[];
  /** Report tx hashes of committed blocks (one node does, for the latency clock). */
  readonly reportTxs: boolean;
  /** Write a CPU profile of this thread between the first and second window marks to this file. */
  readonly cpuProfile?: string;
}

export type ToNode =
  | { readonly k: "submit"; readonly id: number; readonly txs: readonly Uint8Array[] }
  | { readonly k: "window" }
  | { readonly k: "blockHash"; readonly id: number; readonly height: number }
  | { readonly k: "stop"; readonly id: number };

export type SubmitOut =
  | { readonly ok: true; readonly hashHex: string }
  | { readonly ok: false; readonly code: string };

export type FromNode =
  | { readonly k: "ready" }
  | { readonly k: "submitted"; readonly id: number; readonly outs: readonly SubmitOut[] }
  | {
      readonly k: "block";
      readonly height: number;
      readonly txs: number;
      readonly hashes?: readonly string[];
    }
  | { readonly k: "window"; readonly activeMs: number; readonly utilization: number }
  | {
      readonly k: "blockHash";
      readonly id: number;
      readonly hash: string | null;
      readonly root: string | null;
      readonly nodeHeight: number;
    }
  | {
      readonly k: "stopped";
      readonly id: number;
      readonly height: number;
      readonly proposalsBuilt: number;
    }
  | { readonly k: "fatal"; readonly error: string };

const port = parentPort;
if (port === null) throw new Error("node-thread runs as a worker");
const data = workerData as NodeThreadData;
const post = (m: FromNode): void => port.postMessage(m);

const store = await LmdbKvStore.open({ path: data.path });
const network = new PortNetwork(`node${data.index}`, data.peers);
const verifier = await BlsVoteVerifier.create(); // initialises BLS on this thread
const node = await ChainNode.init(data.options, {
  store,
  network,
  signer: await BlsVoteSigner.create(testBlsSecretKey(data.chainId, data.index)),
  verifier,
  operatorKey: testOperatorKey(data.chainId, data.index).secretKey,
  onFatal: (e) => post({ k: "fatal", error: String(e) }),
});
node.events.on("block", (e) => {
  post({
    k: "block",
    height: e.height,
    txs: e.txHashes.length,
    ...(data.reportTxs ? { hashes: e.txHashes.map((h) => bytesToHex(h)) } : {}),
  });
});
let elu = performance.eventLoopUtilization();
let marks = 0;
let profiler: Awaited<ReturnType<typeof startCpuProfile>> | undefined;

port.on("message", (m: ToNode) => {
  if (m.k === "submit") {
    node.submitTxs(m.txs).then(
      (outs) =>
        post({
          k: "submitted",
          id: m.id,
          outs: outs.map((o) => (o.ok ? { ok: true, hashHex: o.hashHex } : { ok: false, code: o.code })),
        }),
      (e: unknown) =>
        post({ k: "submitted", id: m.id, outs: m.txs.map(() => ({ ok: false, code: String(e) })) }),
    );
  } else if (m.k === "window") {
    // Marks a window edge: reports this thread's busy time since the previous mark.
    const d = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    post({ k: "window", activeMs: d.active, utilization: d.utilization });
    marks++;
    if (data.cpuProfile !== undefined) void profileMark(marks, data.cpuProfile);
  } else if (m.k === "blockHash") {
    const c = node.getCommit(m.height);
    const root = node.stateMachine.heightRecord(m.height)?.stateRoot;
    post({
      k: "blockHash",
      id: m.id,
      hash: c === undefined ? null : bytesToHex(c.blockHash),
      root: root === undefined ? null : bytesToHex(root),
      nodeHeight: node.height,
    });
  } else if (m.k === "stop") {
    const height = node.height;
    const proposalsBuilt = node.stats.proposalsBuilt;
    void (async () => {
      await node.close();
      network.close();
      await store.close();
      post({ k: "stopped", id: m.id, height, proposalsBuilt });
      port.close();
    })();
  }
});
node.start();
post({ k: "ready" });

/** Mark 1 starts a sampling profile of this thread, mark 2 writes it. */
async function profileMark(mark: number, file: string): Promise<void> {
  if (mark === 1) profiler = await startCpuProfile();
  else if (mark === 2 && profiler !== undefined) writeFileSync(file, JSON.stringify(await profiler.stop()));
}
