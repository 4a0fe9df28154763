/**
 * The ledger's {@link SmtNodeStore} over the node's {@link KvStore}: nodes live under `s/n/<hash>` as their
 * 65-byte encoding (their own hash preimage), read synchronously, with an LRU cache in front. Nodes are
 * content-addressed, so a cached node is never stale. `put` only caches: new nodes reach the store
 * through the block's write batch.
 */
import { decodeSmtNode, encodeSmtNode, type HashFn, type SmtNode, type SmtNodeStore } from "@tandem/ledger";
import type { KvStore } from "../store/interface.js";
import { smtNodeKey } from "./keys.js";
import { keyId } from "./overlay.js";

export class KvSmtNodeStore implements SmtNodeStore {
  private readonly cache = new Map<string, SmtNode>();

  constructor(
    private readonly kv: KvStore,
    private readonly hash: HashFn,
    readonly capacity: number,
  ) {}

  get(hash: Uint8Array): SmtNode | undefined {
    const id = keyId(hash);
    const hit = this.cache.get(id);
    if (hit !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const bytes = this.kv.get(smtNodeKey(hash));
    if (bytes === undefined) return undefined;
    // The key is the node's hash: trust it rather than rehash every read (the store is ours).
    const node = decodeSmtNode(bytes, this.hash, hash.slice());
    this.remember(id, node);
    return node;
  }

  /** Caches nodes (of a block being executed); they are persisted by the caller's write batch. */
  put(nodes: readonly SmtNode[]): void {
    for (const n of nodes) this.remember(keyId(n.hash), n);
  }

  private remember(id: string, node: SmtNode): void {
    if (this.capacity <= 0) return;
    if (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(id, node);
  }

  /** The store puts of `nodes`: [s/n/<hash>, encoding]. */
  static puts(nodes: readonly SmtNode[]): Array<readonly [Uint8Array, Uint8Array]> {
    return nodes.map((n) => [smtNodeKey(n.hash), encodeSmtNode(n)] as const);
  }
}
