import { utf8ToBytes } from "@tandem/crypto";
import { type Block, type Commit, encodeBlock, headerHash, txHash } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { ValidatorSet } from "../../../src/consensus/validator-set.js";
import {
  BlockStore,
  blockKey,
  decodeBlockWithCommit,
  decodeGetBlocksRequest,
  decodeGetBlocksResponse,
  decodeHead,
  decodeTxBatch,
  encodeBlockWithCommit,
  encodeGetBlocksRequest,
  encodeGetBlocksResponse,
  encodeHead,
  encodeTxBatch,
  HEAD_KEY,
  type HeadRecord,
} from "../../../src/node/index.js";
import { MemoryKvStore } from "../../../src/store/index.js";

const zero = new Uint8Array(32);
const set = ValidatorSet.create([
  { address: new Uint8Array(20).fill(1), publicKey: new Uint8Array(48).fill(7), power: 10n },
  { address: new Uint8Array(20).fill(2), publicKey: new Uint8Array(48).fill(8), power: 5n },
]);

function block(height: number, txs: Uint8Array[]): Block {
  return {
    header: {
      chainId: "tandem:unit",
      height,
      time: 1000 + height,
      previousHash: height === 1 ? zero : new Uint8Array(32).fill(height - 1),
      lastCommitHash: zero,
      txRoot: new Uint8Array(32).fill(3),
      resultsRoot: new Uint8Array(32).fill(4),
      stateRoot: new Uint8Array(32).fill(5),
      validatorsHash: new Uint8Array(32).fill(6),
      nextValidatorsHash: new Uint8Array(32).fill(6),
      proposer: new Uint8Array(20).fill(1),
    },
    txs,
    lastCommit: null,
  };
}

function commitFor(b: Block): Commit {
  return {
    height: b.header.height,
    round: 0,
    blockHash: headerHash(b.header),
    signers: Uint8Array.of(3),
    signature: new Uint8Array(96).fill(9),
  };
}

describe("BlockStore", () => {
  it("stores a block, its header, commit, hash index, tx index and head in one batch, and reads them back", async () => {
    const store = MemoryKvStore.open();
    const bs = new BlockStore(store);
    expect(bs.head()).toBeUndefined();
    expect(bs.height).toBe(-1);
    const txs = [utf8ToBytes("tx-a"), utf8ToBytes("tx-b")];
    const b = block(1, txs);
    const bytes = encodeBlock(b);
    const hash = headerHash(b.header);
    const head: HeadRecord = {
      height: 1,
      hash,
      time: b.header.time,
      validators: set,
      nextValidators: set.next(set.membership()),
    };
    await store.write(
      bs.blockBatch({
        block: b,
        blockBytes: bytes,
        blockHash: hash,
        commit: commitFor(b),
        txHashes: txs.map((t) => txHash(t)),
        head,
      }),
    );
    expect(bs.height).toBe(1);
    expect(bs.blockBytes(1)).toEqual(bytes);
    expect(bs.block(1)).toEqual(b);
    expect(bs.header(1)).toEqual(b.header);
    expect(bs.commit(1)).toEqual(commitFor(b));
    expect(bs.heightOf(hash)).toBe(1);
    expect(bs.txLocation(txHash(txs[1] as Uint8Array))).toEqual({ height: 1, index: 1 });
    expect(bs.txLocation(new Uint8Array(32))).toBeUndefined();
    const back = bs.head();
    expect(back?.hash).toEqual(hash);
    expect(back?.validators?.hash()).toEqual(set.hash());
    expect(back?.nextValidators.encode()).toEqual(head.nextValidators.encode());
    expect(bs.block(2)).toBeUndefined();
  });

  it("reports a record that does not decode as BLOCK_STORE_CORRUPT", async () => {
    const store = MemoryKvStore.open();
    await store.write({
      put: [
        [blockKey(1), Uint8Array.of(1, 2, 3)],
        [HEAD_KEY, Uint8Array.of(0)],
      ],
    });
    const bs = new BlockStore(store);
    expect(() => bs.block(1)).toThrow(expect.objectContaining({ code: "BLOCK_STORE_CORRUPT" }));
    expect(() => bs.head()).toThrow(expect.objectContaining({ code: "BLOCK_STORE_CORRUPT" }));
  });
});

describe("node codecs", () => {
  it("round-trips the head record and refuses trailing or missing bytes", () => {
    const h: HeadRecord = { height: 0, hash: zero, time: 5, validators: undefined, nextValidators: set };
    const bytes = encodeHead(h);
    const back = decodeHead(bytes);
    expect(back.height).toBe(0);
    expect(back.validators).toBeUndefined();
    expect(back.nextValidators.encode()).toEqual(set.encode());
    expect(() => decodeHead(Uint8Array.of(...bytes, 0))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    expect(() => decodeHead(bytes.subarray(0, bytes.length - 1))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
  });

  it("round-trips blocks with commits, getBlocks requests and responses, and tx batches", () => {
    const b = block(3, [utf8ToBytes("x")]);
    const bytes = encodeBlock(b);
    const item = encodeBlockWithCommit(bytes, commitFor(b));
    const d = decodeBlockWithCommit(item);
    expect(d.block).toEqual(b);
    expect(d.blockBytes).toEqual(bytes);
    expect(d.commit).toEqual(commitFor(b));
    expect(decodeGetBlocksRequest(encodeGetBlocksRequest(7, 100))).toEqual({ fromHeight: 7, max: 100 });
    expect(decodeGetBlocksResponse(encodeGetBlocksResponse([item, item]))).toEqual([item, item]);
    const txs = [utf8ToBytes("a"), utf8ToBytes("bb")];
    expect(decodeTxBatch(encodeTxBatch(txs))).toEqual(txs);
    expect(() => decodeTxBatch(Uint8Array.of(0, 0, 0, 9))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    expect(() => decodeBlockWithCommit(Uint8Array.of(0, 0, 0, 1, 0))).toThrow();
    expect(() => decodeGetBlocksRequest(Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
  });
});
