/**
 * Encodings of the node's own records (chain-core's strict {@link ByteWriter} codec) and of its wire
 * messages: the head and genesis records, tx locations, blocks-with-commit for sync, the getBlocks
 * request and response, and tx gossip batches. Blocks, headers and commits inside them use the ledger's
 * canonical encodings. Decoders throw CODEC_MALFORMED (or the ledger's DECODE_* codes) on anything
 * non-canonical.
 */
import {
  type Block,
  type Commit,
  decodeBlock,
  decodeCommit,
  encodeCommit,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_TXS,
  MAX_TX_BYTES,
} from "@tandem/ledger";
import { ValidatorSet } from "../consensus/validator-set.js";
import { type ByteReader, ByteWriter, decodeAll } from "../encoding.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";

const HASH = 32;
const MAX_SET_BYTES = 4 * 1024 * 1024;
const MAX_COMMIT_BYTES = 4096;
const MAX_CHAIN_ID = 64;

/** What the node keeps about its last stored block. */
export interface HeadRecord {
  /** Last stored height (0 = only genesis). */
  readonly height: number;
  /** Hash of that block's header (32 zero bytes at height 0). */
  readonly hash: Uint8Array;
  /** That block's time (the genesis time at height 0). */
  readonly time: number;
  /** The set that signed that block (undefined at height 0). */
  readonly validators: ValidatorSet | undefined;
  /** The set of height + 1, with proposer priorities: what consensus runs that height with. */
  readonly nextValidators: ValidatorSet;
}

export function encodeHead(h: HeadRecord): Uint8Array {
  const w = new ByteWriter(512);
  w.u64(h.height).raw(h.hash).u64(h.time);
  w.bool(h.validators !== undefined);
  if (h.validators !== undefined) w.bytes(h.validators.encode());
  w.bytes(h.nextValidators.encode());
  return w.finish();
}

export function decodeHead(bytes: Uint8Array): HeadRecord {
  return decodeAll(bytes, "head record", (r) => {
    const height = r.u64("height");
    const hash = r.raw(HASH, "hash");
    const time = r.u64("time");
    const validators = r.bool("validators present")
      ? ValidatorSet.decode(r.bytes(MAX_SET_BYTES, "validators"))
      : undefined;
    const nextValidators = ValidatorSet.decode(r.bytes(MAX_SET_BYTES, "nextValidators"));
    return { height, hash, time, validators, nextValidators };
  });
}

/** What the node checks its genesis options against on every start. */
export interface GenesisRecord {
  readonly chainId: string;
  readonly time: number;
  readonly stateRoot: Uint8Array;
  readonly validatorsHash: Uint8Array;
}

export function encodeGenesisRecord(g: GenesisRecord): Uint8Array {
  return new ByteWriter(128).string(g.chainId).u64(g.time).raw(g.stateRoot).raw(g.validatorsHash).finish();
}

export function decodeGenesisRecord(bytes: Uint8Array): GenesisRecord {
  return decodeAll(bytes, "genesis record", (r) => ({
    chainId: r.string(MAX_CHAIN_ID, "chainId"),
    time: r.u64("time"),
    stateRoot: r.raw(HASH, "stateRoot"),
    validatorsHash: r.raw(HASH, "validatorsHash"),
  }));
}

/** Where a tx sits: block height and index in the block. */
export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

export function encodeTxLocation(l: TxLocation): Uint8Array {
  return new ByteWriter(12).u64(l.height).u32(l.index).finish();
}

export function decodeTxLocation(bytes: Uint8Array): TxLocation {
  return decodeAll(bytes, "tx location", (r) => ({ height: r.u64("height"), index: r.u32("index") }));
}

export function encodeU64(n: number): Uint8Array {
  return new ByteWriter(8).u64(n).finish();
}

export function decodeU64(bytes: Uint8Array): number {
  return decodeAll(bytes, "u64", (r) => r.u64());
}

// ------------------------------------------------------------------------------------------ sync wire

/** A block with the commit that decided it: the unit of block sync. */
export interface BlockWithCommit {
  readonly block: Block;
  /** The block's canonical bytes (what its consumers hash and store). */
  readonly blockBytes: Uint8Array;
  readonly commit: Commit;
}

/** bytes block ‖ bytes commit (ledger encodings inside). */
export function encodeBlockWithCommit(blockBytes: Uint8Array, commit: Commit): Uint8Array {
  return new ByteWriter(blockBytes.length + 256).bytes(blockBytes).bytes(encodeCommit(commit)).finish();
}

export function decodeBlockWithCommit(bytes: Uint8Array): BlockWithCommit {
  return decodeAll(bytes, "block with commit", (r) => {
    const blockBytes = r.bytes(MAX_BLOCK_BYTES, "block");
    const commitBytes = r.bytes(MAX_COMMIT_BYTES, "commit");
    return { block: decodeBlock(blockBytes), blockBytes, commit: decodeCommit(commitBytes) };
  });
}

/** A getBlocks request: u64 fromHeight ‖ u32 max. */
export function encodeGetBlocksRequest(fromHeight: number, max: number): Uint8Array {
  return new ByteWriter(12).u64(fromHeight).u32(max).finish();
}

export function decodeGetBlocksRequest(bytes: Uint8Array): { fromHeight: number; max: number } {
  return decodeAll(bytes, "getBlocks request", (r) => ({
    fromHeight: r.u64("fromHeight"),
    max: r.u32("max"),
  }));
}

function readList(r: ByteReader, maxCount: number, maxItem: number, what: string): Uint8Array[] {
  const n = r.u32(`${what} count`);
  if (n > maxCount) throw malformed(`${what}: ${n} items exceed ${maxCount}`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytes(maxItem, what));
  return out;
}

function writeList(items: readonly Uint8Array[], sizeHint: number): Uint8Array {
  const w = new ByteWriter(sizeHint + 4 + 4 * items.length);
  w.u32(items.length);
  for (const it of items) w.bytes(it);
  return w.finish();
}

/** Most blocks in one getBlocks response. */
export const MAX_SYNC_BATCH = 1000;

/** A getBlocks response: u32 count ‖ count × bytes (each an encoded {@link BlockWithCommit}). */
export function encodeGetBlocksResponse(items: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const it of items) n += it.length;
  return writeList(items, n);
}

export function decodeGetBlocksResponse(bytes: Uint8Array): Uint8Array[] {
  return decodeAll(bytes, "getBlocks response", (r) =>
    readList(r, MAX_SYNC_BATCH, MAX_BLOCK_BYTES + MAX_COMMIT_BYTES + 8, "block"),
  );
}

/** Most txs in one gossip batch. */
export const MAX_TX_BATCH = MAX_BLOCK_TXS;

/** A tx gossip message: u32 count ‖ count × bytes tx. */
export function encodeTxBatch(txs: readonly Uint8Array[], byteLength?: number): Uint8Array {
  let n = byteLength ?? 0;
  if (byteLength === undefined) for (const t of txs) n += t.length;
  return writeList(txs, n);
}

export function decodeTxBatch(bytes: Uint8Array): Uint8Array[] {
  return decodeAll(bytes, "tx batch", (r) => readList(r, MAX_TX_BATCH, MAX_TX_BYTES, "tx"));
}

function malformed(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.CODEC_MALFORMED, message);
}
