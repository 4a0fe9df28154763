/**
 * (c) Restart of a node with a long history: a single-validator chain on LMDB gets `blocks` blocks
 * (one transfer every 10th block, the rest empty) through the node's real commit path
 * (testing/node/history.ts: build → execute → sign → aggregate → one atomic write per block; the
 * consensus message round trips are skipped, and writes are batched while building). The store is
 * closed, then a fresh ChainNode is started on it: time from `init` to "in consensus" (engine running
 * at head + 1) and to the first new block committed. Store reads during startup are counted, to show
 * that startup reads the head and not the history. The validator signs with the cheap test scheme so
 * that 100,000 blocks build in about a minute (signature costs do not enter the restart figure).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emit } from "@tandem/test-utils/bench";
import { ChainNode } from "../src/node/index.js";
import { LmdbKvStore } from "../src/store/index.js";
import {
  BufferedKvStore,
  buildHistory,
  CountingKvStore,
  Testnet,
  testnetNodeOptions,
} from "../src/testing/index.js";

export async function measureRestart(emit: Emit, blocks: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tandem-restart-"));
  const net = await Testnet.create({ validators: 1, accounts: 100 });
  const m = net.member(0);
  const signer = m.signer;
  if (signer === undefined) throw new Error("no validator key");
  const options = { ...testnetNodeOptions, block: { emptyBlockWaitMs: 0 }, genesis: net.genesis };
  try {
    // Build the history.
    const lmdb = await LmdbKvStore.open({ path: dir });
    const store = new BufferedKvStore(lmdb, 2000);
    const builder = await ChainNode.open(options, {
      store,
      network: net.network.join("builder"),
      verifier: net.verifier,
      signer,
    });
    const t0 = performance.now();
    await buildHistory(builder, signer, net.verifier, {
      blocks,
      txFor: (i) => {
        if (i % 10 !== 0) return undefined;
        const from = net.accounts[(i / 10) % net.accounts.length];
        const to = net.accounts[(i / 10 + 1) % net.accounts.length];
        return from === undefined || to === undefined ? undefined : net.transfer(from, to.address, 1n);
      },
    });
    const buildMs = performance.now() - t0;
    const built = builder.height;
    const headHash = builder.headHash;
    await builder.close();
    await store.close();
    emit({
      bench: "chain-node",
      name: "history built through the commit path",
      value: built,
      unit: "blocks",
      ms: Math.round(buildMs),
      perBlockUs: Math.round((buildMs * 1000) / Math.max(1, built)),
    });

    // Restart it.
    const s0 = performance.now();
    const counting = new CountingKvStore(await LmdbKvStore.open({ path: dir }));
    const node = await ChainNode.init(options, {
      store: counting,
      network: net.network.join(m.id),
      verifier: net.verifier,
      signer,
    });
    const initMs = performance.now() - s0;
    if (node.height !== built || Buffer.compare(node.headHash, headHash) !== 0)
      throw new Error("restart lost the head");
    while (node.mode !== "consensus") await new Promise((r) => setTimeout(r, 1));
    const consensusMs = performance.now() - s0;
    const reads = { gets: counting.gets, ranges: counting.rangeReads, entries: counting.rangeEntries };
    while (node.height < built + 1) await new Promise((r) => setTimeout(r, 1));
    const firstBlockMs = performance.now() - s0;
    await node.close();
    await counting.close();
    emit({
      bench: "chain-node",
      name: "restart with history: init → in consensus",
      value: Math.round(consensusMs),
      unit: "ms",
      target: 5000,
      blocks: built,
      initMs: Math.round(initMs),
      storeGets: reads.gets,
      rangeReads: reads.ranges,
      rangeEntries: reads.entries,
    });
    emit({
      bench: "chain-node",
      name: "restart with history: init → next block committed",
      value: Math.round(firstBlockMs),
      unit: "ms",
    });
  } finally {
    await net.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
