/**
 * The block store: blocks, headers, commits, the block-hash index and the tx index, over the node's
 * {@link KvStore}, through small typed repositories (lodestar style: one key codec and one value codec
 * per record kind). It never writes on its own: {@link BlockStore.blockBatch} returns the entries that
 * store one decided block, and the node writes them merged with the state machine's batch in ONE atomic,
 * durable store write, so a block, its commit, its state changes, its results, its tx index and the
 * head pointer appear together or not at all. Reads are synchronous and touch one key each: startup
 * reads the head record and nothing else (no history scan).
 */
import {
  type Block,
  type BlockHeader,
  type Commit,
  decodeBlock,
  decodeCommit,
  decodeHeader,
  encodeCommit,
  encodeHeader,
} from "@tandem/ledger";
import type { KvStore, WriteBatch } from "../store/interface.js";
import {
  decodeGenesisRecord,
  decodeHead,
  decodeTxLocation,
  decodeU64,
  encodeGenesisRecord,
  encodeHead,
  encodeTxLocation,
  encodeU64,
  type GenesisRecord,
  type HeadRecord,
  type TxLocation,
} from "./codec.js";
import { NodeErrorCode, nodeError } from "./errors.js";
import { blockKey, commitKey, GENESIS_KEY, HEAD_KEY, hashIndexKey, headerKey, txIndexKey } from "./keys.js";

/** A value codec. */
export interface RecordCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** Records of one kind, by a typed id. Undecodable stored bytes are BLOCK_STORE_CORRUPT. */
export class Repository<K, T> {
  constructor(
    private readonly store: KvStore,
    private readonly keyOf: (id: K) => Uint8Array,
    private readonly codec: RecordCodec<T>,
    readonly what: string,
  ) {}

  getBytes(id: K): Uint8Array | undefined {
    return this.store.get(this.keyOf(id));
  }

  get(id: K): T | undefined {
    const bytes = this.getBytes(id);
    if (bytes === undefined) return undefined;
    try {
      return this.codec.decode(bytes);
    } catch (cause) {
      throw nodeError(
        NodeErrorCode.BLOCK_STORE_CORRUPT,
        `stored ${this.what} does not decode`,
        {},
        { cause },
      );
    }
  }

  has(id: K): boolean {
    return this.getBytes(id) !== undefined;
  }

  /** The store entry that puts `value` under `id` (for a write batch). */
  entry(id: K, value: T): readonly [Uint8Array, Uint8Array] {
    return [this.keyOf(id), this.codec.encode(value)];
  }

  /** The store entry of already-encoded bytes. */
  entryBytes(id: K, bytes: Uint8Array): readonly [Uint8Array, Uint8Array] {
    return [this.keyOf(id), bytes];
  }
}

const blockCodec: RecordCodec<Block> = {
  encode: () => {
    throw new TypeError("blocks are stored as their canonical bytes (entryBytes)");
  },
  decode: decodeBlock,
};
const headerCodec: RecordCodec<BlockHeader> = { encode: encodeHeader, decode: decodeHeader };
const commitCodec: RecordCodec<Commit> = { encode: encodeCommit, decode: (b) => decodeCommit(b) };
const heightCodec: RecordCodec<number> = { encode: encodeU64, decode: decodeU64 };
const txLocationCodec: RecordCodec<TxLocation> = { encode: encodeTxLocation, decode: decodeTxLocation };
const headCodec: RecordCodec<HeadRecord> = { encode: encodeHead, decode: decodeHead };
const genesisCodec: RecordCodec<GenesisRecord> = { encode: encodeGenesisRecord, decode: decodeGenesisRecord };

/** What {@link BlockStore.blockBatch} stores for one decided block. */
export interface StoredBlockInput {
  readonly block: Block;
  readonly blockBytes: Uint8Array;
  readonly blockHash: Uint8Array;
  readonly commit: Commit;
  /** The block's tx hashes (ledger txHash), in block order. */
  readonly txHashes: readonly Uint8Array[];
  /** The head after this block. */
  readonly head: HeadRecord;
}

export class BlockStore {
  readonly blocks: Repository<number, Block>;
  readonly headers: Repository<number, BlockHeader>;
  readonly commits: Repository<number, Commit>;
  readonly hashIndex: Repository<Uint8Array, number>;
  readonly txIndex: Repository<Uint8Array, TxLocation>;
  private readonly headRepo: Repository<null, HeadRecord>;
  private readonly genesisRepo: Repository<null, GenesisRecord>;

  constructor(readonly store: KvStore) {
    this.blocks = new Repository(store, blockKey, blockCodec, "block");
    this.headers = new Repository(store, headerKey, headerCodec, "header");
    this.commits = new Repository(store, commitKey, commitCodec, "commit");
    this.hashIndex = new Repository(store, hashIndexKey, heightCodec, "block hash index");
    this.txIndex = new Repository(store, txIndexKey, txLocationCodec, "tx index");
    this.headRepo = new Repository(store, () => HEAD_KEY, headCodec, "head record");
    this.genesisRepo = new Repository(store, () => GENESIS_KEY, genesisCodec, "genesis record");
  }

  /** The head record, or undefined before genesis was stored. */
  head(): HeadRecord | undefined {
    return this.headRepo.get(null);
  }

  genesis(): GenesisRecord | undefined {
    return this.genesisRepo.get(null);
  }

  /** The last stored height (0 with genesis only, −1 before genesis). */
  get height(): number {
    return this.head()?.height ?? -1;
  }

  block(height: number): Block | undefined {
    return this.blocks.get(height);
  }

  /** The block's canonical bytes (what was decided; serve these as they are). */
  blockBytes(height: number): Uint8Array | undefined {
    return this.blocks.getBytes(height);
  }

  header(height: number): BlockHeader | undefined {
    return this.headers.get(height);
  }

  commit(height: number): Commit | undefined {
    return this.commits.get(height);
  }

  /** Height of the block with this header hash. */
  heightOf(blockHash: Uint8Array): number | undefined {
    return this.hashIndex.get(blockHash);
  }

  /** Where the tx with this hash was committed. */
  txLocation(txHash: Uint8Array): TxLocation | undefined {
    return this.txIndex.get(txHash);
  }

  /** The entries that store genesis (head at height 0 and the genesis record). */
  genesisBatch(record: GenesisRecord, head: HeadRecord): WriteBatch {
    return { put: [this.genesisRepo.entry(null, record), this.headRepo.entry(null, head)] };
  }

  /** The entries that store one decided block with its commit, indices and the new head. */
  blockBatch(input: StoredBlockInput): WriteBatch {
    const h = input.block.header.height;
    const put: Array<readonly [Uint8Array, Uint8Array]> = [
      this.blocks.entryBytes(h, input.blockBytes),
      this.headers.entry(h, input.block.header),
      this.commits.entry(h, input.commit),
      this.hashIndex.entry(input.blockHash, h),
      this.headRepo.entry(null, input.head),
    ];
    input.txHashes.forEach((hash, index) => {
      put.push(this.txIndex.entry(hash, { height: h, index }));
    });
    return { put };
  }
}
