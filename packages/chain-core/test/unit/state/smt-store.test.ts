import { sha256 } from "@tandem/crypto";
import { decodeSmtNode, encodeSmtNode, type SmtNode, smtApply, smtGet, smtProve } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { smtNodeKey } from "../../../src/state/keys.js";
import { encodeNodeRecords, KvSmtNodeStore, SMT_NODE_RECORD_BYTES } from "../../../src/state/smt-store.js";
import { MemoryKvStore } from "../../../src/store/index.js";
import type { KvStore } from "../../../src/store/interface.js";

/** A store that counts reads, so a test can tell a cache hit from a store read. */
function counting(inner: KvStore): KvStore & { reads: number } {
  const s = {
    reads: 0,
    get(key: Uint8Array) {
      s.reads++;
      return inner.get(key);
    },
    getRange: inner.getRange.bind(inner),
    write: inner.write.bind(inner),
    close: inner.close.bind(inner),
  };
  return s;
}

function leaf(i: number): SmtNode {
  const key = sha256(new Uint8Array([1, i & 0xff, i >> 8]));
  const valueHash = sha256(new Uint8Array([2, i & 0xff, i >> 8]));
  return decodeSmtNode(encodeSmtNode({ kind: "leaf", hash: new Uint8Array(32), key, valueHash }), sha256);
}

async function persisted(nodes: readonly SmtNode[]): Promise<MemoryKvStore> {
  const kv = await MemoryKvStore.open();
  await kv.write({ put: nodes.map((n) => [smtNodeKey(n.hash), encodeSmtNode(n)] as const) });
  return kv;
}

describe("KvSmtNodeStore (byte-ring cache in front of the store)", () => {
  it("records are hash ‖ encoding, and cached nodes read back equal without a store read", async () => {
    const nodes = [leaf(1), leaf(2), leaf(3)];
    const rec = encodeNodeRecords(nodes);
    expect(rec.length).toBe(3 * SMT_NODE_RECORD_BYTES);
    expect(rec.subarray(SMT_NODE_RECORD_BYTES + 32, 2 * SMT_NODE_RECORD_BYTES)).toEqual(
      encodeSmtNode(nodes[1] as SmtNode),
    );
    const kv = counting(await MemoryKvStore.open());
    const store = new KvSmtNodeStore(kv, sha256, 16);
    store.put(nodes);
    for (const n of nodes) expect(store.get(n.hash)).toEqual(n);
    expect(kv.reads).toBe(0);
    // A node never cached and not in the store is absent.
    expect(store.get(leaf(9).hash)).toBeUndefined();
    expect(kv.reads).toBe(1);
  });

  it("hands out copies: mutating a returned node does not change the cache", async () => {
    const n = leaf(1);
    const store = new KvSmtNodeStore(await MemoryKvStore.open(), sha256, 8);
    store.put([n]);
    const got = store.get(n.hash) as SmtNode & { kind: "leaf" };
    got.key.fill(0);
    got.hash.fill(0);
    expect(store.get(n.hash)).toEqual(n);
  });

  it("a full ring overwrites its oldest records, which are then read from the store", async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => leaf(i));
    const kv = counting(await persisted(nodes));
    const store = new KvSmtNodeStore(kv, sha256, 8);
    store.put(nodes);
    for (const n of nodes.slice(4)) expect(store.get(n.hash)).toEqual(n);
    expect(kv.reads).toBe(0);
    for (const n of nodes.slice(0, 4)) expect(store.get(n.hash)).toEqual(n);
    expect(kv.reads).toBe(4);
  });

  it("a hit in the older half of the ring moves the node to the head, so it survives the next writes", async () => {
    const nodes = Array.from({ length: 16 }, (_, i) => leaf(i));
    const kv = counting(await persisted(nodes));
    const store = new KvSmtNodeStore(kv, sha256, 8);
    store.put(nodes.slice(0, 8));
    const hot = nodes[0] as SmtNode;
    expect(store.get(hot.hash)).toEqual(hot); // oldest record: copied to the head (over record 0 itself)
    store.put(nodes.slice(8, 14)); // overwrites records 1…6
    expect(store.get(hot.hash)).toEqual(hot);
    expect(kv.reads).toBe(0);
    expect(store.get((nodes[1] as SmtNode).hash)).toEqual(nodes[1]);
    expect(kv.reads).toBe(1);
  });

  it("capacity 0 caches nothing: every read goes to the store", async () => {
    const n = leaf(1);
    const kv = counting(await persisted([n]));
    const store = new KvSmtNodeStore(kv, sha256, 0);
    store.put([n]);
    expect(store.get(n.hash)).toEqual(n);
    expect(store.get(n.hash)).toEqual(n);
    expect(kv.reads).toBe(2);
  });

  it("backs the ledger's tree across chunk boundaries: same roots, reads and proofs as an uncached store", async () => {
    const kv = await MemoryKvStore.open();
    const cached = new KvSmtNodeStore(kv, sha256, 6000);
    const plain = new Map<string, SmtNode>();
    const uncached = {
      get: (h: Uint8Array) => plain.get(Buffer.from(h).toString("hex")),
      put: (ns: readonly SmtNode[]) => {
        for (const x of ns) plain.set(Buffer.from(x.hash).toString("hex"), x);
      },
    };
    let a: Uint8Array = new Uint8Array(32);
    let b: Uint8Array = new Uint8Array(32);
    const keys: Uint8Array[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 900 }, (_, i) => {
        const key = sha256(new Uint8Array([round, i & 0xff, i >> 8]));
        keys.push(key);
        return [key, new Uint8Array([round, i & 0xff])] as [Uint8Array, Uint8Array | null];
      });
      const ra = smtApply(cached, a, batch, sha256);
      cached.put(ra.nodes);
      // As a node does: new nodes reach the store with the block (the ring wraps in this test).
      await kv.write({ put: ra.nodes.map((n) => [smtNodeKey(n.hash), encodeSmtNode(n)] as const) });
      const rb = smtApply(uncached, b, batch, sha256);
      uncached.put(rb.nodes);
      expect(ra.root).toEqual(rb.root);
      a = ra.root;
      b = rb.root;
    }
    for (const k of keys.filter((_, i) => i % 97 === 0)) {
      expect(smtGet(cached, a, k)).toEqual(smtGet(uncached, b, k));
      expect(smtProve(cached, a, k)).toEqual(smtProve(uncached, b, k));
    }
  });
});
