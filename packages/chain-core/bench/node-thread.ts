/**
 * One validator of the threaded bench on its own worker thread: a real ChainNode on an LMDB store, BLS
 * votes signed and verified on this thread, Ed25519 tx signatures checked by this node's mempool, peers
 * reached through {@link PortNetwork}. The parent drives it over `parentPort` (thread-protocol.ts); the
 * node with `reportTxs` reports its committed blocks and their tx hashes (the parent's latency clock).
 */
import { writeFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { bytesToHex } from "@tandem/crypto";
import { startCpuProfile } from "@tandem/test-utils/bench";
import { BlsVoteSigner, BlsVoteVerifier, ChainNode, LmdbKvStore, PortNetwork } from "../src/index.js";
import { testBlsSecretKey, testOperatorKey } from "../src/testing/index.js";
import { type FromNode, type NodeThreadData, submitOut, type ToNode } from "./thread-protocol.js";

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
if (data.reportTxs) {
  node.events.on("block", (e) => post({ k: "block", hashes: e.txHashes.map((h) => bytesToHex(h)) }));
}
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
          outs: outs.map(submitOut),
        }),
      (e: unknown) =>
        post({ k: "submitted", id: m.id, outs: m.txs.map(() => ({ ok: false, code: String(e) })) }),
    );
  } else if (m.k === "window") {
    // Marks a window edge: reports this thread's busy time since the previous mark.
    const d = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    post({ k: "window", activeMs: d.active });
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
    const proposalsBuilt = node.stats.proposalsBuilt;
    void (async () => {
      await node.close();
      network.close();
      await store.close();
      post({ k: "stopped", id: m.id, proposalsBuilt });
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
