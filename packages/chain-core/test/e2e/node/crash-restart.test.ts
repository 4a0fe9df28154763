/**
 * Kill one of four validators at each consensus and execution failpoint (reliability.md §B.4; a crash in
 * process: the node stops at the failpoint, its MemoryKvStore loses unflushed writes, or its LMDB
 * environment is closed with only committed transactions), restart it over the same store, and check:
 * the reopened head is a block the other nodes have at that height (same hash, same state root), the
 * node catches up and keeps agreeing, and nobody forked (I1) while the others kept committing (I3).
 */
import { equalBytes } from "@tandem/crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  ArmedFailpoints,
  FAILPOINT_NAMES,
  FailpointCrash,
  type FailpointName,
} from "../../../src/failpoints.js";
import { Testnet } from "../../../src/testing/index.js";

let net: Testnet | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function crashAndRestart(store: "memory" | "lmdb", name: FailpointName, nth: number): Promise<void> {
  net = await Testnet.create({ store, accounts: 4 });
  const t = net;
  const victim = 1;
  const fp = new ArmedFailpoints(name, nth, () => {
    throw new FailpointCrash(name);
  });
  for (const m of t.members) await t.start(m.index, m.index === victim ? { failpoints: fp } : {});
  // Transfers keep blocks non-empty (execution, tx index, mempool update on every node).
  const [a, b] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
  let sent = 0;
  const load = setInterval(() => {
    const n = t.running[sent % Math.max(1, t.running.length)];
    if (n !== undefined && sent < 40) {
      sent++;
      n.submitTx(t.transfer(sent % 2 === 0 ? a : b, (sent % 2 === 0 ? b : a).address, 1n)).catch(() => {});
    }
  }, 25);
  try {
    await waitUntil(() => fp.triggered, `failpoint ${name}:${nth}`);
    await waitUntil(() => t.member(victim).fatal !== undefined, "the victim to stop");
    expect(t.member(victim).fatal).toBeInstanceOf(FailpointCrash);
    const inMemory = t.node(victim).height;
    await t.crash(victim);
    // The others keep committing without it.
    const before = t.node(0).height;
    await t.waitForHeight(before + 2, { nodes: [0, 2, 3] });
    const node = await t.start(victim);
    // The reopened head is a block of the chain (what reached the disk, whole).
    const h = node.height;
    // Block, commit, state and head are one write: before it nothing of the block is on disk, after it
    // everything is (the in-memory head moves only after the write).
    expect(h).toBe(name === "exec.afterStateSave.beforeEvents" ? inMemory + 1 : inMemory);
    if (h > 0) {
      expect(equalBytes(node.headHash, t.node(0).getCommit(h)?.blockHash ?? new Uint8Array())).toBe(true);
      expect(node.stateRoot).toEqual(t.node(0).stateMachine.heightRecord(h)?.stateRoot);
    }
    await t.waitForHeight(t.node(0).height + 2);
    expect(t.assertAgreement()).toBeGreaterThan(h);
  } finally {
    clearInterval(load);
  }
}

describe("ChainNode: kill a validator at a failpoint and restart it (MemoryKvStore)", () => {
  for (const name of FAILPOINT_NAMES) {
    it(`restarts to the same chain after a crash at ${name}`, async () => {
      await crashAndRestart("memory", name, 2);
    }, 30_000);
  }
});

describe("ChainNode: kill a validator at a failpoint and restart it (LMDB)", () => {
  for (const name of FAILPOINT_NAMES) {
    it(`restarts to the same chain after a crash at ${name}`, async () => {
      await crashAndRestart("lmdb", name, 3);
    }, 30_000);
  }
});
