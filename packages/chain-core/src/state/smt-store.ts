/**
 * The ledger's {@link SmtNodeStore} over the node's {@link KvStore}: nodes live under `s/n/<hash>` as their
 * 65-byte encoding (their own hash preimage), read synchronously, with a cache in front. Nodes are
 * content-addressed, so a cached node is never stale. `put` only caches: new nodes reach the store
 * through the block's write batch.
 *
 * The cache holds bytes, not node objects: a ring of records `hash 32 ‖ encoding 65` in fixed-size
 * chunks (allocated as the ring first fills), indexed by a map from the first 30 bits of the hash to a
 * record number (small integers on both sides: the map holds no object per node). A hit builds a fresh
 * node from the record (short-lived objects, freed young); a ring of 200,000 node objects, each with its
 * three arrays, had been the largest set of objects every block pushed into the old generation. A
 * slot collision or an overwritten record is only a miss. A hit on a record in the older half of the
 * ring copies it to the head, so the upper levels of the tree, read by every block, stay cached.
 */
import {
  decodeSmtNode,
  type HashFn,
  SMT_NODE_BYTES,
  type SmtNode,
  type SmtNodeStore,
  writeSmtNode,
} from "@tandem/ledger";
import type { KvStore } from "../store/interface.js";
import { smtNodeKey } from "./keys.js";

/** Bytes of a cache record, and of a record of {@link encodeNodeRecords}: hash ‖ encoding. */
export const SMT_NODE_RECORD_BYTES = 32 + SMT_NODE_BYTES;
/** Records per chunk of the ring. */
const CHUNK_RECORDS = 4096;

function slotAt(b: Uint8Array, o: number): number {
  return (
    ((b[o] as number) << 22) |
    ((b[o + 1] as number) << 14) |
    ((b[o + 2] as number) << 6) |
    ((b[o + 3] as number) >> 2)
  );
}

function hashAt(b: Uint8Array, o: number, hash: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (b[o + i] !== hash[i]) return false;
  return true;
}

/**
 * `hash ‖ encoding` of each node, back to back in one buffer (what a block keeps of its new nodes until
 * its write batch is built, and what {@link KvSmtNodeStore.putRecords} caches).
 */
export function encodeNodeRecords(nodes: readonly SmtNode[]): Uint8Array {
  const out = new Uint8Array(nodes.length * SMT_NODE_RECORD_BYTES);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as SmtNode;
    const o = i * SMT_NODE_RECORD_BYTES;
    out.set(n.hash, o);
    writeSmtNode(n, out, o + 32);
  }
  return out;
}

export class KvSmtNodeStore implements SmtNodeStore {
  private readonly chunks: Uint8Array[] = [];
  /** Slot of a hash → record number. */
  private readonly index = new Map<number, number>();
  /** Record number the next write goes to. */
  private head = 0;
  /** Records written so far, up to the capacity. */
  private used = 0;

  constructor(
    private readonly kv: KvStore,
    private readonly hash: HashFn,
    readonly capacity: number,
  ) {}

  get(hash: Uint8Array): SmtNode | undefined {
    if (hash.length !== 32) return undefined;
    const k = slotAt(hash, 0);
    const at = this.index.get(k);
    if (at !== undefined) {
      const chunk = this.chunks[(at / CHUNK_RECORDS) | 0] as Uint8Array;
      const o = (at % CHUNK_RECORDS) * SMT_NODE_RECORD_BYTES;
      if (hashAt(chunk, o, hash)) {
        // Copies (the ring reuses its bytes); the record's hash is trusted like the store key below.
        const node = decodeSmtNode(
          chunk.subarray(o + 32, o + SMT_NODE_RECORD_BYTES),
          this.hash,
          chunk.slice(o, o + 32),
        );
        // In the older half of the ring (more than half of it written since): copy it to the head
        // before the ring comes round to it.
        if ((this.head - 1 - at + this.capacity) % this.capacity > this.capacity / 2) this.remember(chunk, o);
        return node;
      }
    }
    const bytes = this.kv.get(smtNodeKey(hash));
    if (bytes === undefined) return undefined;
    // The key is the node's hash: trust it rather than rehash every read (the store is ours).
    const node = decodeSmtNode(bytes, this.hash, hash.slice());
    if (this.capacity > 0) {
      const rec = new Uint8Array(SMT_NODE_RECORD_BYTES);
      rec.set(hash);
      rec.set(bytes, 32);
      this.remember(rec, 0);
    }
    return node;
  }

  /** Caches nodes (of a block being executed); they are persisted by the caller's write batch. */
  put(nodes: readonly SmtNode[]): void {
    if (this.capacity > 0 && nodes.length > 0) this.putRecords(encodeNodeRecords(nodes));
  }

  /** Caches the nodes of {@link encodeNodeRecords} bytes. */
  putRecords(records: Uint8Array): void {
    if (this.capacity <= 0) return;
    for (let o = 0; o + SMT_NODE_RECORD_BYTES <= records.length; o += SMT_NODE_RECORD_BYTES)
      this.remember(records, o);
  }

  /** Copies the record at `src[o…]` to the head of the ring and indexes it there. */
  private remember(src: Uint8Array, o: number): void {
    const at = this.head;
    const ci = (at / CHUNK_RECORDS) | 0;
    let chunk = this.chunks[ci];
    if (chunk === undefined) {
      const records = Math.min(CHUNK_RECORDS, this.capacity - ci * CHUNK_RECORDS);
      chunk = new Uint8Array(records * SMT_NODE_RECORD_BYTES);
      this.chunks[ci] = chunk;
    }
    const d = (at % CHUNK_RECORDS) * SMT_NODE_RECORD_BYTES;
    if (this.used > at) {
      // Overwriting an older record: drop its index entry if it still points here.
      const old = slotAt(chunk, d);
      if (this.index.get(old) === at) this.index.delete(old);
    } else this.used = at + 1;
    chunk.set(src.subarray(o, o + SMT_NODE_RECORD_BYTES), d);
    this.index.set(slotAt(chunk, d), at);
    this.head = at + 1 === this.capacity ? 0 : at + 1;
  }
}
