/**
 * Real chain nodes (consensus engine + state machine + mempool + block store + sync + tx gossip) in one
 * process over the in-memory network: transfers submitted to any node are committed, proven and agreed
 * on by every node, with real BLS votes on both store backends; events; a clean restart continues the
 * chain.
 */
import { equalBytes } from "@tandem/crypto";
import { encodeTxResult, verifyMerkleProof } from "@tandem/ledger";
import { afterEach, describe, expect, it } from "vitest";
import type { CommittedBlockEvent, TxResultEvent } from "../../../src/node/index.js";
import { verifyStateProof } from "../../../src/state/index.js";
import { Testnet, type TestnetOptions } from "../../../src/testing/index.js";

let net: Testnet | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

async function transfersCommittedAndProven(opts: TestnetOptions): Promise<void> {
  net = await Testnet.create({ ...opts, accounts: 6 });
  const t = net;
  await t.startAll();
  await t.waitForHeight(1);
  const [a, b, c] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0], (typeof t.accounts)[0]];
  const hashes: Uint8Array[] = [];
  // To every node in turn, including several txs of one sender in a row.
  for (let i = 0; i < 8; i++) {
    const from = i % 2 === 0 ? a : c;
    const r = await t.node(i % 4).submitTx(t.transfer(from, b.address, BigInt(100 + i)));
    hashes.push(r.hash);
  }
  await waitUntil(
    () => t.running.every((n) => hashes.every((h) => n.getTx(h) !== undefined)),
    "txs committed",
  );
  for (const n of t.running) {
    for (const h of hashes) {
      const found = n.getTx(h);
      expect(found?.result.code).toBe("OK");
      if (found === undefined) continue;
      expect(verifyMerkleProof(found.header.txRoot, found.tx, found.proof)).toBe(true);
      const leaf = encodeTxResult({ code: found.result.code, data: found.result.data });
      expect(verifyMerkleProof(found.header.resultsRoot, leaf, found.resultProof)).toBe(true);
      expect(found.blockHash).toEqual(n.getCommit(found.height)?.blockHash);
    }
  }
  const top = Math.min(...t.running.map((n) => n.height));
  for (const n of t.running) {
    const bal = n.getBalance(b.address, t.denom, top);
    expect(bal.amount).toBe(10n ** 15n + 100n + 101n + 102n + 103n + 104n + 105n + 106n + 107n);
    expect(verifyStateProof(bal.proof.root, bal.proof.key, bal.proof.value, bal.proof.proof, n.hash)).toBe(
      true,
    );
  }
  const acct = t.node(3).getAccount(a.address, top);
  expect(acct.nonce).toBe(4);
  expect(acct.stateRoot).toEqual(t.node(0).stateMachine.heightRecord(top)?.stateRoot);
  expect(t.assertAgreement()).toBeGreaterThanOrEqual(1);
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("ChainNode: four validators", () => {
  it("commit transfers submitted to any node; every node proves them with BLS votes (MemoryKvStore)", async () => {
    await transfersCommittedAndProven({ scheme: "bls", store: "memory" });
  }, 60_000);

  it("commit transfers submitted to any node; every node proves them with BLS votes (LMDB)", async () => {
    await transfersCommittedAndProven({ scheme: "bls", store: "lmdb" });
  }, 60_000);

  it("emits block and tx events after the block is durable, and rebuilds them from the store", async () => {
    net = await Testnet.create({ accounts: 2 });
    const t = net;
    await t.startAll();
    const blocks: CommittedBlockEvent[] = [];
    const txs: TxResultEvent[] = [];
    const n = t.node(2);
    n.events.on("block", (e) => {
      // Durable before the event: the store already answers for this height.
      expect(n.getCommit(e.height)?.blockHash).toEqual(e.hash);
      blocks.push(e);
    });
    n.events.on("tx", (e) => txs.push(e));
    const [a, b] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
    const r = await t.node(0).submitTx(t.transfer(a, b.address, 7n, { memo: "hello" }));
    await waitUntil(() => txs.some((e) => equalBytes(e.hash, r.hash)), "tx event");
    const ev = txs.find((e) => equalBytes(e.hash, r.hash));
    expect(ev?.result.code).toBe("OK");
    const blockEv = blocks.find((e) => e.height === ev?.height);
    expect(blockEv?.txHashes.some((h) => equalBytes(h, r.hash))).toBe(true);
    expect(n.blockEvent(blockEv?.height ?? 0)).toEqual(blockEv);
    // A throwing listener does not stop the node.
    n.events.on("block", () => {
      throw new Error("listener bug");
    });
    const h = n.height;
    await t.waitForHeight(h + 2);
  });

  it("continues the same chain after a clean stop and restart of every node", async () => {
    net = await Testnet.create({ store: "lmdb", accounts: 2 });
    const t = net;
    await t.startAll();
    await t.waitForHeight(3);
    const [a, b] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
    await t.node(1).submitTx(t.transfer(a, b.address, 1n));
    await t.waitForHeight(t.node(0).height + 2);
    const heads = [];
    for (const m of t.members) {
      await t.stop(m.index);
    }
    for (const m of t.members) {
      const node = await t.start(m.index);
      heads.push({ height: node.height, hash: node.headHash, root: node.stateRoot });
      expect(node.getCommit(node.height)?.blockHash).toEqual(node.headHash);
    }
    const top = Math.max(...heads.map((x) => x.height));
    await t.waitForHeight(top + 2);
    t.assertAgreement();
  });

  it("refuses to open a store of another chain", async () => {
    net = await Testnet.create({ store: "memory", accounts: 1 });
    const t = net;
    await t.start(0);
    await t.stop(0);
    const other = await Testnet.create({ chainId: "tandem:other", accounts: 1 });
    const { ChainNode } = await import("../../../src/node/index.js");
    const { MemoryKvStore } = await import("../../../src/store/index.js");
    await expect(
      ChainNode.init(
        { genesis: other.genesis },
        {
          store: MemoryKvStore.open(t.member(0).disk),
          network: other.network.join("x"),
          verifier: other.verifier,
        },
      ),
    ).rejects.toMatchObject({ code: "NODE_GENESIS_MISMATCH" });
  });
});
