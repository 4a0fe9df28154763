import { sha256, sm3 } from "@tandem/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertSmtProof,
  decodeSmtNode,
  decodeSmtProof,
  encodeSmtNode,
  encodeSmtProof,
  isZeroHash,
  LedgerError,
  LedgerErrorCode,
  MemorySmtStore,
  type SmtNode,
  SparseMerkleTree,
  smtApply,
  smtInnerHash,
  smtKey,
  smtLeafHash,
  verifySmtProof,
} from "../../src/index.js";
import { smtProofArb } from "../arbitraries.js";
import { hexOf } from "../fixtures.js";

const ZERO = new Uint8Array(32);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

function bit(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Reference root straight from the definition: the unique compact tree of a key → value-hash map. */
function referenceRoot(entries: [Uint8Array, Uint8Array][], hash = sha256, depth = 0): Uint8Array {
  if (entries.length === 0) return ZERO;
  if (entries.length === 1) return smtLeafHash(entries[0]![0], hash(entries[0]![1]), hash);
  const l = entries.filter(([k]) => bit(k, depth) === 0);
  const r = entries.filter(([k]) => bit(k, depth) === 1);
  return smtInnerHash(referenceRoot(l, hash, depth + 1), referenceRoot(r, hash, depth + 1), hash);
}

/** A 32-byte key with the given leading bits, then `fill`. */
function keyWithPrefix(bits: string, fill = 0): Uint8Array {
  const k = new Uint8Array(32).fill(fill);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] === "1" ? 1 : 0;
    k[i >> 3] = (k[i >> 3]! & ~(1 << (7 - (i & 7)))) | (b << (7 - (i & 7)));
  }
  return k;
}

const v = (s: string) => new TextEncoder().encode(s);
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("sparse Merkle tree: known answers by construction", () => {
  it("the empty tree's root is 32 zero bytes", () => {
    expect(isZeroHash(new SparseMerkleTree().root)).toBe(true);
  });

  it("a one-key tree's root is that key's leaf hash", () => {
    const t = new SparseMerkleTree();
    const k = smtKey(v("alice"));
    t.update([[k, v("100")]]);
    expect(hexOf(t.root)).toBe(hexOf(sha256(new Uint8Array([0, ...k, ...sha256(v("100"))]))));
  });

  it("two keys that differ in the first bit hang directly under the root", () => {
    const a = keyWithPrefix("0", 0x11);
    const b = keyWithPrefix("1", 0x22);
    const t = new SparseMerkleTree();
    t.update([
      [b, v("B")],
      [a, v("A")],
    ]);
    const la = smtLeafHash(a, sha256(v("A")));
    const lb = smtLeafHash(b, sha256(v("B")));
    expect(hexOf(t.root)).toBe(hexOf(sha256(new Uint8Array([1, ...la, ...lb]))));
  });

  it("two keys sharing two bits sit under a chain of inner nodes with empty siblings", () => {
    const a = keyWithPrefix("100", 0);
    const b = keyWithPrefix("101", 0);
    const t = new SparseMerkleTree();
    t.update([
      [a, v("A")],
      [b, v("B")],
    ]);
    const la = smtLeafHash(a, sha256(v("A")));
    const lb = smtLeafHash(b, sha256(v("B")));
    const n2 = smtInnerHash(la, lb);
    const n1 = smtInnerHash(n2, ZERO); // bit 1 = 0 → left
    const n0 = smtInnerHash(ZERO, n1); // bit 0 = 1 → right
    expect(hexOf(t.root)).toBe(hexOf(n0));
    const proof = t.prove(a);
    expect(proof.siblings.map(hexOf)).toEqual([hexOf(ZERO), hexOf(ZERO), hexOf(lb)]);
  });

  it("keys sharing 255 bits give a proof 256 levels deep that encodes, decodes and verifies", () => {
    const a = new Uint8Array(32).fill(0xab);
    const b = a.slice();
    b[31]! ^= 1;
    const t = new SparseMerkleTree();
    t.update([
      [a, v("A")],
      [b, v("B")],
    ]);
    const proof = t.prove(b);
    expect(proof.siblings.length).toBe(256);
    const bytes = encodeSmtProof(proof);
    expect(decodeSmtProof(bytes)).toEqual(proof);
    expect(verifySmtProof(t.root, b, v("B"), bytes)).toBe(true);
    expect(verifySmtProof(t.root, a, v("B"), bytes)).toBe(false);
  });
});

