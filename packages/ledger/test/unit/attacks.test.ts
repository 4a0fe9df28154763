/**
 * Proof and replay attacks from the interop incident table (shared/reference/interop-anchors.md (b)).
 * Each test feeds the concrete bad input of its row and requires a rejection.
 */
import { initBls, sha256 } from "@tandem/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeCommit,
  decodeMerkleProof,
  decodeSmtProof,
  decodeTx,
  decodeValidatorSet,
  encodeCommit,
  encodeMerkleProof,
  encodeSmtProof,
  encodeTx,
  encodeValidatorSet,
  LedgerError,
  LedgerErrorCode,
  type MerkleProof,
  MerkleTree,
  merkleEmptyRoot,
  merkleInnerHash,
  merkleLeafHash,
  merkleRoot,
  type SmtProof,
  SparseMerkleTree,
  smtKey,
  smtLeafHash,
  txSignBytes,
  verifyCommit,
  verifyMerkleProof,
  verifySmtProof,
  verifyTxSignature,
  voteSignBytes,
} from "../../src/index.js";
import { blsValidators, CHAIN, HOME_CHAIN, hexOf, signCommit, signedTransfer } from "../fixtures.js";

const ZERO = new Uint8Array(32);
const v = (s: string) => new TextEncoder().encode(s);

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

/** A state tree of 64 hashed keys, with the raw keys, as the chain would keep it. */
function stateTree(): { tree: SparseMerkleTree; keys: Uint8Array[]; raw: string[] } {
  const tree = new SparseMerkleTree();
  const raw = Array.from({ length: 64 }, (_, i) => `receipts/channel-0/${i}`);
  const keys = raw.map((r) => smtKey(v(r)));
  tree.update(keys.map((k, i) => [k, v(`ack-${i}`)]));
  return { tree, keys, raw };
}

/** Leaves of a tx tree (8 leaves of 40 bytes). */
const TX_LEAVES = Array.from({ length: 8 }, (_, i) => new Uint8Array(40).fill(i + 1));

