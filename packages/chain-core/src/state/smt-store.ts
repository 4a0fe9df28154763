/**
 * The ledger's {@link SmtNodeStore} over the node's {@link KvStore}: nodes live under `s/n/<hash>` as their
 * 65-byte encoding (their own hash preimage), read synchronously, with a cache in front. Nodes are
 * content-addressed, so a cached node is never stale. `put` only caches: new nodes reach the store
 * through the block's write batch.
 *
 * The cache is two generations of maps keyed by the first 30 bits of the hash (small-integer keys, no
 * string per lookup; a hit compares the full hash, so a slot collision is only a miss): new and used
 * nodes go to the young map; when it holds half the capacity it becomes the old one and the previous
 * old one is dropped. Cheaper than an exact LRU (no reordering per hit), and as good for a tree whose
 * upper levels are read by every block.
 */
import { decodeSmtNode, encodeSmtNode, type HashFn, type SmtNode, type SmtNodeStore } from "@tandem/ledger";
import type { KvStore } from "../store/interface.js";
import { smtNodeKey } from "./keys.js";

function slot(h: Uint8Array): number {
  return (
    ((h[0] as number) << 22) | ((h[1] as number) << 14) | ((h[2] as number) << 6) | ((h[3] as number) >> 2)
  );
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class KvSmtNodeStore implements SmtNodeStore {
  private young = new Map<number, SmtNode>();
  private old = new Map<number, SmtNode>();
  private readonly half: number;

  constructor(
    private readonly kv: KvStore,
    private readonly hash: HashFn,
    readonly capacity: number,
  ) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(hash: Uint8Array): SmtNode | undefined {
    const k = slot(hash);
    const y = this.young.get(k);
    if (y !== undefined && same(y.hash, hash)) return y;
    const o = this.old.get(k);
    if (o !== undefined && same(o.hash, hash)) {
      this.remember(k, o);
      return o;
    }
    const bytes = this.kv.get(smtNodeKey(hash));
    if (bytes === undefined) return undefined;
    // The key is the node's hash: trust it rather than rehash every read (the store is ours).
    const node = decodeSmtNode(bytes, this.hash, hash.slice());
    this.remember(k, node);
    return node;
  }

  /** Caches nodes (of a block being executed); they are persisted by the caller's write batch. */
  put(nodes: readonly SmtNode[]): void {
    for (const n of nodes) this.remember(slot(n.hash), n);
  }

  private remember(k: number, node: SmtNode): void {
    if (this.capacity <= 0) return;
    this.young.set(k, node);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  /** The store puts of `nodes`: [s/n/<hash>, encoding]. */
  static puts(nodes: readonly SmtNode[]): Array<readonly [Uint8Array, Uint8Array]> {
    return nodes.map((n) => [smtNodeKey(n.hash), encodeSmtNode(n)] as const);
  }
}
