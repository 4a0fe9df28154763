/**
 * Key layout of the block store in the node's {@link KvStore}: everything under "b/" (consensus owns
 * "c/", the state machine "s/").
 *
 *   b/head                       → head record: last stored height, its block hash and time, the set
 *                                  that signed it and the set (with proposer priorities) of height + 1
 *   b/genesis                    → genesis record: chain id, genesis time, state root, validators hash
 *   b/blk/<u64 height>           → the block (ledger canonical encoding: header ‖ txs ‖ last commit)
 *   b/hdr/<u64 height>           → the block's header alone (ledger encoding; cheap header reads)
 *   b/cmt/<u64 height>           → the commit this node stored for that block (ledger encoding)
 *   b/hash/<block hash 32>       → u64 height
 *   b/tx/<tx hash 32>            → u64 height ‖ u32 index in the block
 *
 * Per-height tx results live in the state machine's `s/r/<height>` (written in the same batch).
 * Heights are big-endian, so the store's key order is height order.
 */
import { utf8ToBytes } from "@tandem/crypto";

export const BLOCK_STORE_PREFIX: Uint8Array = utf8ToBytes("b/");
export const HEAD_KEY: Uint8Array = utf8ToBytes("b/head");
export const GENESIS_KEY: Uint8Array = utf8ToBytes("b/genesis");
export const BLOCK_PREFIX: Uint8Array = utf8ToBytes("b/blk/");
export const HEADER_PREFIX: Uint8Array = utf8ToBytes("b/hdr/");
export const COMMIT_PREFIX: Uint8Array = utf8ToBytes("b/cmt/");
export const HASH_INDEX_PREFIX: Uint8Array = utf8ToBytes("b/hash/");
export const TX_INDEX_PREFIX: Uint8Array = utf8ToBytes("b/tx/");

function withU64(prefix: Uint8Array, n: number): Uint8Array {
  const k = new Uint8Array(prefix.length + 8);
  k.set(prefix);
  new DataView(k.buffer).setBigUint64(prefix.length, BigInt(n));
  return k;
}

function withBytes(prefix: Uint8Array, b: Uint8Array): Uint8Array {
  const k = new Uint8Array(prefix.length + b.length);
  k.set(prefix);
  k.set(b, prefix.length);
  return k;
}

export const blockKey = (height: number): Uint8Array => withU64(BLOCK_PREFIX, height);
export const headerKey = (height: number): Uint8Array => withU64(HEADER_PREFIX, height);
export const commitKey = (height: number): Uint8Array => withU64(COMMIT_PREFIX, height);
export const hashIndexKey = (blockHash: Uint8Array): Uint8Array => withBytes(HASH_INDEX_PREFIX, blockHash);
export const txIndexKey = (txHash: Uint8Array): Uint8Array => withBytes(TX_INDEX_PREFIX, txHash);