describe("B1: proof schema (BNB Token Hub IAVL forgery)", () => {
  it("B1: rejects an inner node carrying both children", () => {
    const tree = MerkleTree.from(TX_LEAVES);
    const proof = tree.prove(2);
    // Object form: one step carries left ‖ right instead of one sibling hash.
    const both = [...proof.path];
    both[1] = new Uint8Array([...proof.path[1]!, ...merkleLeafHash(TX_LEAVES[2]!)]);
    expect(verifyMerkleProof(tree.root, TX_LEAVES[2]!, { ...proof, path: both })).toBe(false);
    // Wire form: the extra child is 32 more bytes the schema has no room for.
    const bytes = encodeMerkleProof(proof);
    const injected = new Uint8Array([
      ...bytes.subarray(0, 16 + 32),
      ...new Uint8Array(32).fill(0xaa),
      ...bytes.subarray(16 + 32),
    ]);
    expect(code(() => decodeMerkleProof(injected))).toBe(LedgerErrorCode.DECODE_TRAILING_BYTES);

    // Sparse Merkle: a sibling entry holding both children, or an inner-node preimage as a step.
    const { tree: smt, keys } = stateTree();
    const sp = smt.prove(keys[5]!);
    const store = smt.store;
    const rootNode = store.get(smt.root)!;
    expect(rootNode.kind).toBe("inner");
    const withBoth = {
      ...sp,
      siblings: [
        new Uint8Array([
          1,
          ...(rootNode as { left: Uint8Array }).left,
          ...(rootNode as { right: Uint8Array }).right,
        ]),
        ...sp.siblings.slice(1),
      ],
    };
    expect(verifySmtProof(smt.root, keys[5]!, v("ack-5"), withBoth)).toBe(false);
    // The payload-injection of the BNB exploit: keep the real siblings, swap in another value.
    expect(verifySmtProof(smt.root, keys[5]!, v("ack-5 plus 1000000 BNB"), sp)).toBe(false);
  });

  it("B1: rejects extra or unknown fields in an encoded proof", () => {
    const { tree, keys } = stateTree();
    const bytes = encodeSmtProof(tree.prove(keys[1]!));
    expect(code(() => decodeSmtProof(new Uint8Array([...bytes, 0])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );
    expect(code(() => decodeSmtProof(new Uint8Array([...bytes, ...ZERO])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );
    const unknownTerminal = bytes.slice();
    unknownTerminal[bytes.length - 65] = 2; // terminal tag: only 0 (empty) and 1 (leaf) exist
    expect(code(() => decodeSmtProof(unknownTerminal))).toBe(LedgerErrorCode.DECODE_UNKNOWN_KIND);
    expect(verifySmtProof(tree.root, keys[1]!, v("ack-1"), new Uint8Array([...bytes, 1]))).toBe(false);
    const mp = encodeMerkleProof(MerkleTree.from(TX_LEAVES).prove(0));
    expect(code(() => decodeMerkleProof(new Uint8Array([...mp, 7])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );
  });

  it("B1: rejects a proof deeper than the tree", () => {
    const tree = MerkleTree.from(TX_LEAVES);
    const proof = tree.prove(3);
    expect(verifyMerkleProof(tree.root, TX_LEAVES[3]!, { ...proof, path: [...proof.path, ZERO] })).toBe(
      false,
    );
    expect(verifyMerkleProof(tree.root, TX_LEAVES[3]!, { ...proof, path: [ZERO, ...proof.path] })).toBe(
      false,
    );
    // Claiming a bigger tree changes the required depth.
    expect(verifyMerkleProof(tree.root, TX_LEAVES[3]!, { ...proof, treeSize: 16 })).toBe(false);

    const { tree: smt, keys } = stateTree();
    const sp = smt.prove(keys[9]!);
    // One more level at the top or at the bottom.
    const deeper = { ...sp, siblings: [sha256(v("x")), ...sp.siblings] };
    expect(verifySmtProof(smt.root, keys[9]!, v("ack-9"), deeper)).toBe(false);
    const below = { ...sp, siblings: [...sp.siblings, sha256(v("y"))] };
    expect(verifySmtProof(smt.root, keys[9]!, v("ack-9"), below)).toBe(false);
    // Depth past 256 is not even decodable.
    const tooDeep = new Uint8Array([0x01, 0x01, ...new Uint8Array(33), 0]);
    expect(code(() => decodeSmtProof(tooDeep))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("B1: rejects proof steps that reuse a leaf as an inner node", () => {
    const { tree: smt, keys } = stateTree();
    const store = smt.store;
    // Find a leaf L at depth d on a key's path, and claim a key below it, as if L were an inner node.
    const sp = smt.prove(keys[0]!);
    const leaf = sp.leaf!;
    const d = sp.siblings.length;
    const fake = keys[0]!.slice();
    fake[31]! ^= 1; // shares the first d bits with L's key
    const claim = {
      siblings: [...sp.siblings, smtLeafHash(keys[0]!, leaf.valueHash)],
      leaf: { key: fake, valueHash: sha256(v("forged")) },
    };
    expect(verifySmtProof(smt.root, fake, v("forged"), claim)).toBe(false);
    // The reverse: an inner node's children (l, r) presented as a leaf's (key, valueHash).
    const inner = store.get(smt.root)! as { left: Uint8Array; right: Uint8Array };
    const asLeaf: SmtProof = { siblings: [], leaf: { key: inner.left, valueHash: inner.right } };
    expect(verifySmtProof(smt.root, inner.left, null, asLeaf)).toBe(false);
    expect(hexOf(smtLeafHash(inner.left, inner.right))).not.toBe(hexOf(smt.root));
    expect(d).toBeGreaterThan(0);

    // RFC 6962: a leaf hash used as a step at the wrong level.
    const mt = MerkleTree.from(TX_LEAVES);
    const mp = mt.prove(0);
    const reuse = { ...mp, path: [mp.path[0]!, merkleLeafHash(TX_LEAVES[2]!), mp.path[2]!] };
    expect(verifyMerkleProof(mt.root, TX_LEAVES[0]!, reuse)).toBe(false);
  });
});

describe("B2: 64-byte leaf ambiguity (Bitcoin SPV)", () => {
  it("B2: rejects a 64-byte leaf posing as an inner node", () => {
    const tree = MerkleTree.from(TX_LEAVES);
    const hL = merkleLeafHash(TX_LEAVES[0]!);
    const hR = merkleLeafHash(TX_LEAVES[1]!);
    const forged = new Uint8Array([...hL, ...hR]); // a "transaction" of exactly 64 bytes
    // Without prefixes H(forged) would equal the level-1 node; with them it does not.
    expect(hexOf(merkleLeafHash(forged))).not.toBe(hexOf(merkleInnerHash(hL, hR)));
    // Claim the forged leaf at the level-1 position: leaf 0 of a 4-leaf tree, with the real upper path.
    const real = tree.prove(0);
    const claim: MerkleProof = { leafIndex: 0, treeSize: 4, path: real.path.slice(1) };
    expect(verifyMerkleProof(tree.root, forged, claim)).toBe(false);
    expect(verifyMerkleProof(tree.root, forged, { ...claim, treeSize: 8 })).toBe(false);
    // And in the SMT: a 64-byte value equal to an inner node's children proves nothing new.
    const { tree: smt, keys } = stateTree();
    const inner = smt.store.get(smt.root)! as { left: Uint8Array; right: Uint8Array };
    const p = smt.prove(keys[2]!);
    expect(verifySmtProof(smt.root, keys[2]!, new Uint8Array([...inner.left, ...inner.right]), p)).toBe(
      false,
    );
  });

  it("B2: rejects a proof that ends one level below a real leaf", () => {
    const { tree: smt, keys } = stateTree();
    const sp = smt.prove(keys[7]!);
    const leafHash = smtLeafHash(keys[7]!, sp.leaf!.valueHash);
    // Absence claim for keys[7] itself: "empty at depth d + 1, the real leaf's hash as its sibling".
    const absence: SmtProof = { siblings: [...sp.siblings, leafHash], leaf: null };
    expect(verifySmtProof(smt.root, keys[7]!, null, absence)).toBe(false);
    // Or for a neighbour key that shares the first d + 1 bits.
    const neighbour = keys[7]!.slice();
    neighbour[31]! ^= 1;
    expect(verifySmtProof(smt.root, neighbour, null, absence)).toBe(false);
    // RFC 6962: a "leaf" below a real leaf (that leaf treated as the parent of two halves).
    const tree = MerkleTree.from(TX_LEAVES);
    const real = tree.prove(3);
    const half = TX_LEAVES[3]!.subarray(0, 20);
    const below: MerkleProof = {
      leafIndex: 6,
      treeSize: 16,
      path: [merkleLeafHash(TX_LEAVES[3]!.subarray(20)), ...real.path],
    };
    expect(verifyMerkleProof(tree.root, half, below)).toBe(false);
  });
});

describe("B3: forged absence proofs (Dragonberry)", () => {
  it("B3: rejects a non-membership proof with non-adjacent neighbours", () => {
    const { tree, keys } = stateTree();
    const absent = smtKey(v("receipts/channel-0/999"));
    const honest = tree.prove(absent);
    expect(verifySmtProof(tree.root, absent, null, honest)).toBe(true);
    // The membership proof of a leaf that is not on the absent key's path ("a neighbour elsewhere").
    const farIndex = keys.findIndex((k) => bit(k, 0) !== bit(absent, 0));
    const far = tree.prove(keys[farIndex]!);
    expect(verifySmtProof(tree.root, absent, null, far)).toBe(false);
    // A leaf that shares fewer bits with the key than the proof's depth claims.
    const nearIndex = keys.findIndex((k) => bit(k, 0) === bit(absent, 0) && bit(k, 1) !== bit(absent, 1));
    if (nearIndex >= 0) {
      const near = tree.prove(keys[nearIndex]!);
      expect(verifySmtProof(tree.root, absent, null, near)).toBe(false);
    }
    // Splicing: the honest siblings with another leaf dropped in as "the leaf found".
    const leafFrom = tree.prove(keys[farIndex]!).leaf!;
    expect(verifySmtProof(tree.root, absent, null, { ...honest, leaf: leafFrom })).toBe(false);
  });

  it("B3: rejects a non-membership proof whose found leaf has the queried key", () => {
    const { tree, keys } = stateTree();
    const membership = tree.prove(keys[12]!);
    expect(verifySmtProof(tree.root, keys[12]!, null, membership)).toBe(false);
    expect(verifySmtProof(tree.root, keys[12]!, null, encodeSmtProof(membership))).toBe(false);
  });

  it("B3: a raw key that is a prefix of a stored raw key is neither proven present nor confused with it", () => {
    const { tree, raw } = stateTree();
    const stored = raw[1]!; // "receipts/channel-0/1"
    const prefix = stored.slice(0, -1); // "receipts/channel-0/"
    const kStored = smtKey(v(stored));
    const kPrefix = smtKey(v(prefix));
    const pPrefix = tree.prove(kPrefix);
    expect(verifySmtProof(tree.root, kPrefix, null, pPrefix)).toBe(true);
    expect(verifySmtProof(tree.root, kPrefix, v("ack-1"), tree.prove(kStored))).toBe(false);
    expect(verifySmtProof(tree.root, kStored, null, pPrefix)).toBe(false);
  });
});

describe("B4: the zero root (Nomad)", () => {
  it("B4: the zero/empty root never proves anything", () => {
    const empty = new SparseMerkleTree();
    const k = smtKey(v("anything"));
    const emptyProof = empty.prove(k);
    expect(emptyProof).toEqual({ siblings: [], leaf: null });
    // Absence against the empty tree's (zero) root: refused, a missing root lookup must not pass.
    expect(verifySmtProof(ZERO, k, null, emptyProof)).toBe(false);
    expect(verifySmtProof(empty.root, k, null, encodeSmtProof(emptyProof))).toBe(false);
    // Membership against the zero root.
    const { tree, keys } = stateTree();
    expect(verifySmtProof(ZERO, keys[0]!, v("ack-0"), tree.prove(keys[0]!))).toBe(false);
    // A proof that computes the zero hash, against the zero root.
    expect(verifySmtProof(ZERO, k, null, { siblings: [], leaf: null })).toBe(false);
    // RFC 6962: nothing verifies against the zero root or the empty tree's root H("").
    const mt = MerkleTree.from(TX_LEAVES);
    const mp = mt.prove(0);
    expect(verifyMerkleProof(ZERO, TX_LEAVES[0]!, mp)).toBe(false);
    expect(
      verifyMerkleProof(merkleEmptyRoot(), new Uint8Array(0), { leafIndex: 0, treeSize: 0, path: [] }),
    ).toBe(false);
    expect(
      verifyMerkleProof(merkleRoot([]), new Uint8Array(0), { leafIndex: 0, treeSize: 1, path: [] }),
    ).toBe(false);
    // A "proof" with no steps for a one-leaf tree still needs the real leaf.
    const one = MerkleTree.from([v("only")]);
    expect(verifyMerkleProof(one.root, v("other"), one.prove(0))).toBe(false);
    expect(verifyMerkleProof(one.root, v("only"), one.prove(0))).toBe(true);
  });

  it("B4: a claim keyed by a changed recipient does not reuse someone else's proof", () => {
    const { tree, keys } = stateTree();
    const p = tree.prove(keys[3]!);
    expect(verifySmtProof(tree.root, keys[3]!, v("ack-3"), p)).toBe(true);
    expect(verifySmtProof(tree.root, keys[4]!, v("ack-3"), p)).toBe(false);
  });
});

describe("B11: malleable encodings (Polygon Plasma exit)", () => {
  it("B11: rejects a re-encoded equivalent proof", () => {
    // Two keys sharing the prefix 10: the proof of `a` is three levels deep with two empty siblings.
    const a = new Uint8Array(32).fill(0x00);
    a[0] = 0b1000_0000;
    const b = a.slice();
    b[0] = 0b1010_0000;
    const tree = new SparseMerkleTree();
    tree.update([
      [a, v("A")],
      [b, v("B")],
    ]);
    const p = tree.prove(a);
    const bytes = encodeSmtProof(p);
    const d = p.siblings.length;
    expect(d).toBe(3);
    expect(hexOf(bytes.subarray(0, 3))).toBe("000304"); // depth 3, bitmap 0b100 (only the deepest set)
    expect(verifySmtProof(tree.root, a, v("A"), bytes)).toBe(true);

    // 1. Over-long bitmap (one more zero byte), depth unchanged.
    const longBitmap = new Uint8Array([...bytes.subarray(0, 3), 0, ...bytes.subarray(3)]);
    expect(code(() => decodeSmtProof(longBitmap))).toMatch(/^DECODE_/);
    expect(verifySmtProof(tree.root, a, v("A"), longBitmap)).toBe(false);
    // 2. One more (empty) level at the bottom: a shape no canonical tree has.
    const deeper = encodeSmtProofUnchecked(d + 1, [...p.siblings, ZERO], p.leaf);
    expect(code(() => decodeSmtProof(deeper))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    // 3. A bit set beyond the depth (an out-of-range bitmap entry).
    const extraBit = bytes.slice();
    extraBit[2]! |= 0x80;
    expect(code(() => decodeSmtProof(extraBit))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    // 4. An empty sibling written out (bit set, 32 zero bytes): a duplicate way to say "empty".
    const explicit = encodeSmtProofUnchecked(d, p.siblings, p.leaf, 0);
    expect(explicit.length).toBe(bytes.length + 32);
    expect(code(() => decodeSmtProof(explicit))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    expect(verifySmtProof(tree.root, a, v("A"), explicit)).toBe(false);
    // 5. Leading zero bytes before the depth (a wider integer).
    expect(code(() => decodeSmtProof(new Uint8Array([0, ...bytes])))).toMatch(/^DECODE_/);
    // Every accepted encoding is the one the encoder writes.
    expect(encodeSmtProof(decodeSmtProof(bytes))).toEqual(bytes);

    // The same for a proof of absence in a bigger state tree.
    const { tree: big } = stateTree();
    const absent = smtKey(v("receipts/channel-0/12345"));
    const ab = encodeSmtProof(big.prove(absent));
    expect(verifySmtProof(big.root, absent, null, ab)).toBe(true);
    expect(code(() => decodeSmtProof(new Uint8Array([...ab, 0])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );

    // RFC 6962 proof: a different-length index encoding or an extra step.
    const mt = MerkleTree.from(TX_LEAVES);
    const mbytes = encodeMerkleProof(mt.prove(6));
    expect(code(() => decodeMerkleProof(new Uint8Array([0, ...mbytes])))).toMatch(/^DECODE_/);
    expect(code(() => decodeMerkleProof(new Uint8Array([...mbytes, ...ZERO])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );

    // A tx whose chain-id length is written as a non-minimal varint (0x8b 0x00 instead of 0x0b).
    const tx = encodeTx(signedTransfer("ed25519"));
    expect(tx[0]).toBe(CHAIN.length);
    const nonMinimal = new Uint8Array([0x80 | CHAIN.length, 0x00, ...tx.subarray(1)]);
    expect(code(() => decodeTx(nonMinimal))).toBe(LedgerErrorCode.DECODE_NON_MINIMAL);
  });

  it("B11: rejects unsorted or duplicated set entries and non-canonical signer bitmaps", () => {
    const a = { address: new Uint8Array(20).fill(1), publicKey: new Uint8Array(48).fill(1), power: 1n };
    const b = { address: new Uint8Array(20).fill(2), publicKey: new Uint8Array(48).fill(2), power: 1n };
    const sorted = encodeValidatorSet({ validators: [a, b], totalPower: 2n });
    const body = sorted.subarray(1);
    const unsorted = new Uint8Array([2, ...body.subarray(76), ...body.subarray(0, 76)]);
    const duplicated = new Uint8Array([2, ...body.subarray(0, 76), ...body.subarray(0, 76)]);
    expect(code(() => decodeValidatorSet(unsorted))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    expect(code(() => decodeValidatorSet(duplicated))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    const commit = {
      height: 3,
      round: 0,
      blockHash: new Uint8Array(32).fill(5),
      signers: new Uint8Array([0b11]),
      signature: new Uint8Array(96),
    };
    const cb = encodeCommit(commit);
    expect(decodeCommit(cb, { validatorCount: 2 })).toEqual(commit);
    const highBit = encodeCommit({ ...commit, signers: new Uint8Array([0b1000_0011]) });
    expect(code(() => decodeCommit(highBit, { validatorCount: 2 }))).toBe(
      LedgerErrorCode.DECODE_NON_CANONICAL,
    );
    const padded = encodeCommit({ ...commit, signers: new Uint8Array([0b11, 0]) });
    expect(code(() => decodeCommit(padded, { validatorCount: 2 }))).toBe(
      LedgerErrorCode.DECODE_NON_CANONICAL,
    );
  });
});

describe("B16: cross-chain replay", () => {
  let fx: ReturnType<typeof blsValidators>;
  beforeAll(async () => {
    await initBls();
    fx = blsValidators(4);
  });

  it("B16: a tx signed for one chain id is rejected on another", () => {
    for (const scheme of ["ed25519", "secp256k1", "sm2"] as const) {
      const tx = signedTransfer(scheme);
      expect(verifyTxSignature(tx)).toBe(true);
      const replayed = { ...tx, chainId: HOME_CHAIN };
      expect(verifyTxSignature(replayed)).toBe(false);
      expect(hexOf(txSignBytes(replayed))).not.toBe(hexOf(txSignBytes(tx)));
      // Also after a trip through the wire format of the other chain.
      expect(verifyTxSignature(decodeTx(encodeTx(replayed)))).toBe(false);
    }
  });

  it("B16: a commit signed on one chain does not verify for another", () => {
    const blockHash = new Uint8Array(32).fill(4);
    const c = signCommit(fx.set, fx.secretKeys, [0, 1, 2, 3], { height: 10, round: 0, blockHash });
    expect(verifyCommit(c, fx.set, { chainId: CHAIN })).toBe(true);
    expect(verifyCommit(c, fx.set, { chainId: HOME_CHAIN })).toBe(false);
    const vote = { type: "precommit" as const, height: 10, round: 0, blockHash };
    expect(hexOf(voteSignBytes(CHAIN, vote))).not.toBe(hexOf(voteSignBytes(HOME_CHAIN, vote)));
  });
});

/** Writes an SMT proof without the encoder's canonical checks (to build attack inputs). */
function encodeSmtProofUnchecked(
  depth: number,
  siblings: Uint8Array[],
  leaf: SmtProof["leaf"],
  forceExplicit?: number,
): Uint8Array {
  const out: number[] = [depth >> 8, depth & 0xff];
  const bitmap = new Uint8Array(Math.ceil(depth / 8));
  const written: Uint8Array[] = [];
  siblings.forEach((s, i) => {
    if (s.some((b) => b !== 0) || i === forceExplicit) {
      bitmap[i >> 3]! |= 1 << (i & 7);
      written.push(s);
    }
  });
  out.push(...bitmap);
  for (const s of written) out.push(...s);
  if (leaf === null) out.push(0);
  else out.push(1, ...leaf.key, ...leaf.valueHash);
  return new Uint8Array(out);
}
