/**
 * Block sync between real nodes: a validator joining 50 heights late syncs and then votes (the chain
 * needs its vote once another validator is killed); peers serving a forged commit, another chain's
 * blocks or another genesis's blocks are refused with coded errors and the node syncs from an honest
 * peer instead; a node cut off by a partition detects the lag after healing and syncs; a node restarted
 * after many heights syncs before it rejoins consensus.
 */
import { describe, expect, it } from "vitest";
import { encodeConsensusMessage } from "../../../src/consensus/index.js";
import { decodeBlockWithCommit, encodeBlockWithCommit, type PeerNetwork } from "../../../src/index.js";
import type { Logger } from "../../../src/logger.js";
import { Testnet, type TestnetOptions, testnetNodeOptions } from "../../../src/testing/index.js";

const fast: TestnetOptions["node"] = {
  ...testnetNodeOptions,
  consensus: { ...testnetNodeOptions.consensus, timeoutProposeMs: 200, timeoutProposeDeltaMs: 100 },
  block: { emptyBlockWaitMs: 15 },
  gossipIntervalMs: 100,
};

interface Captured {
  message: string;
  context: Record<string, unknown> | undefined;
}

function capture(into: Captured[]): Logger {
  const push = (message: string, context?: Record<string, unknown>): void => {
    into.push({ message, context });
  };
  return { debug: () => {}, info: push, warn: push, error: push };
}

/** A peer that serves what `serve` returns (an impostor, a forger, another chain). */
function fakePeer(network: PeerNetwork, serve: (from: number, max: number) => readonly Uint8Array[]): void {
  network.attach({ onMessage: () => {}, onGetBlocks: (_peer, from, max) => serve(from, max) });
}

describe("ChainNode: block sync", () => {
  it("a validator joining 50 heights late syncs, refuses forged and foreign blocks, then votes", async () => {
    const logs: Captured[] = [];
    const t = await Testnet.create({
      node: fast,
      accounts: 4,
      logger: (i) => (i === 3 ? capture(logs) : capture([])),
    });
    const alien = await Testnet.create({ chainId: "tandem:alien", validators: 1, node: fast, accounts: 1 });
    const impostor = await Testnet.create({ validators: 1, powers: [7n], node: fast, accounts: 1 });
    try {
      await alien.start(0);
      await impostor.start(0);
      await alien.waitForHeight(3);
      await impostor.waitForHeight(3);
      // The bad peers join first, so the late node asks them first.
      fakePeer(t.network.join("forger"), (from, max) =>
        t
          .node(0)
          .serveBlocks(from, max)
          .map((raw) => {
            const { blockBytes, commit } = decodeBlockWithCommit(raw);
            const sig = commit.signature.slice();
            sig[10] = (sig[10] as number) ^ 1;
            return encodeBlockWithCommit(blockBytes, { ...commit, signature: sig });
          }),
      );
      fakePeer(t.network.join("alien"), (from, max) => alien.node(0).serveBlocks(from, max));
      fakePeer(t.network.join("impostor"), (from, max) => impostor.node(0).serveBlocks(from, max));
      for (const i of [0, 1, 2]) await t.start(i);
      const [a, b] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
      for (let i = 0; i < 5; i++) await t.node(i % 3).submitTx(t.transfer(a, b.address, 1n));
      await t.waitForHeight(50, { nodes: [0, 1, 2], timeoutMs: 40_000 });

      const late = await t.start(3);
      await t.waitForHeight(50, { nodes: [3], timeoutMs: 20_000 });
      expect(late.stats.blocksSynced).toBeGreaterThanOrEqual(45);
      const refused = logs
        .filter((l) => l.message === "sync refused a peer's block")
        .map((l) => l.context?.code);
      expect(refused).toEqual(
        expect.arrayContaining(["SYNC_COMMIT_INVALID", "SYNC_WRONG_CHAIN", "SYNC_HEADER_MISMATCH"]),
      );
      expect(late.stats.syncRejected).toBeGreaterThanOrEqual(3);
      await waitUntil(() => late.mode === "consensus", "the late node to join consensus");

      // Without node 0, quorum (3 of 4) needs the late node's votes.
      await t.crash(0);
      const h = t.node(1).height;
      await t.waitForHeight(h + 3, { nodes: [1, 2, 3], timeoutMs: 20_000 });
      t.assertAgreement();
      expect(t.node(3).height).toBeGreaterThanOrEqual(h + 3);
    } finally {
      await t.close();
      await alien.close();
      await impostor.close();
    }
  }, 90_000);

  it("a node partitioned away detects the lag after healing and syncs", async () => {
    const t = await Testnet.create({ node: fast, accounts: 2 });
    try {
      await t.startAll();
      await t.waitForHeight(3);
      t.network.isolate("node3");
      const h = t.node(0).height;
      await t.waitForHeight(h + 15, { nodes: [0, 1, 2], timeoutMs: 30_000 });
      const stuck = t.node(3).height;
      expect(stuck).toBeLessThan(h + 3);
      t.network.heal();
      await t.waitForHeight(h + 18, { timeoutMs: 30_000 });
      expect(t.node(3).stats.blocksSynced).toBeGreaterThan(0);
      expect(t.node(3).stats.syncRounds).toBeGreaterThanOrEqual(2);
      t.assertAgreement();
    } finally {
      await t.close();
    }
  }, 60_000);

  it("a peer lying about its height pulls a node out of consensus once, not again and again", async () => {
    const t = await Testnet.create({ node: { ...fast, sync: { peerBackoffMs: 60_000 } }, accounts: 1 });
    const liar = t.network.join("liar");
    liar.attach({ onMessage: () => {}, onGetBlocks: () => [] });
    const claim = encodeConsensusMessage({ kind: "status", height: 1_000_000, round: 0 });
    const timer = setInterval(() => liar.publish("votes", claim), 20);
    try {
      await t.startAll();
      await t.waitForHeight(3);
      const h = t.node(0).height;
      await t.waitForHeight(h + 10, { timeoutMs: 30_000 });
      for (const n of t.running) expect(n.stats.syncRounds).toBeLessThanOrEqual(3);
      t.assertAgreement();
    } finally {
      clearInterval(timer);
      await t.close();
    }
  }, 60_000);

  it("a node restarted after many heights syncs before it rejoins consensus", async () => {
    const t = await Testnet.create({ node: fast, store: "lmdb", accounts: 2 });
    try {
      await t.startAll();
      await t.waitForHeight(3);
      await t.stop(2);
      const h = t.node(0).height;
      await t.waitForHeight(h + 20, { nodes: [0, 1, 3], timeoutMs: 30_000 });
      const n = await t.start(2);
      expect(n.height).toBeLessThan(h + 3);
      await t.waitForHeight(h + 20, { nodes: [2] });
      expect(n.stats.blocksSynced).toBeGreaterThanOrEqual(15);
      await t.waitForHeight(t.node(0).height + 2);
      t.assertAgreement();
    } finally {
      await t.close();
    }
  }, 60_000);
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