describe("sparse Merkle tree: properties", () => {
  const mapArb = fc.uniqueArray(fc.tuple(keyArb, fc.uint8Array({ maxLength: 8 })), {
    maxLength: 60,
    selector: ([k]) => hexOf(k),
  });

  it("the root equals the reference root, whatever the batching and order", () => {
    fc.assert(
      fc.property(mapArb, fc.integer({ min: 1, max: 7 }), (entries, chunk) => {
        const ref = referenceRoot(entries);
        const one = new SparseMerkleTree();
        one.update(entries);
        expect(hexOf(one.root)).toBe(hexOf(ref));
        const many = new SparseMerkleTree();
        const rev = [...entries].reverse();
        for (let i = 0; i < rev.length; i += chunk) many.update(rev.slice(i, i + chunk));
        expect(hexOf(many.root)).toBe(hexOf(ref));
      }),
      { numRuns: 60 },
    );
  });

  it("follows a map model through random inserts, overwrites and deletes", () => {
    const opArb = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.uint8Array({ maxLength: 4 }), { freq: 3 })),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 8 }), (batches) => {
        const keys = Array.from({ length: 41 }, (_, i) => smtKey(new Uint8Array([i])));
        const model = new Map<number, Uint8Array>();
        const t = new SparseMerkleTree();
        for (const batch of batches) {
          t.update(batch.map(([i, val]) => [keys[i]!, val] as const));
          for (const [i, val] of batch) {
            if (val === null) model.delete(i);
            else model.set(i, val);
          }
          const entries = [...model].map(([i, val]) => [keys[i]!, val] as [Uint8Array, Uint8Array]);
          expect(hexOf(t.root)).toBe(hexOf(referenceRoot(entries)));
          for (let i = 0; i < keys.length; i += 5) {
            const want = model.get(i);
            const got = t.get(keys[i]!);
            expect(got === null ? null : hexOf(got)).toBe(want === undefined ? null : hexOf(sha256(want)));
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("proves every present key's membership and random keys' absence", () => {
    fc.assert(
      fc.property(
        mapArb.filter((e) => e.length > 0),
        fc.array(keyArb, { maxLength: 5 }),
        (entries, probes) => {
          const t = new SparseMerkleTree();
          t.update(entries);
          const present = new Set(entries.map(([k]) => hexOf(k)));
          for (const [k, val] of entries) {
            const p = t.prove(k);
            expect(p.leaf?.key).toEqual(k);
            expect(verifySmtProof(t.root, k, val, p)).toBe(true);
            expect(verifySmtProof(t.root, k, val, encodeSmtProof(p))).toBe(true);
            expect(verifySmtProof(t.root, k, new Uint8Array([...val, 1]), p)).toBe(false);
            expect(verifySmtProof(t.root, k, null, p)).toBe(false);
          }
          for (const k of probes) {
            if (present.has(hexOf(k))) continue;
            const p = t.prove(k);
            expect(verifySmtProof(t.root, k, null, p)).toBe(true);
            expect(verifySmtProof(t.root, k, new Uint8Array(0), p)).toBe(false);
            const back = decodeSmtProof(encodeSmtProof(p));
            expect(back).toEqual(p);
            expect(verifySmtProof(t.root, k, null, back)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("round-trips every canonical proof through its encoding", () => {
    fc.assert(
      fc.property(smtProofArb, (p) => {
        const bytes = encodeSmtProof(p);
        const back = decodeSmtProof(bytes);
        expect(back).toEqual(p);
        expect(encodeSmtProof(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe("sparse Merkle tree: versions, deletion and storage", () => {
  const keys = Array.from({ length: 50 }, (_, i) => smtKey(new Uint8Array([i, 7])));

  it("keeps every earlier root readable and provable", () => {
    const t = new SparseMerkleTree();
    const r1 = t.update(keys.slice(0, 20).map((k, i) => [k, v(`a${i}`)]));
    const r2 = t.update([
      [keys[3]!, v("changed")],
      [keys[30]!, v("new")],
      [keys[4]!, null],
    ]);
    expect(hexOf(r1)).not.toBe(hexOf(r2));
    expect(verifySmtProof(r1, keys[3]!, v("a3"), t.prove(keys[3]!, r1))).toBe(true);
    expect(verifySmtProof(r2, keys[3]!, v("changed"), t.prove(keys[3]!))).toBe(true);
    expect(verifySmtProof(r1, keys[4]!, v("a4"), t.at(r1).prove(keys[4]!))).toBe(true);
    expect(verifySmtProof(r2, keys[4]!, null, t.prove(keys[4]!))).toBe(true);
    expect(verifySmtProof(r1, keys[30]!, null, t.prove(keys[30]!, r1))).toBe(true);
    // A past version can be branched from.
    const branch = t.at(r1);
    branch.update([[keys[40]!, v("x")]]);
    expect(hexOf(t.root)).toBe(hexOf(r2));
  });

  it("returns to the previous root when an insert is deleted again, and to zero when emptied", () => {
    const t = new SparseMerkleTree();
    const r1 = t.update(keys.slice(0, 10).map((k) => [k, v("x")]));
    t.update([[keys[20]!, v("y")]]);
    expect(hexOf(t.update([[keys[20]!, null]]))).toBe(hexOf(r1));
    expect(isZeroHash(t.update(keys.slice(0, 10).map((k) => [k, null])))).toBe(true);
  });

  it("treats deleting an absent key and rewriting an equal value as no-ops", () => {
    const t = new SparseMerkleTree();
    const r1 = t.update(keys.slice(0, 5).map((k) => [k, v("x")]));
    const store = t.store as MemorySmtStore;
    const before = store.size;
    expect(hexOf(t.update([[keys[40]!, null]]))).toBe(hexOf(r1));
    expect(hexOf(t.update([[keys[0]!, v("x")]]))).toBe(hexOf(r1));
    expect(store.size).toBe(before);
  });

  it("lets the last entry for a key in one batch win", () => {
    const t = new SparseMerkleTree();
    t.update([
      [keys[0]!, v("first")],
      [keys[1]!, v("b")],
      [keys[0]!, v("last")],
    ]);
    expect(verifySmtProof(t.root, keys[0]!, v("last"), t.prove(keys[0]!))).toBe(true);
    t.update([
      [keys[1]!, null],
      [keys[1]!, v("again")],
    ]);
    expect(verifySmtProof(t.root, keys[1]!, v("again"), t.prove(keys[1]!))).toBe(true);
  });

  it("does not write anything in smtApply and writes the new nodes in one put", () => {
    const store = new MemorySmtStore();
    const puts: number[] = [];
    const spy = {
      get: (h: Uint8Array) => store.get(h),
      put: (nodes: readonly SmtNode[]) => {
        puts.push(nodes.length);
        store.put(nodes);
      },
    };
    const { nodes } = smtApply(spy, ZERO, [[keys[0]!, v("a")]]);
    expect(puts).toEqual([]);
    expect(nodes.length).toBe(1);
    const t = new SparseMerkleTree({ store: spy });
    t.update(keys.slice(0, 8).map((k) => [k, v("a")]));
    expect(puts.length).toBe(1);
  });

  it("reports a node missing from the store with SMT_MISSING_NODE", () => {
    const t = new SparseMerkleTree();
    t.update(keys.slice(0, 8).map((k) => [k, v("a")]));
    const other = new SparseMerkleTree({ root: t.root });
    expect(code(() => other.prove(keys[0]!))).toBe(LedgerErrorCode.SMT_MISSING_NODE);
    expect(code(() => other.update([[keys[9]!, v("b")]]))).toBe(LedgerErrorCode.SMT_MISSING_NODE);
  });

  it("stores nodes as their 65-byte hash preimage and decodes them back", () => {
    const t = new SparseMerkleTree();
    t.update(keys.slice(0, 4).map((k) => [k, v("a")]));
    const store = t.store as MemorySmtStore;
    const root = store.get(t.root)!;
    const bytes = encodeSmtNode(root);
    expect(bytes.length).toBe(65);
    expect(hexOf(sha256(bytes))).toBe(hexOf(root.hash));
    expect(decodeSmtNode(bytes)).toEqual(root);
    expect(code(() => decodeSmtNode(bytes.subarray(1)))).toBe(LedgerErrorCode.DECODE_TRUNCATED);
    expect(code(() => decodeSmtNode(new Uint8Array([2, ...bytes.subarray(1)])))).toBe(
      LedgerErrorCode.DECODE_UNKNOWN_KIND,
    );
    expect(code(() => decodeSmtNode(new Uint8Array([1, ...new Uint8Array(64)])))).toBe(
      LedgerErrorCode.DECODE_NON_CANONICAL,
    );
  });

  it("copies what it hands out, so callers cannot corrupt the tree", () => {
    const t = new SparseMerkleTree();
    const k = keys[0]!.slice();
    t.update([
      [k, v("a")],
      [keys[1]!, v("b")],
    ]);
    k.fill(0);
    const p = t.prove(keys[0]!);
    p.siblings[0]!.fill(9);
    t.root.fill(1);
    expect(verifySmtProof(t.root, keys[0]!, v("a"), t.prove(keys[0]!))).toBe(true);
  });

  it("uses the chain's hash suite (SM3 gives other roots, proofs do not cross suites)", () => {
    const a = new SparseMerkleTree({ hash: sm3 });
    const b = new SparseMerkleTree();
    const batch = keys.slice(0, 10).map((k) => [k, v("a")] as const);
    a.update(batch);
    b.update(batch);
    expect(hexOf(a.root)).not.toBe(hexOf(b.root));
    expect(hexOf(a.root)).toBe(
      hexOf(
        referenceRoot(
          batch.map(([k, x]) => [k, x]),
          sm3,
        ),
      ),
    );
    const p = a.prove(keys[2]!);
    expect(verifySmtProof(a.root, keys[2]!, v("a"), p, sm3)).toBe(true);
    expect(verifySmtProof(a.root, keys[2]!, v("a"), p, sha256)).toBe(false);
  });

  it("rejects bad keys, values and batches with ENCODE_INVALID_VALUE", () => {
    const t = new SparseMerkleTree();
    expect(code(() => t.update([[new Uint8Array(31), v("a")]]))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => t.update([[keys[0]!, "a" as never]]))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => t.update([[keys[0]!] as never]))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => t.prove(new Uint8Array(33)))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => new SparseMerkleTree({ root: new Uint8Array(3) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
  });

  it("throws PROOF_INVALID (or the decode error) from assertSmtProof", () => {
    const t = new SparseMerkleTree();
    t.update(keys.slice(0, 4).map((k) => [k, v("a")]));
    const p = t.prove(keys[0]!);
    expect(() => assertSmtProof(t.root, keys[0]!, v("a"), p)).not.toThrow();
    expect(code(() => assertSmtProof(t.root, keys[0]!, v("b"), p))).toBe(LedgerErrorCode.PROOF_INVALID);
    expect(code(() => assertSmtProof(t.root, keys[0]!, v("a"), new Uint8Array([0])))).toBe(
      LedgerErrorCode.DECODE_TRUNCATED,
    );
  });

  it("verification never throws on malformed proofs", () => {
    const t = new SparseMerkleTree();
    t.update(keys.slice(0, 4).map((k) => [k, v("a")]));
    const bad: unknown[] = [
      null,
      {},
      { siblings: null, leaf: null },
      { siblings: [new Uint8Array(5)], leaf: null },
      { siblings: new Array(300).fill(new Uint8Array(32)), leaf: null },
      { siblings: [], leaf: { key: new Uint8Array(3), valueHash: new Uint8Array(32) } },
      { siblings: [], leaf: { key: keys[0], valueHash: "x" } },
      new Uint8Array([1, 2, 3]),
    ];
    for (const p of bad) expect(verifySmtProof(t.root, keys[0]!, v("a"), p as never)).toBe(false);
    expect(verifySmtProof(t.root, new Uint8Array(2), v("a"), t.prove(keys[0]!))).toBe(false);
    expect(verifySmtProof(t.root, keys[0]!, "a" as never, t.prove(keys[0]!))).toBe(false);
  });
});
