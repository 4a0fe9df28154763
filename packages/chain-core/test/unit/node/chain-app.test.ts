/**
 * Block validity as a validator judges a proposal (ChainApp.isValid) and as sync judges a block
 * (applySynced): one rule per case, on a single-validator chain built through the commit path and a
 * follower that synced it.
 */
import { bytesToHex } from "@tandem/crypto";
import {
  type Block,
  commitHash,
  decodeBlock,
  encodeBlock,
  headerHash,
  txHash,
  txRootFromHashes,
} from "@tandem/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Value } from "../../../src/consensus/types.js";
import { ChainNode, decodeBlockWithCommit, encodeBlockWithCommit } from "../../../src/node/index.js";
import { MemoryKvStore } from "../../../src/store/index.js";
import { buildHistory, Testnet, testnetNodeOptions } from "../../../src/testing/index.js";

let net: Testnet;
let validator: ChainNode;
let follower: ChainNode;
const options = () => ({ ...testnetNodeOptions, block: { emptyBlockWaitMs: 0 }, genesis: net.genesis });

beforeAll(async () => {
  net = await Testnet.create({ validators: 1, accounts: 3 });
  const m = net.member(0);
  validator = await ChainNode.open(options(), {
    store: MemoryKvStore.open(),
    network: net.network.join("v"),
    verifier: net.verifier,
    ...(m.signer === undefined ? {} : { signer: m.signer }),
  });
  const [a, b] = net.accounts as [(typeof net.accounts)[0], (typeof net.accounts)[0]];
  await buildHistory(validator, m.signer as never, net.verifier, {
    blocks: 3,
    txFor: (i) => (i === 1 ? net.transfer(a, b.address, 5n) : undefined),
  });
  follower = await ChainNode.open(options(), {
    store: MemoryKvStore.open(),
    network: net.network.join("f"),
    verifier: net.verifier,
  });
  for (const raw of validator.serveBlocks(1, 2))
    await follower.consensusApp.applySynced(decodeBlockWithCommit(raw));
});

afterAll(async () => {
  await validator.close();
  await follower.close();
  await net.close();
});

/** The validator's block 3 as a proposal to the follower (which is at height 2). */
function proposal3(): Block {
  return decodeBlock(validator.blockStore.blockBytes(3) as Uint8Array);
}

function asValue(b: Block): Value {
  return { hash: headerHash(b.header), bytes: encodeBlock(b) };
}

describe("ChainApp: proposals", () => {
  it("accepts the chain's own next block", async () => {
    expect(follower.height).toBe(2);
    expect(await follower.consensusApp.isValid(3, asValue(proposal3()))).toBe(true);
  });

  it.each([
    [
      "a state root other than its execution's",
      (b: Block) => ({ ...b, header: { ...b.header, stateRoot: new Uint8Array(32).fill(1) } }),
    ],
    [
      "a results root other than its execution's",
      (b: Block) => ({ ...b, header: { ...b.header, resultsRoot: new Uint8Array(32).fill(1) } }),
    ],
    [
      "a previous hash that is not the head",
      (b: Block) => ({ ...b, header: { ...b.header, previousHash: new Uint8Array(32).fill(1) } }),
    ],
    ["a time not after the head's", (b: Block) => ({ ...b, header: { ...b.header, time: 1 } })],
    [
      "a time far ahead of the local clock",
      (b: Block) => ({ ...b, header: { ...b.header, time: Date.now() + 3_600_000 } }),
    ],
    [
      "a proposer outside the set",
      (b: Block) => ({ ...b, header: { ...b.header, proposer: new Uint8Array(20).fill(3) } }),
    ],
    [
      "a validators hash of another set",
      (b: Block) => ({ ...b, header: { ...b.header, validatorsHash: new Uint8Array(32).fill(3) } }),
    ],
    [
      "a tx root that does not match its txs",
      (b: Block) => ({ ...b, header: { ...b.header, txRoot: txRootFromHashes([new Uint8Array(32)]) } }),
    ],
    [
      "a last commit with a forged signature",
      (b: Block) => {
        const c = b.lastCommit;
        if (c === null) throw new Error("no last commit");
        const forged = { ...c, signature: new Uint8Array(96).fill(7) };
        return { ...b, lastCommit: forged, header: { ...b.header, lastCommitHash: commitHash(forged) } };
      },
    ],
  ])("refuses %s", async (_what, mutate) => {
    const before = follower.stats.proposalsRejected;
    expect(await follower.consensusApp.isValid(3, asValue(mutate(proposal3())))).toBe(false);
    expect(follower.stats.proposalsRejected).toBe(before + 1);
  });

  it("refuses a value whose hash is not its header's, and a value of another height", async () => {
    const v = asValue(proposal3());
    expect(await follower.consensusApp.isValid(3, { ...v, hash: new Uint8Array(32).fill(5) })).toBe(false);
    expect(await follower.consensusApp.isValid(4, v)).toBe(false);
  });

  it("refuses a block holding a badly signed tx even when its roots match that execution", async () => {
    const [a, b] = net.accounts as [(typeof net.accounts)[0], (typeof net.accounts)[0]];
    const bad = net.transfer(a, b.address, 1n, { nonce: 1 }).slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    const base = proposal3();
    const txs = [bad];
    // Roots of the execution as it would go if the signature were not checked.
    const everything = { has: () => true };
    const exec = follower.stateMachine.executeBlock(
      { height: 3, time: base.header.time, proposer: base.header.proposer, txs },
      { preVerified: everything },
    );
    expect(exec.results[0]?.code).toBe("OK");
    const crafted: Block = {
      ...base,
      txs,
      header: {
        ...base.header,
        txRoot: txRootFromHashes([txHash(bad)]),
        stateRoot: exec.stateRoot,
        resultsRoot: exec.resultsRoot,
      },
    };
    expect(await follower.consensusApp.isValid(3, asValue(crafted))).toBe(false);
    expect(bytesToHex(follower.headHash)).toBe(bytesToHex(follower.getCommit(2)?.blockHash as Uint8Array));
  });
});

describe("ChainApp: sync", () => {
  it("refuses a block whose commit does not verify, then accepts the real one", async () => {
    const raw = validator.serveBlocks(3, 1)[0] as Uint8Array;
    const item = decodeBlockWithCommit(raw);
    const forged = decodeBlockWithCommit(
      encodeBlockWithCommit(item.blockBytes, { ...item.commit, signature: new Uint8Array(96).fill(2) }),
    );
    await expect(follower.consensusApp.applySynced(forged)).rejects.toMatchObject({
      code: "SYNC_COMMIT_INVALID",
    });
    const other = decodeBlockWithCommit(
      encodeBlockWithCommit(item.blockBytes, { ...item.commit, height: 2 }),
    );
    await expect(follower.consensusApp.applySynced(other)).rejects.toMatchObject({
      code: "SYNC_COMMIT_INVALID",
    });
    const old = decodeBlockWithCommit(validator.serveBlocks(2, 1)[0] as Uint8Array);
    await expect(follower.consensusApp.applySynced(old)).rejects.toMatchObject({
      code: "SYNC_HEADER_MISMATCH",
    });
    await follower.consensusApp.applySynced(item);
    expect(follower.height).toBe(3);
    expect(follower.headHash).toEqual(validator.headHash);
    expect(follower.stateRoot).toEqual(validator.stateRoot);
  });
});
